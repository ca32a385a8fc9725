import { DeploymentWindow } from '../src';

describe('DeploymentWindow.cron', () => {
  test('given a cron expression and a time zone, then the window keeps both; without a time zone it is UTC', () => {
    expect(DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin')).toMatchObject({ expression: '* * 9-15 ? * MON-THU', timeZone: 'Europe/Berlin' });
    expect(DeploymentWindow.cron('* * 9-15 ? * MON-THU 2027').timeZone).toBe('UTC');
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
});
