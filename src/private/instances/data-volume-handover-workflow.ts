import {
  Duration, Stack,
  aws_autoscaling as autoscaling, aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_logs as logs,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DataVolumeHandoverDefinition, DataVolumeHandoverProps } from './data-volume-handover';
import { instanceArns } from '../access/taint-on-access';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { DATA_VOLUME_TAG_KEYS } from '../shared/data-volume-tags';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

/** Room beyond the wait for a volume for the attachment, the calls and their retries. */
const EXECUTION_MARGIN = Duration.minutes(10);

export interface DataVolumeHandoverWorkflowProps extends DataVolumeHandoverProps {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly environmentName: string;
}

/**
 * A launching lifecycle hook on the group and the workflow its EventBridge event starts, which
 * hands a data volume to each new instance while it waits in Pending:Wait
 * (`DataVolumeHandoverDefinition`). The hook abandons a launch the workflow never completes.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/prepare-for-lifecycle-notifications.html#cloudwatch-events-notifications
 */
export class DataVolumeHandoverWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly hook: autoscaling.LifecycleHook;

  constructor(scope: Construct, id: string, props: DataVolumeHandoverWorkflowProps) {
    super(scope, id);
    const group = props.autoScalingGroup;
    this.hook = group.addLifecycleHook('DataVolume', {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
      // The workflow records a heartbeat each time it looks again, so this bounds one look.
      heartbeatTimeout: Duration.minutes(5),
      defaultResult: autoscaling.DefaultResult.ABANDON,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Hands ${props.environmentName} data volumes to launching instances`,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      retention: logs.RetentionDays.ONE_YEAR,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Attaches a data volume of ${props.stackName} to each instance ${group.autoScalingGroupName} launches`,
      definitionBody: sfn.DefinitionBody.fromChainable(new DataVolumeHandoverDefinition(this, props).chain()),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.waitForVolume.plus(EXECUTION_MARGIN),
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(role);
    grantHandover(role, group, props.stackName);
    new events.Rule(this, 'Rule', {
      description: `Hands a data volume to each instance of ${props.environmentName} that launches`,
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: ['EC2 Instance-launch Lifecycle Action'],
        detail: { AutoScalingGroupName: [group.autoScalingGroupName], LifecycleHookName: [this.hook.lifecycleHookName] },
      },
      targets: [new targets.SfnStateMachine(this.stateMachine)],
    });
  }
}

/** The workflow role's whole policy: this environment's volumes, this group's instances and lifecycle actions. */
function grantHandover(role: iam.Role, group: autoscaling.AutoScalingGroup, stackName: string): void {
  const volumes = Stack.of(role).formatArn({ service: 'ec2', resource: 'volume', resourceName: '*' });
  const ofThisEnvironment = { [`aws:ResourceTag/${DATA_VOLUME_TAG_KEYS.stack}`]: stackName };
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeVolumes', 'autoscaling:DescribeScalingActivities'], resources: ['*'] }));
  // AttachVolume authorizes the volume and the instance: each by its own statement's condition.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:AttachVolume'], resources: [volumes], conditions: { StringEquals: ofThisEnvironment },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:AttachVolume'],
    resources: [instanceArns(role)],
    conditions: { StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': group.autoScalingGroupName } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [volumes],
    conditions: {
      'StringEquals': ofThisEnvironment,
      'ForAllValues:StringEquals': { 'aws:TagKeys': [DATA_VOLUME_TAG_KEYS.used, DATA_VOLUME_TAG_KEYS.instance] },
    },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
    resources: [group.autoScalingGroupArn],
  }));
  role.addToPrincipalPolicy(executionLoggingStatement());
  acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
    'DescribeVolumes, DescribeScalingActivities, CloudWatch Logs vended log delivery and X-Ray trace uploads support no resource-level permissions');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, volumes)}]`,
    'AttachVolume and CreateTags are limited by condition to the volumes tagged as this environment\'s, CreateTags to the used and instance tag keys');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, instanceArns(role))}]`,
    'AttachVolume is limited by condition to the instances Auto Scaling tagged with this group');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, group.autoScalingGroupArn)}]`,
    'The wildcard in an Auto Scaling group ARN stands for the group UUID, which CloudFormation does not return; the group name pins it to this group');
}
