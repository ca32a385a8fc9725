/**
 * The `web` service end to end: a VPC, three load-balanced environments (dev, qa, prod with
 * break-glass) and the pipeline that bakes every change into an AMI and promotes it through them:
 * dev soaks; qa and prod wait for an approval each; prod's stage (its approval request) starts only inside its weekday window,
 * and prod refuses images with high or critical findings.
 *
 * Synthesize without an AWS account: `npx cdk synth` in this folder. Deploy: see README.md.
 */
import { App, Duration, Environment, aws_iam as iam } from 'aws-cdk-lib';
import { NetworkStack } from './network-stack';
import { WebEnvironmentStack } from './web-environment-stack';
import { WebPipelineStack } from './web-pipeline-stack';
import { DeploymentWindow, PromotionApproval, VulnerabilityPolicy, VulnerabilitySeverity } from 'cdk-immutable-servers';

/** Placeholders that let the app synthesize anywhere; deploy with `-c account=... -c region=...` and the other context values. */
const DEFAULTS = {
  account: '111111111111',
  region: 'eu-west-1',
  connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  repository: 'my-org/web',
};

export function createWebServiceApp(app: App = new App()): App {
  const context = (name: keyof typeof DEFAULTS): string => app.node.tryGetContext(name) ?? DEFAULTS[name];
  const env: Environment = { account: context('account'), region: context('region') };
  const { vpc } = new NetworkStack(app, 'WebNetwork', { env });
  const environment = (name: string, minCapacity: number, breakGlassPrincipals?: iam.IPrincipal[]) =>
    new WebEnvironmentStack(app, `Web-${name}`, { env, environmentName: name, vpc, minCapacity, breakGlassPrincipals }).deployment;
  new WebPipelineStack(app, 'WebPipeline', {
    env,
    connectionArn: context('connectionArn'),
    repository: context('repository'),
    environments: [
      { name: 'dev', deployment: environment('dev', 1), soakPeriod: Duration.minutes(15) },
      { name: 'qa', deployment: environment('qa', 1), approval: PromotionApproval.manual(), soakPeriod: Duration.minutes(30) },
      {
        name: 'prod',
        // Identities of this account that IAM lets assume the break-glass role (with MFA).
        deployment: environment('prod', 2, [new iam.AccountRootPrincipal()]),
        approval: PromotionApproval.manual(),
        deploymentWindow: DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin'),
        soakPeriod: Duration.hours(1),
        // No image with a high or critical finding that the app does not accept, nor one without a scan result.
        vulnerabilities: VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH),
      },
    ],
  });
  return app;
}

if (require.main === module) {
  createWebServiceApp().synth();
}
