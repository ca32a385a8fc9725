import { Aws, Fn, Names, aws_iam as iam } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A log group name that is unique per construct and per stack *instance*: the construct's path
 * plus the UUID of the stack's id. Computed without referencing the log group, so policies can
 * name its ARN before it exists (a key policy scoped to it would otherwise be circular), and a
 * stack deleted and created again does not collide with the log group it retained.
 */
export function stackScopedLogGroupName(scope: IConstruct, prefix: string): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return `${prefix}${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' }).toLowerCase()}-${stackUuid}`;
}

/**
 * What a state machine's role needs for its execution logs and X-Ray traces, as `StateMachine`
 * would grant them; these APIs take no resource ARNs.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy
 */
export function executionLoggingStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
      'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
    ],
    resources: ['*'],
  });
}
