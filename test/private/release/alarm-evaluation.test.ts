import { App, Duration, Stack, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { alarmEvaluationWindow, longestEvaluationWindow } from '../../../src/private/release/alarm-evaluation';

describe('alarmEvaluationWindow', () => {
  const stack = new Stack(new App(), 'Alarms');
  const metric = (period: Duration) => new cloudwatch.Metric({ namespace: 'Web', metricName: 'Errors', period });
  const single = new cloudwatch.Alarm(stack, 'Single', { metric: metric(Duration.minutes(5)), threshold: 1, evaluationPeriods: 3 });
  const math = new cloudwatch.Alarm(stack, 'Math', {
    metric: new cloudwatch.MathExpression({ expression: 'a + b', usingMetrics: { a: metric(Duration.minutes(1)), b: metric(Duration.minutes(2)) }, period: Duration.minutes(2) }),
    threshold: 1,
    evaluationPeriods: 4,
  });
  const imported = cloudwatch.Alarm.fromAlarmName(stack, 'Imported', 'elsewhere');

  test('given a metric alarm, then it is the period times the evaluation periods', () => {
    expect(alarmEvaluationWindow(single)?.toMinutes()).toBe(15);
  });

  test('given a metric math alarm, then it is its longest period times the evaluation periods', () => {
    expect(alarmEvaluationWindow(math)?.toMinutes()).toBe(8);
  });

  test('given an imported alarm, then it is unknown', () => {
    expect(alarmEvaluationWindow(imported)).toBeUndefined();
  });

  test('given several alarms, then the longest known window counts, and none known gives none', () => {
    expect(longestEvaluationWindow([math, imported, single])?.toMinutes()).toBe(15);
    expect(longestEvaluationWindow([imported])).toBeUndefined();
  });
});
