/**
 * The `web` service across accounts: the pipeline (and the image builds) in a tools account, a
 * staging environment in one workload account and production in another, in another region. The
 * same AMI, copied into each workload account and region, is released into both.
 *
 * Synthesize without an AWS account: `npx cdk synth` in this folder. Deploy: see README.md.
 */
import { App, Duration, Environment } from 'aws-cdk-lib';
import { NetworkStack } from '../typescript/network-stack';
import { WebEnvironmentStack } from '../typescript/web-environment-stack';
import { WebPipelineStack } from '../typescript/web-pipeline-stack';
import { PromotionApproval, VulnerabilityPolicy, VulnerabilitySeverity } from 'cdk-immutable-servers';

/** Placeholder accounts and regions; deploy with `-c tools=<account> -c staging=<account> -c production=<account>`. */
const DEFAULTS = {
  tools: '111111111111',
  toolsRegion: 'eu-west-1',
  staging: '222222222222',
  stagingRegion: 'eu-west-1',
  production: '333333333333',
  productionRegion: 'us-east-1',
  connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  repository: 'my-org/web',
};

export function createMultiAccountApp(app: App = new App()): App {
  const context = (name: keyof typeof DEFAULTS): string => app.node.tryGetContext(name) ?? DEFAULTS[name];
  const workload = (name: string, env: Environment, minCapacity: number) => {
    const { vpc } = new NetworkStack(app, `WebNetwork-${name}`, { env });
    return new WebEnvironmentStack(app, `Web-${name}`, { env, environmentName: name, vpc, minCapacity }).deployment;
  };
  const staging = workload('staging', { account: context('staging'), region: context('stagingRegion') }, 1);
  const production = workload('production', { account: context('production'), region: context('productionRegion') }, 2);

  // The pipeline's workflows for each workload account and region go into a release stack
  // (WebPipeline-Release-<account>-<region>) that CDK deploys there, with the pipeline's
  // cross-account roles: bootstrap the workload accounts with `--trust <tools account>`.
  new WebPipelineStack(app, 'WebPipeline', {
    env: { account: context('tools'), region: context('toolsRegion') },
    connectionArn: context('connectionArn'),
    repository: context('repository'),
    environments: [
      { name: 'staging', deployment: staging, soakPeriod: Duration.minutes(30) },
      {
        name: 'production',
        deployment: production,
        approval: PromotionApproval.manual(),
        soakPeriod: Duration.hours(1),
        vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH),
      },
    ],
  });
  return app;
}

if (require.main === module) {
  createMultiAccountApp().synth();
}
