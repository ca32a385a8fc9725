import { Token } from 'aws-cdk-lib';
import { WindowSchedule, parseWindowCron, windowOpenings } from './private/promotion/window-schedule';

/**
 * When releases into an environment may start: a CodePipeline `DeploymentWindow` rule on the
 * environment's stage. A promotion that reaches the stage outside the window waits there until
 * the window opens.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 *
 * @example
 * // Monday to Thursday, 09:00 to 15:59 in Berlin.
 * const window = DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin');
 */
export class DeploymentWindow {
  /**
   * The minutes in which a release may start, as the rule's cron expression: six fields (seconds,
   * which must be `*`, minutes, hours, day of month, month, day of week) and an optional year.
   *
   * @param expression e.g. `* * 9-15 ? * MON-THU` (every minute from 09:00 to 15:59, Monday to Thursday)
   * @param timeZone a Region/City name (`Europe/Berlin`), `UTC` with an optional offset (`UTC+05:30`), or an abbreviation (`EST`)
   */
  public static cron(expression: string, timeZone: string = 'UTC'): DeploymentWindow {
    const schedule = scheduleOf(expression);
    validateTimeZone(timeZone);
    return new DeploymentWindow(expression, timeZone, schedule);
  }

  private constructor(
    /** The rule's cron expression. */
    public readonly expression: string,
    /** The time zone the expression is read in. */
    public readonly timeZone: string,
    private readonly schedule: WindowSchedule | undefined,
  ) {}

  /**
   * The longest a release may wait for the window to open over the next two years, in minutes;
   * undefined when the expression is a token.
   *
   * @internal
   */
  public _longestWaitMinutes(from: Date): number | undefined {
    return this.schedule && windowOpenings(this.schedule, from).longestClosedMinutes;
  }
}

/** The expression's open minutes, once its form is checked; undefined for a token. */
function scheduleOf(expression: string): WindowSchedule | undefined {
  if (Token.isUnresolved(expression)) {
    return undefined;
  }
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 7) {
    throw new Error("A deployment window's cron expression has 6 fields (seconds, minutes, hours, day of month, month, day of week) and an optional year, "
      + `got ${fields.length} in '${expression}'`);
  }
  if (fields[0] !== '*') {
    throw new Error(`The seconds field of a deployment window's cron expression must be '*', got '${fields[0]}' in '${expression}'`);
  }
  if (fields[3] !== '?' && fields[5] !== '?') {
    throw new Error(`A deployment window's cron expression must have '?' as its day of month or its day of week, got '${expression}'`);
  }
  const schedule = parseWindowCron(expression);
  const openings = windowOpenings(schedule, new Date());
  if (openings.firstOpenAfterMinutes === undefined) {
    throw new Error(`The deployment window '${expression}' does not open in the next two years, so no release would ever start: `
      + 'check its day of month, month and year');
  }
  if (openings.lastOpening !== undefined) {
    throw new Error(`The deployment window '${expression}' opens for the last time at ${openings.lastOpening.toISOString().slice(0, 16)} (its time zone), `
      + `and a release after that would wait in its stage for ever: give its year field a range that runs on, such as ${openings.lastOpening.getUTCFullYear()}-2199, or leave the year out`);
  }
  return schedule;
}

function validateTimeZone(timeZone: string): void {
  if (Token.isUnresolved(timeZone)) {
    return;
  }
  const regionCity = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/;
  const utcOffset = /^UTC([+-]\d{2}:\d{2})?$/;
  const abbreviation = /^[A-Z]{3,5}$/;
  if (![regionCity, utcOffset, abbreviation].some((format) => format.test(timeZone))) {
    throw new Error("A deployment window's time zone must be a Region/City name (Europe/Berlin), UTC with an optional offset (UTC+05:30) "
      + `or an abbreviation (EST), got '${timeZone}'`);
  }
}
