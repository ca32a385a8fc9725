import { Size, aws_kms as kms } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DeploymentLoadBalancing } from '../../src';
import { deploymentStack, onlyOfType, resourcesOfType } from '../helpers/deployment-stack';

describe('RollingAsgDeployment instances', () => {
  test('given defaults, then the launch template requires IMDSv2 with hop limit 1, encrypts the root volume and has no key pair', () => {
    const data = onlyOfType(deploymentStack().template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

    expect(data.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(data.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, Encrypted: true, VolumeSize: 8, VolumeType: 'gp3' } }]);
    expect(data.KeyName).toBeUndefined();
  });

  test('given a hop limit, a volume size and a key, then the launch template uses them', () => {
    const { template } = deploymentStack({ metadataHopLimit: 2, rootVolumeSize: Size.gibibytes(20) }, (stack) => ({ rootVolumeKey: new kms.Key(stack, 'VolumeKey') }));
    const data = onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

    expect(data.MetadataOptions.HttpPutResponseHopLimit).toBe(2);
    expect(data.BlockDeviceMappings[0].Ebs).toMatchObject({ VolumeSize: 20, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^VolumeKey/), 'Arn'] } });
  });

  test('given defaults, then the group spans the private subnets and sets no desired capacity', () => {
    const group = onlyOfType(deploymentStack().template, 'AWS::AutoScaling::AutoScalingGroup').Properties;

    expect(group.VPCZoneIdentifier).toHaveLength(2);
    expect(group.DesiredCapacity).toBeUndefined();
  });

  test('given a desired capacity, then it too is zero until the first release', () => {
    const group = onlyOfType(deploymentStack({ minCapacity: 2, maxCapacity: 6, desiredCapacity: 3 }).template, 'AWS::AutoScaling::AutoScalingGroup').Properties;

    expect(group.DesiredCapacity).toEqual({ 'Fn::If': [expect.stringMatching(/^WebLedgerHasRelease/), '3', '0'] });
  });

  test('given defaults, then the role has Systems Manager and CloudWatch agent policies and reads only its configuration path, agent configuration and log group', () => {
    const { template } = deploymentStack();
    const role = resourcesOfType(template, 'AWS::IAM::Role').find((candidate) => candidate.Properties.Description === 'Instances of web in prod')!;

    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toMatch(/AmazonSSMManagedInstanceCore.*CloudWatchAgentServerPolicy/);
    expect(role.Properties.ManagedPolicyArns).toHaveLength(2);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/immutable-servers/web/prod/config/*']] },
        }]),
      },
    });
  });

  test.each([
    ['no load balancing', () => DeploymentLoadBalancing.none()],
    ['a load balancer', () => DeploymentLoadBalancing.applicationLoadBalancer()],
  ])('given %s, then no security group rule opens the SSH port', (_case, loadBalancing) => {
    const { template } = deploymentStack({ loadBalancing: loadBalancing() });
    const inline = resourcesOfType(template, 'AWS::EC2::SecurityGroup').flatMap((group) => group.Properties.SecurityGroupIngress ?? []);
    const separate = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').map((rule) => rule.Properties);

    expect([...inline, ...separate].filter((rule: any) => rule.FromPort <= 22 && rule.ToPort >= 22)).toEqual([]);
  });

  test('given any configuration, then the role may not read parameters outside its configuration path and agent configuration', () => {
    const { template } = deploymentStack();
    const statements = resourcesOfType(template, 'AWS::IAM::Policy').flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const deny = statements.find((statement) => statement.Effect === 'Deny');

    expect(deny.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory']);
    expect(JSON.stringify(deny.NotResource)).toContain(':parameter/immutable-servers/web/prod/config/*');
    expect(JSON.stringify(deny.NotResource)).toContain(':parameter/AmazonCloudWatch-*');
    expect(deny.NotResource).toHaveLength(3);
  });

  test('given a root volume key from the same stack, then its policy lets the Auto Scaling service-linked role use it and create grants for AWS resources', () => {
    const { template } = deploymentStack({}, (stack) => ({ rootVolumeKey: new kms.Key(stack, 'VolumeKey') }));
    const statements = onlyOfType(template, 'AWS::KMS::Key').Properties.KeyPolicy.Statement;
    const forAutoScaling = statements.filter((statement: any) => JSON.stringify(statement.Principal).includes('AWSServiceRoleForAutoScaling'));

    expect(forAutoScaling.map((statement: any) => statement.Action)).toEqual([
      ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      'kms:CreateGrant',
    ]);
    expect(forAutoScaling[1].Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': true } });
  });

  test('given defaults, then the environment has a log group kept for a month', () => {
    deploymentStack().template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});
