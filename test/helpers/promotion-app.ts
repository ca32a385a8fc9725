import { App, NestedStack, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EnvironmentPromotion, EnvironmentPromotionProps, PromotionEnvironment, RollingAsgDeployment, RollingAsgDeploymentProps } from '../../src';

export const PIPELINE_ENV = { account: '111111111111', region: 'eu-west-1' };
export const QA_ENV = { account: '222222222222', region: 'eu-west-1' };
export const PROD_ENV = { account: '333333333333', region: 'us-east-1' };

/** One `web` environment in a stack of its own. */
export function environmentStack(app: App, name: string, env: { account: string; region: string }, props: Partial<RollingAsgDeploymentProps> = {}) {
  const stack = new Stack(app, `Web-${name}`, { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const deployment = new RollingAsgDeployment(stack, 'Web', {
    applicationName: 'web',
    environmentName: name,
    vpc,
    instanceType: new ec2.InstanceType('t3.small'),
    applicationPort: 8080,
    ...props,
  });
  return { stack, deployment };
}

/** A V2 pipeline whose source artifact stands in for the bake's output, holding `release.json`. */
export function pipelineWithSource(stack: Stack, props: Partial<codepipeline.PipelineProps> = {}) {
  const manifest = new codepipeline.Artifact('Baked');
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', {
    pipelineType: codepipeline.PipelineType.V2,
    crossAccountKeys: true,
    ...props,
  });
  pipeline.addStage({
    stageName: 'Source',
    actions: [new actions.S3SourceAction({ actionName: 'Baked', bucket: new s3.Bucket(stack, 'Releases', { versioned: true }), bucketKey: 'release.zip', output: manifest })],
  });
  return { pipeline, releaseManifest: manifest.atPath('release.json') };
}

type EnvironmentName = 'dev' | 'qa' | 'prod';

export interface PromotionConfiguration {
  /** Options of each environment over `{ name, deployment }`. */
  readonly environments?: Partial<Record<EnvironmentName, Partial<PromotionEnvironment>>>;
  /** Props of the promotion over `{ environments }`. */
  readonly props?: Partial<EnvironmentPromotionProps>;
}

/**
 * Three accounts in two regions: the pipeline and dev in 111111111111 eu-west-1, qa in
 * 222222222222 eu-west-1, prod in 333333333333 us-east-1.
 */
export function threeAccountPromotion(
  configure: (pipelineStack: Stack, deployments: Record<EnvironmentName, RollingAsgDeployment>) => PromotionConfiguration = () => ({}),
) {
  const app = new App();
  const pipelineStack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const deployments = {
    dev: environmentStack(app, 'dev', PIPELINE_ENV).deployment,
    qa: environmentStack(app, 'qa', QA_ENV).deployment,
    prod: environmentStack(app, 'prod', PROD_ENV).deployment,
  };
  const configuration = configure(pipelineStack, deployments);
  const promotion = new EnvironmentPromotion(pipelineStack, 'Promotion', {
    environments: (['dev', 'qa', 'prod'] as const).map((name) => ({ name, deployment: deployments[name], ...configuration.environments?.[name] })),
    ...configuration.props,
  });
  const { pipeline, releaseManifest } = pipelineWithSource(pipelineStack);
  return { app, pipelineStack, deployments, promotion, pipeline, releaseManifest };
}

/** The nested stack of an environment's workflows: in the promotion's stack, or in a release stack. */
export function workflowsStack(promotion: EnvironmentPromotion, environmentName: string): NestedStack {
  const environment = promotion.environments.find((candidate) => candidate.name === environmentName)!;
  return Stack.of(environment.releaseLogGroup) as NestedStack;
}

/** The template of the nested stack of an environment's workflows. */
export function workflowsTemplate(promotion: EnvironmentPromotion, environmentName: string): Template {
  return Template.fromStack(workflowsStack(promotion, environmentName));
}

/** The template of the stack with this id in the app. */
export function templateOf(app: App, stackId: string): Template {
  return Template.fromStack(app.node.findChild(stackId) as Stack);
}
