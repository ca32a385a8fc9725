import { Duration, Token } from 'aws-cdk-lib';
import { DeploymentWindow, PromotionApproval } from '../../../src';
import { humanMinutes, longestWaitsBeforeRelease } from '../../../src/private/promotion/promotion-timing';

const FROM = new Date('2026-12-04T00:00:00Z');
const HOUR = 60;
const DAY = 24 * HOUR;
/** A release's default timeout and the margin the release workflow adds to it. */
const RELEASE = 90;

describe('longestWaitsBeforeRelease', () => {
  test('given environments without waits, then the first starts at once and each later one after the releases before it', () => {
    const waits = longestWaitsBeforeRelease([{ name: 'dev' }, { name: 'qa' }, { name: 'prod' }], FROM);

    expect(waits.map((wait) => wait?.minutes)).toEqual([0, RELEASE, 2 * RELEASE]);
    expect(waits[2]?.parts).toEqual(['dev: release up to 1 hour 30 minutes', 'qa: release up to 1 hour 30 minutes']);
  });

  test('given approvals, soaks, a window and release timeouts, then each environment waits for all of those before it and its own window and approval', () => {
    const waits = longestWaitsBeforeRelease([
      { name: 'dev', soakPeriod: Duration.hours(1) },
      { name: 'qa', approval: PromotionApproval.manual(), releaseTimeout: Duration.hours(2), soakPeriod: Duration.days(1) },
      // Closed from Friday 16:00 to Monday 09:00: 65 hours, counted from the start of the last open minute.
      { name: 'prod', approval: PromotionApproval.manual({ timeout: Duration.days(3) }), deploymentWindow: DeploymentWindow.cron('* * 9-15 ? * MON-FRI', 'Europe/Berlin') },
    ], FROM);

    expect(waits.map((wait) => wait?.minutes)).toEqual([
      0,
      RELEASE + HOUR + 7 * DAY,
      RELEASE + HOUR + 7 * DAY + (2 * HOUR + 30) + DAY + (65 * HOUR + 1) + 3 * DAY,
    ]);
    expect(waits[2]?.parts).toEqual([
      'dev: release up to 1 hour 30 minutes, soak 1 hour',
      'qa: approval up to 7 days, release up to 2 hours 30 minutes, soak 1 day',
      'prod: window closed up to 2 days 17 hours, approval up to 3 days',
    ]);
  });

  test('given a soak period from a token, then that environment\'s wait and every later one is unknown, and earlier ones are not', () => {
    const soakPeriod = Duration.minutes(Token.asNumber({ Ref: 'Soak' }));
    const waits = longestWaitsBeforeRelease([{ name: 'dev' }, { name: 'qa', soakPeriod }, { name: 'prod' }], FROM);

    expect(waits.map((wait) => wait?.minutes)).toEqual([0, RELEASE, undefined]);
  });
});

describe('humanMinutes', () => {
  test('given minutes, then their two largest units; given none, then an unknown time', () => {
    expect(humanMinutes(RELEASE)).toBe('1 hour 30 minutes');
    expect(humanMinutes(2 * DAY + 17 * HOUR + 1)).toBe('2 days 17 hours');
    expect(humanMinutes(undefined)).toBe('an unknown time');
  });
});
