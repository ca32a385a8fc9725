import { parseWindowCron, windowOpenings } from '../../../src/private/promotion/window-schedule';

/** A Thursday evening, after the Monday-to-Thursday window of the README has closed. */
const THURSDAY_EVENING = new Date('2026-12-03T19:00:00Z');
const HOUR = 60;
const DAY = 24 * HOUR;

const openings = (expression: string, from = THURSDAY_EVENING) => windowOpenings(parseWindowCron(expression), from);

describe('windowOpenings', () => {
  test('given Monday to Thursday, 09:00 to 15:59, then the longest wait is from Thursday 16:00 to Monday 09:00, and the first opening is Monday morning', () => {
    expect(openings('* * 9-15 ? * MON-THU')).toEqual({ firstOpenAfterMinutes: 3 * DAY + 14 * HOUR, longestClosedMinutes: 3 * DAY + 17 * HOUR + 1 });
  });

  test('given every minute, then a release waits at most for the next minute to start, and the window never stops', () => {
    expect(openings('* * * ? * *')).toEqual({ firstOpenAfterMinutes: 0, longestClosedMinutes: 1, lastOpening: undefined });
  });

  test('given every 15 minutes of one hour a week, then the gaps inside the hour and between weeks are both counted', () => {
    const weekly = openings('* */15 9 ? * MON');
    expect(weekly.longestClosedMinutes).toBe(7 * DAY - 45);
    expect(openings('* */15 * ? * *').longestClosedMinutes).toBe(15);
  });

  test.each([
    ['the last day of the month', '* * 2 L * ?', new Date('2026-12-31T02:00:00Z')],
    ['three days before the last', '* * 2 L-3 * ?', new Date('2026-12-28T02:00:00Z')],
    ['the last Friday', '* * 2 ? * 6L', new Date('2026-12-25T02:00:00Z')],
    ['the first Monday (December 2026 starts on a Tuesday)', '* * 2 ? * MON#1', new Date('2026-12-07T02:00:00Z')],
    ['the weekday nearest the 13th (a Sunday in December 2026)', '* * 2 13W * ?', new Date('2026-12-14T02:00:00Z')],
    ['the last weekday (Saturday 2027-01-30 is not)', '* * 2 LW * ?', new Date('2026-12-31T02:00:00Z')],
    ['a named month', '* * 2 1 MAR ? *', new Date('2027-03-01T02:00:00Z')],
  ])('given %s, then the window first opens on the right day', (_, expression, first) => {
    expect(openings(expression).firstOpenAfterMinutes).toBe((first.getTime() - THURSDAY_EVENING.getTime()) / 60000);
  });

  test('given the 29th of February, then the first wait runs to the next leap day', () => {
    expect(openings('* * * 29 2 ? *').longestClosedMinutes).toBe((Date.UTC(2028, 1, 29) - THURSDAY_EVENING.getTime()) / 60000);
  });

  test('given a day that does not exist, then the window never opens', () => {
    expect(openings('* * * 30 2 ? *')).toEqual({});
  });

  test('given a year that ends, then the window says when it opens for the last time', () => {
    expect(openings('* * 9-15 ? * MON-THU 2027').lastOpening).toEqual(new Date('2027-12-30T15:59:00Z'));
    expect(openings('* * 9-15 ? * MON-THU 2027-2199').lastOpening).toBeUndefined();
  });

  test('given a window of January only, then it repeats yearly and does not count as stopping', () => {
    const january = openings('* * * ? JAN * *');
    expect(january.lastOpening).toBeUndefined();
    expect(january.longestClosedMinutes).toBe(334 * DAY + 1);
  });
});

describe('parseWindowCron', () => {
  test.each([
    ['* 60 * ? * *', "The minutes field of a deployment window's cron expression takes 0-59, got '60'"],
    ['* * 24 ? * *', "The hours field of a deployment window's cron expression takes 0-23, got '24'"],
    ['* * * 32 * ?', "The day-of-month field of a deployment window's cron expression takes 1-31, got '32'"],
    ['* * * ? 13 *', "The month field of a deployment window's cron expression takes 1-12 or JAN-DEC, got '13'"],
    ['* * * ? * MOO', "The day-of-week field of a deployment window's cron expression takes 1-7 or SUN-SAT, got 'MOO'"],
    ['* * * ? * * 2200', "The year field of a deployment window's cron expression takes 1970-2199, got '2200'"],
    ['* * 15-9 ? * *', "The hours field of a deployment window's cron expression has a range that ends before it starts: '15-9'"],
    ['* */0 * ? * *', "The minutes field of a deployment window's cron expression has an invalid step in '*/0'"],
    ['* * * ? * MON#6', "The day-of-week field of a deployment window's cron expression takes #1 to #5, got 'MON#6'"],
    ['* * * L-31 * ?', "The day-of-month field of a deployment window's cron expression takes L-0 to L-30, got 'L-31'"],
  ])('given %s, then it fails naming the field and the value', (expression, message) => {
    expect(() => parseWindowCron(expression)).toThrow(message);
  });

  test('given steps, ranges, lists and names, then the open minutes of a day are all of them, in order', () => {
    expect(parseWindowCron('* 0/20,5 22-23 ? * SUN,SAT').minutesOfDay).toEqual([22 * 60, 22 * 60 + 5, 22 * 60 + 20, 22 * 60 + 40, 23 * 60, 23 * 60 + 5, 23 * 60 + 20, 23 * 60 + 40]);
  });
});
