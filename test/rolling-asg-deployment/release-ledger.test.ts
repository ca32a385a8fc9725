import { Lazy, Stack, aws_ec2 as ec2, aws_ssm as ssm } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DeploymentLoadBalancing, ImageOperatingSystem } from '../../src';
import { deploymentStack, onlyOfType, resourcesOfType } from '../helpers/deployment-stack';

const LEDGER = '/immutable-servers/web/prod/release';

describe('RollingAsgDeployment release ledger', () => {
  test('given a deployment, then the stack reads the ledger through SSM-typed parameters whose defaults name it', () => {
    const parameters = deploymentStack().template.toJSON().Parameters;
    const byDefault = Object.fromEntries(Object.values<any>(parameters).map((parameter) => [parameter.Default, parameter.Type]));

    expect(byDefault).toMatchObject({
      [`${LEDGER}/ami`]: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      [`${LEDGER}/version`]: 'AWS::SSM::Parameter::Value<String>',
      [`${LEDGER}/commit-id`]: 'AWS::SSM::Parameter::Value<String>',
      [`${LEDGER}/commit-message`]: 'AWS::SSM::Parameter::Value<String>',
      [`${LEDGER}/pipeline-execution-id`]: 'AWS::SSM::Parameter::Value<String>',
      [`${LEDGER}/content-hash`]: 'AWS::SSM::Parameter::Value<String>',
      [`${LEDGER}/fingerprint`]: 'AWS::SSM::Parameter::Value<String>',
    });
  });

  test('given a deployment, then the AMI and release parameters reach the launch template image id and the instance and volume tags, down to the archive and image they were built from', () => {
    const { template } = deploymentStack();
    const parameters = template.toJSON().Parameters;
    const parameterFor = (suffix: string) => Object.keys(parameters).find((id) => parameters[id].Default === `${LEDGER}/${suffix}`);
    const data = onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData;

    expect(data.ImageId).toEqual({ Ref: parameterFor('ami') });
    expect(data.TagSpecifications.map((spec: any) => spec.ResourceType)).toEqual(['instance', 'volume']);
    for (const spec of data.TagSpecifications) {
      expect(spec.Tags).toEqual(expect.arrayContaining([
        { Key: 'immutable-servers:release-version', Value: { Ref: parameterFor('version') } },
        { Key: 'immutable-servers:commit-id', Value: { Ref: parameterFor('commit-id') } },
        { Key: 'immutable-servers:commit-message', Value: { Ref: parameterFor('commit-message') } },
        { Key: 'immutable-servers:pipeline-execution-id', Value: { Ref: parameterFor('pipeline-execution-id') } },
        { Key: 'immutable-servers:artifact-content-hash', Value: { Ref: parameterFor('content-hash') } },
        { Key: 'immutable-servers:fingerprint', Value: { Ref: parameterFor('fingerprint') } },
        { Key: 'immutable-servers:environment', Value: 'prod' },
      ]));
    }
  });

  test('given two syntheses, then the template is the same and names no AMI: it does not depend on the current release, so a release can reuse it', () => {
    const first = JSON.stringify(deploymentStack().template.toJSON());
    const second = JSON.stringify(deploymentStack().template.toJSON());

    expect(first).toBe(second);
    expect(first).not.toMatch(/ami-[0-9a-f]{8}/);
  });

  test('given no release yet, then the group has no capacity, and the first release (version no longer "none") brings it to capacity', () => {
    const { template } = deploymentStack({ minCapacity: 3, maxCapacity: 6 });
    const group = onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties;
    const [conditionId, condition] = Object.entries<any>(template.toJSON().Conditions)[0];
    const parameters = template.toJSON().Parameters;

    expect(group.MinSize).toEqual({ 'Fn::If': [conditionId, '3', '0'] });
    expect(group.MaxSize).toEqual({ 'Fn::If': [conditionId, '6', '0'] });
    expect(condition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: expect.any(String) }, 'none'] }] });
    expect(parameters[condition['Fn::Not'][0]['Fn::Equals'][0].Ref].Default).toBe(`${LEDGER}/version`);
  });

  test('given a deployment, then a companion ledger stack in the same account and region is deployed first', () => {
    const { stack, deployment } = deploymentStack();

    expect(deployment.ledgerStack.account).toBe('111111111111');
    expect(deployment.ledgerStack.region).toBe('eu-west-1');
    expect(stack.dependencies).toContain(deployment.ledgerStack);
  });

  test('given the ledger stack, then each ledger parameter is created once, with no update or delete, keeping an existing value', () => {
    const resources = resourcesOfType(deploymentStack().ledgerTemplate, 'Custom::AWS');
    const calls = resources.map((resource) => ({
      create: JSON.parse(resource.Properties.Create['Fn::Join'] ? resource.Properties.Create['Fn::Join'][1].join('') : resource.Properties.Create),
      update: resource.Properties.Update,
      delete: resource.Properties.Delete,
    }));

    expect(calls.map((call) => call.create.parameters.Name)).toEqual([
      `${LEDGER}/ami`, `${LEDGER}/version`, `${LEDGER}/commit-id`, `${LEDGER}/commit-message`, `${LEDGER}/pipeline-execution-id`,
      `${LEDGER}/content-hash`, `${LEDGER}/fingerprint`, `${LEDGER}/instance-type`, `${LEDGER}/architecture`,
    ]);
    for (const call of calls) {
      expect(call.create).toMatchObject({ service: 'SSM', action: 'putParameter', ignoreErrorCodesMatching: 'ParameterAlreadyExists' });
      expect(call.create.parameters.Overwrite).toBe(false);
      expect(call.update).toBeUndefined();
      expect(call.delete).toBeUndefined();
    }
    expect(calls.every((call) => call.create.parameters.DataType === 'text')).toBe(true);
    expect(calls.slice(1, 7).map((call) => call.create.parameters.Value)).toEqual(Array(6).fill('none'));
    // Those of the placeholder, which the group launches nothing from; or, for an environment that ran before these parameters, of its release.
    expect(calls.slice(7).map((call) => call.create.parameters.Value)).toEqual(['t3.small', 'x86_64']);
  });

  test('given the ledger stack, then its AMI starts as a public Amazon Linux AMI, resolved by CloudFormation as a stack parameter', () => {
    const { ledgerTemplate } = deploymentStack();
    const [placeholderId, placeholder] = Object.entries<any>(ledgerTemplate.toJSON().Parameters).find(([id]) => id.includes('PlaceholderAmi'))!;
    const amiCall = resourcesOfType(ledgerTemplate, 'Custom::AWS')[0].Properties.Create;

    expect(placeholder).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
    expect(JSON.stringify(amiCall)).toContain(`{"Ref":"${placeholderId}"}`);
  });

  test.each([
    ['a Graviton instance type', { instanceType: new ec2.InstanceType('t4g.small') }, '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64'],
    ['Windows', { operatingSystem: ImageOperatingSystem.WINDOWS, instanceType: new ec2.InstanceType('m6i.large') }, '/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base'],
  ])('given %s, then the placeholder AMI is of the deployment\'s architecture and operating system', (_case, props, parameter) => {
    const { ledgerTemplate } = deploymentStack(props);
    const [, placeholder] = Object.entries<any>(ledgerTemplate.toJSON().Parameters).find(([id]) => id.includes('PlaceholderAmi'))!;

    expect(placeholder.Default).toBe(parameter);
  });

  test('given the release target of a Graviton deployment, then it names its architecture, so that a release takes the arm64 AMI of a manifest', () => {
    const { deployment } = deploymentStack({ instanceType: new ec2.InstanceType('c7g.large') });

    expect(deployment.releaseTarget.architecture).toBe(ec2.InstanceArchitecture.ARM_64);
  });

  test('given a parameter prefix, then the ledger and the configuration path live under it', () => {
    const { deployment } = deploymentStack({ parameterPrefix: '/acme/web-prod' });

    expect(deployment.releaseTarget.amiParameterName).toBe('/acme/web-prod/release/ami');
    expect(deployment.configParameterPath).toBe('/acme/web-prod/config');
  });

  test('given a deployment, then the release target names the stack, its environment, ledger and alarms, with no cross-stack export', () => {
    const { deployment, template } = deploymentStack();

    expect(deployment.releaseTarget).toMatchObject({
      stackName: 'WebProd',
      account: '111111111111',
      region: 'eu-west-1',
      amiParameterName: `${LEDGER}/ami`,
      versionParameterName: `${LEDGER}/version`,
      commitIdParameterName: `${LEDGER}/commit-id`,
      commitMessageParameterName: `${LEDGER}/commit-message`,
      pipelineExecutionIdParameterName: `${LEDGER}/pipeline-execution-id`,
    });
    expect(deployment.releaseTarget.alarmNames).toHaveLength(deployment.rolloutAlarms.length);
    expect(JSON.stringify(template.toJSON().Outputs ?? {})).not.toContain('Export');
  });
});

