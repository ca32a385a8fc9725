import {
  ArnFormat, Duration, Stack, Tags,
  aws_autoscaling as autoscaling, aws_events as events, aws_events_targets as targets, aws_iam as iam, aws_kms as kms, aws_logs as logs,
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

/**
 * The longest a handover runs: its wait for a free volume, then the attachment, the calls and their
 * retries. An instance waits this long for its volume's disk, so that it never gives up on a volume
 * the workflow still attaches.
 */
export function handoverTimeout(waitForVolume: Duration): Duration {
  return waitForVolume.plus(EXECUTION_MARGIN);
}

/** The workflow records a heartbeat each time it looks again, so this bounds one look. */
const HEARTBEAT_TIMEOUT = Duration.minutes(5);

export interface DataVolumeHandoverWorkflowProps extends DataVolumeHandoverProps {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly environmentName: string;
  /**
   * The volumes' customer managed key, for which attaching a volume makes EC2 create a grant.
   *
   * @default - the account's EBS key, which needs nothing of the workflow
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A launching lifecycle hook on the group and the workflow its EventBridge event starts, which
 * hands a data volume to each new instance while it waits in Pending:Wait
 * (`DataVolumeHandoverDefinition`). The hook abandons a launch the workflow never completes.
 *
 * The hook is declared in the group itself (`LifecycleHookSpecificationList`), and the group
 * depends on the rule and the workflow: so the deploy that adds a data volume to a running
 * environment has the hook, the rule and the workflow in place before the group's update starts
 * its instance refresh. A hook resource of its own would name the group and come after it, and
 * that refresh would launch instances no workflow hands a volume to. Nothing here may therefore
 * name the group: the rule matches the hook's name, the deployment's id, and the role acts on the
 * group and its instances by the deployment tag the group carries and gives its instances.
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/prepare-for-lifecycle-notifications.html#cloudwatch-events-notifications
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-autoscaling-autoscalinggroup-lifecyclehookspecification.html
 */
export class DataVolumeHandoverWorkflow extends Construct {
  constructor(scope: Construct, id: string, props: DataVolumeHandoverWorkflowProps) {
    super(scope, id);
    const group = props.autoScalingGroup;
    // The deployment's id, unique in the account and region, names the hook: the rule matches it.
    const hookName = props.deploymentId;
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Hands ${props.environmentName} data volumes to launching instances`,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      retention: logs.RetentionDays.ONE_YEAR,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Attaches a data volume of ${props.deploymentId} to each instance its group launches`,
      definitionBody: sfn.DefinitionBody.fromChainable(new DataVolumeHandoverDefinition(this, props).chain()),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: handoverTimeout(props.waitForVolume),
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
      tracingEnabled: true,
    });
    stateMachine.node.addDependency(role);
    grantHandover(role, props.deploymentId);
    if (props.encryptionKey) grantAttachUnderKey(role, props.encryptionKey);
    const rule = new events.Rule(this, 'Rule', {
      description: `Hands a data volume to each instance of ${props.environmentName} that launches`,
      eventPattern: {
        source: ['aws.autoscaling'],
        detailType: ['EC2 Instance-launch Lifecycle Action'],
        detail: { LifecycleHookName: [hookName] },
      },
      targets: [new targets.SfnStateMachine(stateMachine)],
    });
    const cfnGroup = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    cfnGroup.lifecycleHookSpecificationList = [{
      lifecycleHookName: hookName,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      heartbeatTimeout: HEARTBEAT_TIMEOUT.toSeconds(),
      defaultResult: 'ABANDON',
    }];
    // The tag the role's conditions read, on the group and on every instance it launches.
    Tags.of(cfnGroup).add(DATA_VOLUME_TAG_KEYS.deployment, props.deploymentId, { applyToLaunchedInstances: true });
    cfnGroup.node.addDependency(rule);
  }
}

/**
 * Attaching a volume under a customer managed key makes EC2 create a grant on the key for the
 * instance, as the caller: allowed only for AWS resources, through EC2 in this region, with an
 * encryption context constraint (the conditions aws-cdk-lib's `Volume.grantAttachVolume` sets). A key
 * given by ARN must let this account's IAM policies grant it, as default key policies do.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html
 */
function grantAttachUnderKey(role: iam.Role, key: kms.IKey): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:CreateGrant'],
    resources: [key.keyArn],
    conditions: {
      Bool: { 'kms:GrantIsForAWSResource': true },
      StringEquals: { 'kms:ViaService': `ec2.${Stack.of(role).region}.amazonaws.com`, 'kms:GrantConstraintType': 'EncryptionContextSubset' },
    },
  }));
}

/** The workflow role's whole policy: this deployment's volumes, its group's instances and lifecycle actions, by the deployment tag. */
function grantHandover(role: iam.Role, deploymentId: string): void {
  const volumes = Stack.of(role).formatArn({ service: 'ec2', resource: 'volume', resourceName: '*' });
  const groups = Stack.of(role).formatArn({ service: 'autoscaling', resource: 'autoScalingGroup', resourceName: '*:autoScalingGroupName/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const ofThisDeployment = { [`aws:ResourceTag/${DATA_VOLUME_TAG_KEYS.deployment}`]: deploymentId };
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeVolumes', 'autoscaling:DescribeScalingActivities'], resources: ['*'] }));
  // AttachVolume authorizes the volume and the instance: each by its own statement's condition.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:AttachVolume'], resources: [volumes], conditions: { StringEquals: ofThisDeployment },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:AttachVolume'], resources: [instanceArns(role)], conditions: { StringEquals: ofThisDeployment },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [volumes],
    conditions: {
      'StringEquals': ofThisDeployment,
      'ForAllValues:StringEquals': { 'aws:TagKeys': [DATA_VOLUME_TAG_KEYS.used, DATA_VOLUME_TAG_KEYS.instance] },
    },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
    resources: [groups],
    conditions: { StringEquals: ofThisDeployment },
  }));
  role.addToPrincipalPolicy(executionLoggingStatement());
  acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
    'DescribeVolumes, DescribeScalingActivities, CloudWatch Logs vended log delivery and X-Ray trace uploads support no resource-level permissions');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, volumes)}]`,
    'AttachVolume and CreateTags are limited by condition to the volumes tagged as this deployment\'s, CreateTags to the used and instance tag keys');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, instanceArns(role))}]`,
    'AttachVolume is limited by condition to the instances this deployment\'s group launched, which it tags with the deployment');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, groups)}]`,
    'Lifecycle actions are limited by condition to the group tagged with this deployment; naming the group would make the hook wait for it');
}
