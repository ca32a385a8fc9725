import { ArnFormat, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { literalRoleName, roleArnOf } from '../shared/role-arns';

/**
 * Read permissions that CloudFormation's handlers for `AWS::EC2::LaunchTemplate` and
 * `AWS::AutoScaling::AutoScalingGroup` declare in their resource schemas (`handlers.update` and
 * `handlers.read`), as the schemas spell them. None of these actions takes a resource ARN.
 */
export const HANDLER_READ_ACTIONS = ['ec2:DescribeLaunchTemplates', 'autoscaling:Describe*', 'ec2:Describe*', 'elasticloadbalancing:Describe*'];

/** What the role is for: the environment's launch template, group and instance role, and its rollback alarms. */
export interface ReleaseServiceRoleProps {
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;
  readonly instanceRole: iam.IRole;
  /** Literal names of the alarms the group's instance refresh watches. */
  readonly alarmNames: string[];
}

/**
 * The CloudFormation service role of a release's stack update: CloudFormation acts with it, not
 * with the caller, for every resource the update changes, and for the rollback. A release changes
 * the values of the stack's ledger parameters only, which reach two resources: the launch template
 * (a new version with the released AMI and tags) and the Auto Scaling group (that version, the
 * capacity once the first release exists, and the instance refresh that replaces the instances).
 * So the role may do that to this stack's launch template and group and nothing else: no other
 * resource, no IAM but passing the instances' role to EC2, no network, no data.
 *
 * The write actions are those the resources' CloudFormation handlers declare for an update
 * (`handlers.update.permissions` in their resource schemas), limited to what a change of these
 * properties calls; Auto Scaling also checks `ec2:RunInstances` and `iam:PassRole` against the
 * caller when a group is updated to a launch template version, as its user guide documents.
 * What only a real account can confirm is in `docs/research/release-service-role.md`.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html
 */
export class ReleaseServiceRole extends Construct {
  public readonly role: iam.Role;
  /** The role's ARN, from its literal name: what `UpdateStack` names as `RoleARN`. */
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ReleaseServiceRoleProps) {
    super(scope, id);
    const roleName = literalRoleName(this);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Resource', {
      roleName,
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: `CloudFormation role of the release updates of stack ${stack.stackName}: new launch template versions and instance refreshes only`,
    });
    releaseServiceRoleStatements(this, props).forEach((statement) => this.role.addToPrincipalPolicy(statement));
    acknowledgeServiceRoleFindings(this.role, props);
    this.roleArn = roleArnOf(this, roleName);
  }
}

/** The role's whole policy, each statement as narrow as its API allows. */
export function releaseServiceRoleStatements(scope: IConstruct, props: ReleaseServiceRoleProps): iam.PolicyStatement[] {
  const arns = serviceRoleArns(scope, props);
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:CreateTags', 'ec2:DeleteTags'],
      resources: [arns.launchTemplate],
    }),
    new iam.PolicyStatement({
      actions: ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:StartInstanceRefresh', 'autoscaling:CancelInstanceRefresh'],
      resources: [arns.group],
    }),
    // Auto Scaling checks that the caller may launch from the version it is given: only from this
    // launch template, which the role can change only as a release does.
    new iam.PolicyStatement({
      actions: ['ec2:RunInstances'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ec2:LaunchTemplate': arns.launchTemplate } },
    }),
    // The launch template tags the instances and volumes it launches.
    new iam.PolicyStatement({
      actions: ['ec2:CreateTags'],
      resources: arns.launched,
      conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    }),
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [props.instanceRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }),
    new iam.PolicyStatement({ actions: HANDLER_READ_ACTIONS, resources: ['*'] }),
    // The instance refresh's alarm specification names these alarms.
    ...props.alarmNames.length === 0 ? [] : [new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: arns.alarms })],
  ];
}

function serviceRoleArns(scope: IConstruct, props: ReleaseServiceRoleProps) {
  const stack = Stack.of(scope);
  return {
    launchTemplate: stack.formatArn({ service: 'ec2', resource: 'launch-template', resourceName: props.launchTemplate.launchTemplateId }),
    // With a wildcard for the group's UUID, which CloudFormation does not return: its name pins it.
    group: props.autoScalingGroup.autoScalingGroupArn,
    launched: ['instance', 'volume', 'network-interface'].map((resource) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' })),
    alarms: props.alarmNames.map((name) => stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
  };
}

function acknowledgeServiceRoleFindings(role: iam.Role, props: ReleaseServiceRoleProps): void {
  const arns = serviceRoleArns(role, props);
  const acknowledge = (finding: string, reason: string) => acknowledgeNagFinding(role, `AwsSolutions-IAM5[${finding}]`, reason);
  for (const action of HANDLER_READ_ACTIONS.filter((candidate) => candidate.endsWith('*'))) {
    acknowledge(`Action::${action}`, 'Read actions exactly as CloudFormation\'s own handlers for launch templates and Auto Scaling groups declare them in their resource schemas; they take no resource ARNs');
  }
  acknowledge('Resource::*', 'The handlers\' read actions take no resource ARNs; RunInstances, which Auto Scaling checks against the caller, is limited by condition to this stack\'s launch template');
  acknowledge(`Resource::${nagResourceReference(role, arns.group)}`,
    'The wildcard in an Auto Scaling group ARN stands for the group UUID, which CloudFormation does not return; the group\'s name pins it to this group');
  for (const launched of arns.launched) {
    acknowledge(`Resource::${nagResourceReference(role, launched)}`, 'Only tags set as the instances and volumes are launched (ec2:CreateAction RunInstances), as the launch template asks');
  }
}
