import { App, Duration, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DATA_VOLUME_DEVICES } from '../../../src/private/instances/data-volume-handover';
import { DataVolumeHandoverWorkflow, DataVolumeHandoverWorkflowProps } from '../../../src/private/instances/data-volume-handover-workflow';
import { decide, deployedStack } from '../../helpers/deployed-app';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

const DEPLOYMENT = 'WebProd-data-volume-0123abcd';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b5f2c6e-1111-4222-8333-444455556666`;

function handover(props: Partial<DataVolumeHandoverWorkflowProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'WebProd', { env: { account: ACCOUNT, region: REGION } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const group = new autoscaling.AutoScalingGroup(stack, 'Group', {
    vpc,
    autoScalingGroupName: 'web-prod',
    instanceType: new ec2.InstanceType('t3.small'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
  });
  new DataVolumeHandoverWorkflow(stack, 'Handover', {
    autoScalingGroup: group,
    deploymentId: DEPLOYMENT,
    generation: 'eu-west-1a/aws/ebs',
    slots: 2,
    environmentName: 'prod',
    waitForVolume: Duration.minutes(10),
    device: DATA_VOLUME_DEVICES.linux,
    ...props,
  });
  return { app, template: Template.fromStack(stack) };
}

describe('DataVolumeHandoverWorkflow', () => {
  test('given a group, then the group itself declares a launching hook that abandons by default, whose EventBridge event starts the workflow', () => {
    const { template } = handover();
    const group = Object.values<any>(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];

    expect(template.findResources('AWS::AutoScaling::LifecycleHook')).toEqual({});
    const [hook] = group.Properties.LifecycleHookSpecificationList;
    expect(group.Properties.LifecycleHookSpecificationList).toHaveLength(1);
    expect(hook).toEqual({ LifecycleHookName: hook.LifecycleHookName, LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 300, DefaultResult: 'ABANDON' });
    // The deployment's id: the stack's name is unique in its account and region, a hash tells two deployments of one stack apart.
    expect(hook.LifecycleHookName).toBe(DEPLOYMENT);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.autoscaling'], 'detail-type': ['EC2 Instance-launch Lifecycle Action'], 'detail': { LifecycleHookName: [hook.LifecycleHookName] } },
    });
  });

  test('given a group, then it is created or updated only after the rule and the workflow, which name nothing of it: '
    + 'the update that adds the hook finds them in place', () => {
    const { template } = handover();
    const [groupId, group] = Object.entries<any>(template.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];
    const [ruleId] = Object.keys(template.findResources('AWS::Events::Rule'));
    const handoverResources = JSON.stringify(Object.entries<any>(template.toJSON().Resources)
      .filter(([id]) => id.startsWith('Handover')).map(([, resource]) => resource));

    expect(group.DependsOn).toContain(ruleId);
    expect(handoverResources).not.toContain(groupId);
    expect(group.Properties.Tags).toContainEqual({ Key: 'immutable-servers:data-volume-deployment', Value: DEPLOYMENT, PropagateAtLaunch: true });
  });

  test('given its role, then it may attach only this environment\'s volumes to only this environment\'s instances, tag them used and with their instance, read the group\'s activities, and complete only this environment\'s lifecycle actions', () => {
    const { app } = handover();
    const role = deployedStack(app, 'WebProd').roleTrusting('states.amazonaws.com');
    const volume = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`;
    const instance = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`;
    const ours = { 'aws:ResourceTag/immutable-servers:data-volume-deployment': DEPLOYMENT };
    // Another deployment, of the same stack or another: its volumes, instances and group are not this workflow's.
    const theirs = { 'aws:ResourceTag/immutable-servers:data-volume-deployment': 'WebProd-data-volume-9876fedc' };
    const inGroup = ours;
    const group = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:6a7e8feb-b491-4cf7-a9f1-bf3703467718:autoScalingGroupName/web-prod`;

    expect(decide(role, 'ec2:AttachVolume', volume, ours)).toBe('ALLOWED');
    expect(decide(role, 'ec2:AttachVolume', instance, inGroup)).toBe('ALLOWED');
    expect(decide(role, 'ec2:AttachVolume', volume, theirs)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:AttachVolume', volume, {})).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:AttachVolume', instance, theirs)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:AttachVolume', instance, {})).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:DetachVolume', volume, ours)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:DeleteVolume', volume, ours)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'ec2:CreateTags', volume, { ...ours, 'aws:TagKeys': ['immutable-servers:data-volume-used', 'immutable-servers:data-volume-instance'] }))
      .toBe('ALLOWED');
    expect(decide(role, 'ec2:CreateTags', volume, { ...ours, 'aws:TagKeys': ['immutable-servers:data-volume-deployment'] })).toBe('IMPLICIT_DENY');
    expect(decide(role, 'autoscaling:DescribeScalingActivities', '*')).toBe('ALLOWED');
    expect(decide(role, 'autoscaling:CompleteLifecycleAction', group, ours)).toBe('ALLOWED');
    expect(decide(role, 'autoscaling:RecordLifecycleActionHeartbeat', group, ours)).toBe('ALLOWED');
    expect(decide(role, 'autoscaling:CompleteLifecycleAction', group.replace('web-prod', 'web-qa'), theirs)).toBe('IMPLICIT_DENY');
    expect(decide(role, 'autoscaling:CompleteLifecycleAction', group, {})).toBe('IMPLICIT_DENY');
  });

  test('given volumes under a customer managed key, then the role may let EC2 create the grant an attachment needs, and nothing else of the key', () => {
    const { app } = handover({ encryptionKey: kms.Key.fromKeyArn(new Stack(), 'Key', KEY) });
    const role = deployedStack(app, 'WebProd').roleTrusting('states.amazonaws.com');
    const byEc2 = { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `ec2.${REGION}.amazonaws.com`, 'kms:GrantConstraintType': 'EncryptionContextSubset' };

    expect(decide(role, 'kms:CreateGrant', KEY, byEc2)).toBe('ALLOWED');
    expect(decide(role, 'kms:CreateGrant', KEY, { ...byEc2, 'kms:GrantIsForAWSResource': 'false' })).toBe('IMPLICIT_DENY');
    expect(decide(role, 'kms:CreateGrant', KEY, { ...byEc2, 'kms:ViaService': `s3.${REGION}.amazonaws.com` })).toBe('IMPLICIT_DENY');
    expect(decide(role, 'kms:Decrypt', KEY, byEc2)).toBe('IMPLICIT_DENY');
  });

  test('given volumes under the account\'s EBS key, then the role has no key permission at all', () => {
    const role = deployedStack(handover().app, 'WebProd').roleTrusting('states.amazonaws.com');

    expect(decide(role, 'kms:CreateGrant', KEY, { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `ec2.${REGION}.amazonaws.com` })).toBe('IMPLICIT_DENY');
  });
});
