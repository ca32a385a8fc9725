import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { flattenIntrinsics } from '../../scripts/lib/intrinsics';
import { RollingAsgDeployment, RollingAsgDeploymentProps } from '../../src';

export const ENVIRONMENT = { account: '111111111111', region: 'eu-west-1' };

/** A stack in a known account and region with one `web` deployment in `prod`, with the given props over the defaults. */
export function deploymentStack(
  props: Partial<RollingAsgDeploymentProps> = {},
  configure?: (stack: Stack, vpc: ec2.Vpc) => Partial<RollingAsgDeploymentProps>,
) {
  const app = new App();
  const stack = new Stack(app, 'WebProd', { env: ENVIRONMENT });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const deployment = new RollingAsgDeployment(stack, 'Web', {
    applicationName: 'web',
    environmentName: 'prod',
    vpc,
    instanceType: new ec2.InstanceType('t3.small'),
    applicationPort: 8080,
    ...props,
    ...configure?.(stack, vpc),
  });
  // Lazy: synthesizing freezes the tree, and some tests add to it first.
  return {
    app,
    stack,
    vpc,
    deployment,
    get template() { return Template.fromStack(stack); },
    get ledgerTemplate() { return Template.fromStack(deployment.ledgerStack); },
  };
}

export function resourcesOfType(template: Template, type: string): Array<Record<string, any>> {
  return Object.values(template.findResources(type));
}

export function onlyOfType(template: Template, type: string): Record<string, any> {
  const resources = resourcesOfType(template, type);
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** The launch template's user data, its intrinsics flattened to text (`CFN_REF_...` for references). */
export function launchTemplateUserData(template: Template): string {
  const encoded = onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData;
  return String(flattenIntrinsics(encoded['Fn::Base64']));
}