describe('RollingAsgDeployment moved to an instance type of another architecture', () => {
  const launchTemplateInstanceType = (template: Template) => onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.InstanceType;

  test('given a deployment, then its instances launch its instance type while the ledger\'s AMI is of its architecture, else the instance type the ledger\'s release ran on', () => {
    const { template } = deploymentStack({ instanceType: new ec2.InstanceType('t4g.small') });
    const json = template.toJSON();
    const parameterFor = (suffix: string) => Object.keys(json.Parameters).find((id) => json.Parameters[id].Default === `${LEDGER}/${suffix}`)!;
    const [conditionId, condition] = Object.entries<any>(json.Conditions).find(([id]) => id.includes('ReleasedForInstanceTypeArchitecture'))!;

    expect(launchTemplateInstanceType(template)).toEqual({ 'Fn::If': [conditionId, 't4g.small', { Ref: parameterFor('instance-type') }] });
    expect(condition).toEqual({ 'Fn::Equals': [{ Ref: parameterFor('architecture') }, 'arm64'] });
    expect(json.Parameters[parameterFor('instance-type')].Type).toBe('AWS::SSM::Parameter::Value<String>');
    expect(json.Parameters[parameterFor('architecture')].Type).toBe('AWS::SSM::Parameter::Value<String>');
  });

  test('given a deployment, then its release target records its instance type and architecture, so that a release moves the instances with the AMI', () => {
    const { deployment } = deploymentStack({ instanceType: new ec2.InstanceType('t4g.small') });

    expect(deployment.releaseTarget).toMatchObject({
      instanceType: 't4g.small',
      architecture: 'arm64',
      instanceTypeParameterName: `${LEDGER}/instance-type`,
      architectureParameterName: `${LEDGER}/architecture`,
    });
  });

  test('given an instance type that is a token, then the ledger records none and the instances launch that instance type', () => {
    const { template, ledgerTemplate, deployment, stack } = deploymentStack({ instanceType: new ec2.InstanceType(Lazy.string({ produce: () => 't3.small' })) });

    expect(stack.resolve(launchTemplateInstanceType(template))).toBe('t3.small');
    expect(JSON.stringify(ledgerTemplate.toJSON())).not.toContain('instance-type');
    expect(deployment.releaseTarget.instanceTypeParameterName).toBeUndefined();
  });
});

describe('RollingAsgDeployment release target across accounts', () => {
  test('given a stack in another account that reads the release target, then both synthesize with no cross-stack export or import', () => {
    const { app, deployment, stack } = deploymentStack({ loadBalancing: DeploymentLoadBalancing.applicationLoadBalancer() });
    const pipeline = new Stack(app, 'Pipeline', { env: { account: '222222222222', region: 'eu-west-1' } });
    const target = deployment.releaseTarget;
    new ssm.StringParameter(pipeline, 'Target', {
      stringValue: [target.stackName, target.account, target.region, target.amiParameterName, target.urlParameterName!, ...target.alarmNames].join(','),
    });

    const assembly = app.synth();

    expect(JSON.stringify(assembly.getStackByName(stack.stackName).template)).not.toContain('Export');
    expect(JSON.stringify(assembly.getStackByName('Pipeline').template)).not.toContain('Fn::ImportValue');
  });
});
