import { CfnElement } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DeployedRole } from '../../scripts/lib/journey/deployed-roles';
import { evaluate } from '../../scripts/lib/journey/iam-policy';
import { resolve } from '../../scripts/lib/journey/template-resolution';
import { DeployedStack, decide, deployedStack } from '../helpers/deployed-app';
import { ENVIRONMENT, deploymentStack } from '../helpers/deployment-stack';

// What the roles of a deployment allow, evaluated as IAM evaluates their statements (actions,
// resources and conditions) in the deployed stack: everything a release needs, and nothing an
// attacker holding the release role, or a template sent with the service role, would need.

const { account, region } = ENVIRONMENT;
const PIPELINE_ACCOUNT = '999999999999';
const STACK_ARN = `arn:aws:cloudformation:${region}:${account}:stack/WebProd/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;
const LEDGER = '/immutable-servers/web/prod/release';
const AMI = `arn:aws:ec2:${region}::image/ami-0123456789abcdef0`;
const CDK_EXECUTION_ROLE = `arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${region}`;
/** The role of a release workflow in the pipeline account, which the release role trusts. */
const WORKFLOW_ROLE = `arn:aws:iam::${PIPELINE_ACCOUNT}:role/Pipeline-Promotion-prod-Release-Role-0A1B2C3D`;

interface Roles {
  readonly deployed: DeployedStack;
  readonly release: DeployedRole;
  readonly stackUpdate: DeployedRole;
  readonly service: DeployedRole;
  readonly stackUpdateArn: string;
  readonly launchTemplateArn: string;
  readonly groupArn: string;
  readonly instanceRoleArn: string;
}

let roles: Roles;
beforeAll(() => {
  const { app, stack, deployment } = deploymentStack({
    releaseRole: { trustedAccounts: [PIPELINE_ACCOUNT], trustedWorkflowRoleArns: [WORKFLOW_ROLE] },
  });
  const deployed = deployedStack(app, 'WebProd');
  // A value of the app (a token, a construct's resource) as the deployment resolved it.
  const deployedValue = (value: string) => String(resolve(stack.resolve(value), deployed.context));
  const physical = (construct: IConstruct, attribute?: string) =>
    String(deployed.context.physical(stack.resolve((construct.node.defaultChild as CfnElement).logicalId), attribute));
  const service = deployed.roleTrusting('cloudformation.amazonaws.com');
  roles = {
    deployed,
    release: deployed.roleTrusting(PIPELINE_ACCOUNT),
    stackUpdate: deployed.roles.find((role) => role.statements().some((statement) => statement.Action === 'cloudformation:UpdateStack'))!,
    service,
    stackUpdateArn: deployedValue(deployment.releaseTarget.stackUpdateStateMachineArn),
    launchTemplateArn: `arn:aws:ec2:${region}:${account}:launch-template/${physical(deployment.launchTemplate)}`,
    groupArn: `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:6a7e8feb-b491-4cf7-a9f1-bf3703467718:autoScalingGroupName/${deployment.releaseTarget.autoScalingGroupName}`,
    instanceRoleArn: physical(deployment.instanceRole, 'Arn'),
  };
});

describe('the release role', () => {
  test('may be assumed by the workflow roles it trusts, by their ARNs, and by no other role or user of their account', () => {
    // The trust policy's conditions, evaluated for a principal of the account it names.
    const trust = roles.release.trust();
    const assumedBy = (principalArn: string) => evaluate(trust.map(({ Principal: _principal, ...statement }) => ({ ...statement, Resource: '*' })),
      { action: 'sts:AssumeRole', resource: '*', context: { 'aws:PrincipalArn': principalArn } });

    expect(JSON.stringify(trust.map((statement) => statement.Principal))).toBe(JSON.stringify([{ AWS: `arn:aws:iam::${PIPELINE_ACCOUNT}:root` }]));
    expect(assumedBy(WORKFLOW_ROLE)).toBe('ALLOWED');
    expect(assumedBy(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/Developer`)).not.toBe('ALLOWED');
    expect(assumedBy(`arn:aws:iam::${PIPELINE_ACCOUNT}:user/intruder`)).not.toBe('ALLOWED');
  });

  test('may do what a release does: read the stack, start its release stack update, write the ledger, tag the AMI in use', () => {
    const { release, stackUpdateArn } = roles;

    expect(decide(release, 'cloudformation:DescribeStacks', STACK_ARN)).toBe('ALLOWED');
    expect(decide(release, 'cloudformation:CancelUpdateStack', STACK_ARN)).toBe('ALLOWED');
    expect(decide(release, 'states:StartSyncExecution', stackUpdateArn)).toBe('ALLOWED');
    expect(decide(release, 'ssm:PutParameter', `arn:aws:ssm:${region}:${account}:parameter${LEDGER}/ami`)).toBe('ALLOWED');
    expect(decide(release, 'ec2:CreateTags', AMI, { 'aws:RequestTag/immutable-servers:in-use': 'true', 'aws:TagKeys': ['immutable-servers:in-use'] })).toBe('ALLOWED');
  });

  test.each([
    ['update the stack, with a template of its own', 'cloudformation:UpdateStack', STACK_ARN, {}],
    ['update the stack as the CDK execution role', 'cloudformation:UpdateStack', STACK_ARN, { 'cloudformation:RoleArn': CDK_EXECUTION_ROLE }],
    ['create a change set', 'cloudformation:CreateChangeSet', STACK_ARN, {}],
    ['delete the stack', 'cloudformation:DeleteStack', STACK_ARN, {}],
    ['override the stack policy', 'cloudformation:SetStackPolicy', STACK_ARN, {}],
    ['pass the CDK execution role', 'iam:PassRole', CDK_EXECUTION_ROLE, {}],
    ['create a user', 'iam:CreateUser', `arn:aws:iam::${account}:user/intruder`, {}],
    ['create a role', 'iam:CreateRole', `arn:aws:iam::${account}:role/intruder`, {}],
    ['open a security group', 'ec2:AuthorizeSecurityGroupIngress', `arn:aws:ec2:${region}:${account}:security-group/sg-0123456789abcdef0`, {}],
    ['read a secret', 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${region}:${account}:secret:db-AbCdEf`, {}],
    ['write another parameter', 'ssm:PutParameter', `arn:aws:ssm:${region}:${account}:parameter/immutable-servers/web/prod/config/db-url`, {}],
    ['start another state machine', 'states:StartSyncExecution', `arn:aws:states:${region}:${account}:stateMachine:other`, {}],
  ])('may not %s', (_name, action, resource, context) => {
    expect(decide(roles.release, action, resource, context)).not.toBe('ALLOWED');
  });

  test('may take in-use tags off, and deregister, its own application\'s AMIs only', () => {
    const ownAmi = { 'aws:ResourceTag/immutable-servers:application': 'web', 'aws:ResourceTag/CreatedBy': 'EC2 Image Builder' };
    const othersAmi = { ...ownAmi, 'aws:ResourceTag/immutable-servers:application': 'payments' };
    const inUseTags = { 'aws:TagKeys': ['immutable-servers:in-use'] };

    expect(decide(roles.release, 'ec2:DeleteTags', AMI, { ...ownAmi, ...inUseTags })).toBe('ALLOWED');
    expect(decide(roles.release, 'ec2:DeregisterImage', AMI, ownAmi)).toBe('ALLOWED');
    expect(decide(roles.release, 'ec2:DeleteTags', AMI, { ...othersAmi, ...inUseTags })).not.toBe('ALLOWED');
    expect(decide(roles.release, 'ec2:DeleteTags', AMI, inUseTags)).not.toBe('ALLOWED');
    expect(decide(roles.release, 'ec2:DeregisterImage', AMI, othersAmi)).not.toBe('ALLOWED');
  });

  test('may not pass the release service role, nor assume it', () => {
    expect(decide(roles.release, 'iam:PassRole', roles.service.arn, { 'iam:PassedToService': 'cloudformation.amazonaws.com' })).not.toBe('ALLOWED');
    expect(decide(roles.release, 'sts:AssumeRole', roles.service.arn)).not.toBe('ALLOWED');
  });
});

describe('the release stack update\'s role', () => {
  test('may update the stack only with the release service role, and pass only that role, to CloudFormation only', () => {
    const { stackUpdate, service } = roles;

    expect(decide(stackUpdate, 'cloudformation:UpdateStack', STACK_ARN, { 'cloudformation:RoleArn': service.arn })).toBe('ALLOWED');
    expect(decide(stackUpdate, 'iam:PassRole', service.arn, { 'iam:PassedToService': 'cloudformation.amazonaws.com' })).toBe('ALLOWED');
    expect(decide(stackUpdate, 'ssm:GetParameters', `arn:aws:ssm:${region}:${account}:parameter${LEDGER}/ami`)).toBe('ALLOWED');

    expect(decide(stackUpdate, 'cloudformation:UpdateStack', STACK_ARN)).not.toBe('ALLOWED');
    expect(decide(stackUpdate, 'cloudformation:UpdateStack', STACK_ARN, { 'cloudformation:RoleArn': CDK_EXECUTION_ROLE })).not.toBe('ALLOWED');
    expect(decide(stackUpdate, 'cloudformation:UpdateStack', `arn:aws:cloudformation:${region}:${account}:stack/Other/1`, { 'cloudformation:RoleArn': service.arn }))
      .not.toBe('ALLOWED');
    expect(decide(stackUpdate, 'cloudformation:DeleteStack', STACK_ARN)).not.toBe('ALLOWED');
    expect(decide(stackUpdate, 'iam:PassRole', service.arn, { 'iam:PassedToService': 'ec2.amazonaws.com' })).not.toBe('ALLOWED');
    expect(decide(stackUpdate, 'iam:PassRole', CDK_EXECUTION_ROLE, { 'iam:PassedToService': 'cloudformation.amazonaws.com' })).not.toBe('ALLOWED');
  });
});

describe('the release service role', () => {
  test('may do what CloudFormation does in a release: a launch template version, the group\'s update and instance refresh, launching from that version', () => {
    const { service, launchTemplateArn, groupArn, instanceRoleArn } = roles;
    const fromTheLaunchTemplate = { 'ec2:LaunchTemplate': launchTemplateArn };

    expect(decide(service, 'ec2:CreateLaunchTemplateVersion', launchTemplateArn)).toBe('ALLOWED');
    expect(decide(service, 'ec2:DescribeLaunchTemplates', '*')).toBe('ALLOWED');
    expect(decide(service, 'autoscaling:UpdateAutoScalingGroup', groupArn)).toBe('ALLOWED');
    expect(decide(service, 'autoscaling:StartInstanceRefresh', groupArn)).toBe('ALLOWED');
    expect(decide(service, 'autoscaling:CancelInstanceRefresh', groupArn)).toBe('ALLOWED');
    expect(decide(service, 'autoscaling:DescribeAutoScalingGroups', '*')).toBe('ALLOWED');
    expect(decide(service, 'ec2:RunInstances', `arn:aws:ec2:${region}:${account}:instance/*`, fromTheLaunchTemplate)).toBe('ALLOWED');
    expect(decide(service, 'ec2:RunInstances', AMI, fromTheLaunchTemplate)).toBe('ALLOWED');
    expect(decide(service, 'ec2:CreateTags', `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`, { 'ec2:CreateAction': 'RunInstances' })).toBe('ALLOWED');
    expect(decide(service, 'iam:PassRole', instanceRoleArn, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('ALLOWED');
  });

  test.each([
    ['create a user', 'iam:CreateUser', `arn:aws:iam::${account}:user/intruder`, {}],
    ['create a role', 'iam:CreateRole', `arn:aws:iam::${account}:role/intruder`, {}],
    ['widen the instances\' role', 'iam:PutRolePolicy', 'instance-role', {}],
    ['pass another role', 'iam:PassRole', CDK_EXECUTION_ROLE, { 'iam:PassedToService': 'ec2.amazonaws.com' }],
    ['create a security group', 'ec2:CreateSecurityGroup', `arn:aws:ec2:${region}:${account}:security-group/*`, {}],
    ['open a security group', 'ec2:AuthorizeSecurityGroupIngress', `arn:aws:ec2:${region}:${account}:security-group/sg-0123456789abcdef0`, {}],
    ['read a secret', 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${region}:${account}:secret:db-AbCdEf`, {}],
    ['read a parameter', 'ssm:GetParameter', `arn:aws:ssm:${region}:${account}:parameter/immutable-servers/web/prod/config/db-password`, {}],
    ['decrypt', 'kms:Decrypt', `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, {}],
    ['delete the launch template', 'ec2:DeleteLaunchTemplate', 'launch-template', {}],
    ['change the launch template\'s default version', 'ec2:ModifyLaunchTemplate', 'launch-template', {}],
    ['delete the group', 'autoscaling:DeleteAutoScalingGroup', 'group', {}],
    ['change the load balancer\'s listener', 'elasticloadbalancing:ModifyListener', `arn:aws:elasticloadbalancing:${region}:${account}:listener/app/web/1/2`, {}],
    ['delete the load balancer', 'elasticloadbalancing:DeleteLoadBalancer', `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/web/1`, {}],
    ['delete the log group', 'logs:DeleteLogGroup', `arn:aws:logs:${region}:${account}:log-group:web:*`, {}],
    ['change an alarm', 'cloudwatch:PutMetricAlarm', `arn:aws:cloudwatch:${region}:${account}:alarm:web-prod-process-down`, {}],
    ['create a function', 'lambda:CreateFunction', `arn:aws:lambda:${region}:${account}:function:intruder`, {}],
    ['read the artifacts', 's3:GetObject', 'arn:aws:s3:::web-artifacts/web.tar.gz', {}],
    ['version another launch template', 'ec2:CreateLaunchTemplateVersion', `arn:aws:ec2:${region}:${account}:launch-template/lt-0fedcba9876543210`, {}],
    ['update another group', 'autoscaling:UpdateAutoScalingGroup', `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:1:autoScalingGroupName/other`, {}],
    ['launch from another launch template', 'ec2:RunInstances', `arn:aws:ec2:${region}:${account}:instance/*`,
      { 'ec2:LaunchTemplate': `arn:aws:ec2:${region}:${account}:launch-template/lt-0fedcba9876543210` }],
    ['launch without a launch template', 'ec2:RunInstances', `arn:aws:ec2:${region}:${account}:instance/*`, {}],
    ['tag instances it did not launch', 'ec2:CreateTags', `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`, {}],
  ])('may not %s, as a template of an attacker\'s would need', (_name, action, resource, context) => {
    const { service, launchTemplateArn, groupArn, instanceRoleArn } = roles;
    const named: Record<string, string> = { 'launch-template': launchTemplateArn, 'group': groupArn, 'instance-role': instanceRoleArn };

    expect(decide(service, action, named[resource] ?? resource, context)).not.toBe('ALLOWED');
  });

  test('is assumable by CloudFormation only', () => {
    expect(roles.service.trust()).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'cloudformation.amazonaws.com' } }]);
  });
});
