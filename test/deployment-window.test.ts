import { DeploymentWindow } from '../src';

describe('DeploymentWindow.cron', () => {
  test('given a cron expression and a time zone, then the window keeps both; without a time zone it is UTC', () => {
    expect(DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin')).toMatchObject({ expression: '* * 9-15 ? * MON-THU', timeZone: 'Europe/Berlin' });
    expect(DeploymentWindow.cron('* * 9-15 ? * MON-THU 2027-2199').timeZone).toBe('UTC');
  });

  test.each(['UTC+05:30', 'EST', 'America/Argentina/Buenos_Aires'])('given the time zone %s, then it is accepted', (timeZone) => {
    expect(DeploymentWindow.cron('* * 9-15 ? * MON-THU', timeZone).timeZone).toBe(timeZone);
  });

  test('given five fields, as EventBridge cron has, then it fails naming the count and the expression', () => {
    expect(() => DeploymentWindow.cron('0 9 ? * MON-THU')).toThrow("got 5 in '0 9 ? * MON-THU'");
  });

  test('given seconds other than *, then it fails naming them', () => {
    expect(() => DeploymentWindow.cron('0 * 9-15 ? * MON-THU')).toThrow("The seconds field of a deployment window's cron expression must be '*', got '0'");
  });

  test('given both a day of month and a day of week, then it fails naming the expression', () => {
    expect(() => DeploymentWindow.cron('* * 9-15 1 * MON')).toThrow("must have '?' as its day of month or its day of week, got '* * 9-15 1 * MON'");
  });

  test('given a time zone that is none of the three formats, then it fails naming it', () => {
    expect(() => DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'berlin')).toThrow("got 'berlin'");
  });

  test('given a value outside its field, then it fails naming the field, its range and the value', () => {
    expect(() => DeploymentWindow.cron('* * 9-24 ? * MON-THU')).toThrow("The hours field of a deployment window's cron expression takes 0-23, got '24'");
  });

  test('given a day that never comes, then it fails saying no release would ever start', () => {
    expect(() => DeploymentWindow.cron('* * * 30 2 ? *')).toThrow("The deployment window '* * * 30 2 ? *' does not open in the next two years");
  });

  describe('on 2026-12-03', () => {
    beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-03T19:00:00Z') }));
    afterEach(() => jest.useRealTimers());

    test('given a year field that ends, then it fails naming the last opening and a range that runs on', () => {
      expect(() => DeploymentWindow.cron('* * 9-15 ? * MON-THU 2027')).toThrow(
        'opens for the last time at 2027-12-30T15:59 (its time zone), and a release after that would wait in its stage for ever: '
        + 'give its year field a range that runs on, such as 2027-2199');
    });

    test('given a window of one hour a week, then the longest wait is the week less the hour', () => {
      expect(DeploymentWindow.cron('* * 9 ? * MON')._longestWaitMinutes(new Date())).toBe(7 * 24 * 60 - 59);
    });
  });
});
