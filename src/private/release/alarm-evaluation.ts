import { Duration, Stack, Token, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';

/**
 * The time an alarm looks back over before it can go into ALARM: its period times its evaluation
 * periods. For metric math, the longest period of its metrics.
 *
 * @returns undefined for alarms this app does not define (imported, composite) or whose numbers are tokens
 */
export function alarmEvaluationWindow(alarm: cloudwatch.IAlarm): Duration | undefined {
  const resource = alarm.node.defaultChild;
  if (!(resource instanceof cloudwatch.CfnAlarm)) {
    return undefined;
  }
  const resolve = (value: unknown) => Stack.of(alarm).resolve(value);
  const evaluationPeriods = resolve(resource.evaluationPeriods);
  // Resolved: plain objects, with the L1 property names.
  const queries: Array<{ metricStat?: { period?: unknown }; period?: unknown }> = resolve(resource.metrics) ?? [];
  const periods = [resolve(resource.period), ...queries.map((query) => query.metricStat?.period ?? query.period)]
    .filter((period) => period !== undefined);
  if (typeof evaluationPeriods !== 'number' || periods.length === 0 || periods.some((period) => typeof period !== 'number' || Token.isUnresolved(period))) {
    return undefined;
  }
  return Duration.seconds(Math.max(...periods) * evaluationPeriods);
}

/** The longest evaluation window of the alarms, if any is known. */
export function longestEvaluationWindow(alarms: cloudwatch.IAlarm[]): Duration | undefined {
  const windows = alarms.map(alarmEvaluationWindow).filter((window): window is Duration => window !== undefined);
  return windows.length === 0 ? undefined : Duration.seconds(Math.max(...windows.map((window) => window.toSeconds())));
}
