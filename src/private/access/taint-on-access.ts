import {
  Duration, Stack, Tags, Token,
  aws_autoscaling as autoscaling, aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_logs as logs,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { accessEventPattern } from './access-events';
import { TAINTED_TAG_KEY, TaintDefinition } from './taint-definition';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

/**
 * Tag on the rule, the workflow and the roles of every `TaintOnAccess`, by which a service control
 * policy can keep anyone but CloudFormation from disabling them (`docs/break-glass-scp.md`).
 */
export const TAINT_ON_ACCESS_TAG_KEY = 'immutable-servers:taint-on-access';

/** Longest grace period: a tainted instance should not serve traffic for days. */
const MAX_GRACE_PERIOD = Duration.hours(24);

/** Room beyond the grace period for the look-ups, the calls and their retries. */
const EXECUTION_MARGIN = Duration.minutes(30);

export interface TaintOnAccessProps {
  /** The group whose instances are tainted and replaced; the only group the workflow may act on. */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  /** Name of the environment, for descriptions, e.g. `prod`. */
  readonly environmentName: string;
  /**
   * How long an instance someone got into stays in service before it is replaced. From 0 to 24
   * hours, in whole seconds.
   *
   * @default Duration.minutes(30)
   */
  readonly gracePeriod?: Duration;
}

/**
 * Taints and replaces the instances of one group that anyone got into, whoever they are and
 * whatever role they used (DESIGN.md, decision 9): an EventBridge rule on the CloudTrail events of
 * every way in (`ACCESS_EVENTS`: Session Manager sessions of any document, Run Command, EC2
 * Instance Connect, its endpoints' tunnels, the serial console) starts a Step Functions workflow
 * that tags each touched instance of this group `immutable-servers:tainted`, waits the grace
 * period and terminates it in its group, which launches a pristine replacement.
 *
 * One rule and one workflow per group, idle between events: EventBridge does not charge for AWS
 * service events on the default bus, and the workflow runs a few state transitions for an event on
 * another group's instance. EventBridge receives these events only while a CloudTrail trail logs
 * management events in the account and region; without one, nothing is replaced.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://aws.amazon.com/eventbridge/pricing/
 */
export class TaintOnAccess extends Construct {
  /** The workflow that tags and replaces the instances someone got into. */
  public readonly stateMachine: sfn.IStateMachine;

  constructor(scope: Construct, id: string, props: TaintOnAccessProps) {
    super(scope, id);
    const gracePeriod = validGracePeriod(props.gracePeriod);
    Tags.of(this).add(TAINT_ON_ACCESS_TAG_KEY, 'true');
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Taints and replaces ${props.environmentName} instances that anyone got into`,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions asks for the /aws/vendedlogs/ prefix, which keeps log groups out of the
      // account's size-limited CloudWatch Logs resource policy.
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      // Each execution is evidence of an access: kept as long as break-glass session logs are.
      retention: logs.RetentionDays.ONE_YEAR,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Tags the instances of ${props.autoScalingGroup.autoScalingGroupName} that anyone got into as tainted, then replaces them`,
      definitionBody: sfn.DefinitionBody.fromChainable(new TaintDefinition(this, {
        autoScalingGroupName: props.autoScalingGroup.autoScalingGroupName,
        gracePeriod,
      }).chain()),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: gracePeriod.plus(EXECUTION_MARGIN),
      // CDK would grant each task's action without conditions; the role's whole policy is below.
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
      tracingEnabled: true,
    });
    stateMachine.node.addDependency(role);
    grantWorkflowPermissions(role, props.autoScalingGroup);
    this.stateMachine = stateMachine;

    new events.Rule(this, 'Rule', {
      description: `Taints and replaces ${props.environmentName} instances that anyone opened a session on, sent a command to or connected to`,
      eventPattern: accessEventPattern(),
      targets: [new targets.SfnStateMachine(stateMachine)],
    });
  }
}

/** The workflow role's whole policy, each statement as narrow as its API allows. */
function grantWorkflowPermissions(role: iam.Role, group: autoscaling.IAutoScalingGroup): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['autoscaling:DescribeAutoScalingInstances', 'ssm:ListCommandInvocations', 'ec2:DescribeInstances', 'ec2:DescribeInstanceConnectEndpoints'],
    resources: ['*'],
  }));
  // Only this group's instances (Auto Scaling tags each with its group's name), and only the
  // tainted tag.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [instanceArns(role)],
    conditions: {
      'StringEquals': { 'aws:ResourceTag/aws:autoscaling:groupName': group.autoScalingGroupName },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TAINTED_TAG_KEY] },
    },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'],
    resources: [group.autoScalingGroupArn],
  }));
  role.addToPrincipalPolicy(executionLoggingStatement());
  acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
    'DescribeAutoScalingInstances, ListCommandInvocations, DescribeInstances, DescribeInstanceConnectEndpoints, CloudWatch Logs vended log '
    + 'delivery and X-Ray trace uploads support no resource-level permissions; the workflow only reads with the first four');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, instanceArns(role))}]`,
    'CreateTags is limited by condition to instances tagged aws:autoscaling:groupName with this group, and to the tainted tag key');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, group.autoScalingGroupArn)}]`,
    'The wildcard in an Auto Scaling group ARN stands for the group UUID, which CloudFormation does not return; the group name pins it to this group');
}

/** Every EC2 instance in the stack's account and region, for statements narrowed by condition. */
export function instanceArns(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
}

function validGracePeriod(grace: Duration | undefined): Duration {
  if (grace === undefined) {
    return Duration.minutes(30);
  }
  if (Token.isUnresolved(grace.toSeconds({ integral: false }))) {
    // It decides whether the workflow has a Wait state and bounds its timeout.
    throw new Error(`taintGracePeriod must be known at synth time, got a token: ${grace.toString()}`);
  }
  const seconds = grace.toSeconds({ integral: false });
  if (seconds > MAX_GRACE_PERIOD.toSeconds() || !Number.isInteger(seconds)) {
    throw new Error(`taintGracePeriod must be a whole number of seconds from 0 to 24 hours, got ${grace.toHumanString()}`);
  }
  return grace;
}
