import { Duration, aws_events as events } from 'aws-cdk-lib';
import { validateScheduleExpression } from '../../../src/private/shared/schedule-expression';

describe('validateScheduleExpression', () => {
  test.each([
    events.Schedule.rate(Duration.days(1)).expressionString,
    events.Schedule.rate(Duration.hours(12)).expressionString,
    events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }).expressionString,
    events.Schedule.cron({ day: '1', hour: '3', minute: '30' }).expressionString,
  ])('given %s, as aws-cdk-lib writes it, then it is accepted', (expression) => {
    expect(() => validateScheduleExpression(expression)).not.toThrow();
  });

  test.each([
    ['rate(1 days)', "Schedule rate(1 days) is not a rate EventBridge accepts: use 'rate(1 day)' for one and 'rate(2 days)' for more"],
    ['rate(0 minutes)', "Schedule rate(0 minutes) is not a rate EventBridge accepts: use 'rate(1 day)' for one and 'rate(2 days)' for more"],
    ['cron(0 2 * * SUN *)', 'Schedule cron(0 2 * * SUN *) is not a cron EventBridge accepts: six fields'],
    ['cron(0 2 ? * SUN)', 'Schedule cron(0 2 ? * SUN) is not a cron EventBridge accepts: six fields'],
    ['every sunday', 'Schedule every sunday is neither rate(...) nor cron(...)'],
  ])('given %s, then it fails naming it', (expression, message) => {
    expect(() => validateScheduleExpression(expression)).toThrow(message);
  });
});
