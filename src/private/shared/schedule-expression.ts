import { Token } from 'aws-cdk-lib';

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^)]*)\)$/;

/**
 * Rejects at synth time an EventBridge schedule expression that CloudFormation would reject at
 * deploy time: `rate(<n> <unit>)` with a positive value and a unit that agrees with it
 * (`1 day`, `2 days`), or `cron(...)` with six fields and `?` in day-of-month or day-of-week.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */
export function validateScheduleExpression(expression: string): void {
  if (Token.isUnresolved(expression)) {
    return;
  }
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const plural = rate[2].endsWith('s');
    if (value < 1 || (value === 1) === plural) {
      throw new Error(`Schedule ${expression} is not a rate EventBridge accepts: use 'rate(1 day)' for one and 'rate(2 days)' for more`);
    }
    return;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6 || (fields[2] === '?') === (fields[4] === '?')) {
      throw new Error(`Schedule ${expression} is not a cron EventBridge accepts: six fields (minutes hours day-of-month month day-of-week year), `
        + "with '?' in exactly one of day-of-month and day-of-week, e.g. 'cron(0 2 ? * SUN *)'");
    }
    return;
  }
  throw new Error(`Schedule ${expression} is neither rate(...) nor cron(...)`);
}
