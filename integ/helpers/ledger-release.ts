import { App, Stack, StackProps, aws_iam as iam, custom_resources as cr } from 'aws-cdk-lib';
import { RollingAsgDeployment } from '../../src';

/**
 * A stack that writes a deployment's ledger as a release workflow does (AMI, version, commit),
 * deployed after the ledger's creation and before the environment stack, which resolves it.
 */
export function ledgerReleaseStack(app: App, id: string, deployment: RollingAsgDeployment, amiId: string, props: StackProps): Stack {
  const releaseStack = new Stack(app, id, props);
  const target = deployment.releaseTarget;
  const release: Array<[string, string]> = [
    [target.amiParameterName, amiId],
    [target.versionParameterName, 'integ-1'],
    [target.commitIdParameterName, '0123456789abcdef0123456789abcdef01234567'],
    [target.commitMessageParameterName, 'Integ release'],
    [target.pipelineExecutionIdParameterName, 'integ-execution'],
  ];
  release.forEach(([name, value], index) => new cr.AwsCustomResource(releaseStack, `Release${index}`, {
    onCreate: {
      service: 'SSM',
      action: 'putParameter',
      parameters: { Name: name, Value: value, Type: 'String', Overwrite: true },
      physicalResourceId: cr.PhysicalResourceId.of(name),
    },
    policy: cr.AwsCustomResourcePolicy.fromStatements([
      new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [releaseStack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) })] }),
    ]),
    installLatestAwsSdk: false,
  }));
  releaseStack.addStackDependency(deployment.ledgerStack);
  Stack.of(deployment).addStackDependency(releaseStack);
  return releaseStack;
}
