/**
 * Synthesizes an `ImmutableAmiPipeline` with a given number of environments and measures it: how
 * long synthesis takes, and each stack's resource count and template size, against
 * CloudFormation's limits of 500 resources and 1 MB per template.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe, ImmutableAmiPipeline, PipelineBuild, PipelineSource, RollingAsgDeployment } from '../../src';

export const MAX_RESOURCES = 500;
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

export interface StackMeasure {
  readonly stackName: string;
  readonly resources: number;
  readonly templateBytes: number;
}

export interface ScaleMeasure {
  readonly environments: number;
  readonly synthMilliseconds: number;
  /** The pipeline's own stack, which grows with the environments. */
  readonly pipelineStack: StackMeasure;
  /** The largest of every stack and nested stack, by template size. */
  readonly largestStack: StackMeasure;
  readonly stacks: number;
  readonly nestedStacks: number;
}

const ENV = { account: '111111111111', region: 'eu-west-1' };
/** A workload account of its own, in another region: its environments' workflows share one release stack. */
const WORKLOAD_ENV = { account: '222222222222', region: 'us-east-1' };

/**
 * @param elsewhere whether the environments are in another account and region than the pipeline
 *   (one workload account for all), instead of the pipeline's own
 */
export function measurePipeline(environments: number, elsewhere = false): ScaleMeasure {
  const started = process.hrtime.bigint();
  const app = new App();
  const environmentEnv = elsewhere ? WORKLOAD_ENV : ENV;
  const network = new Stack(app, 'Network', { env: environmentEnv });
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const pipelineStack = new Stack(app, 'Pipeline', { env: ENV });
  const recipe = new ApplicationImageRecipe(pipelineStack, 'Image', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(pipelineStack, 'Artifacts', 'web-artifacts'), key: 'web/web.tar.gz' },
    startCommand: '/opt/web/bin/server',
  });
  new ImmutableAmiPipeline(pipelineStack, 'Web', {
    source: PipelineSource.connection({
      connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718', owner: 'my-org', repository: 'web', branch: 'main',
    }),
    applicationBuild: PipelineBuild.commands({ commands: ['make'], applicationDirectory: 'dist' }),
    recipe,
    environments: Array.from({ length: environments }, (_, index) => {
      const name = `env${index + 1}`;
      const stack = new Stack(app, `Web-${name}`, { env: environmentEnv });
      const deployment = new RollingAsgDeployment(stack, 'Web', {
        applicationName: 'web', environmentName: name, vpc, instanceType: new ec2.InstanceType('t3.small'), applicationPort: 8080,
      });
      return { name, deployment, soakPeriod: Duration.minutes(10) };
    }),
  });
  const assembly = app.synth();
  const synthMilliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  const measureTemplate = (stackName: string, template: any) => ({
    stackName, resources: Object.keys(template.Resources ?? {}).length, templateBytes: Buffer.byteLength(JSON.stringify(template)),
  });
  // Nested stacks (an environment's workflows) are templates of their own, with the same limits.
  const nested = fs.readdirSync(assembly.directory).filter((file) => file.endsWith('.nested.template.json'))
    .map((file) => measureTemplate(file, JSON.parse(fs.readFileSync(path.join(assembly.directory, file), 'utf-8'))));
  const stacks = [...assembly.stacks.map((stack) => measureTemplate(stack.stackName, stack.template)), ...nested];
  return {
    environments,
    synthMilliseconds,
    pipelineStack: stacks.find((stack) => stack.stackName === 'Pipeline')!,
    largestStack: stacks.reduce((largest, stack) => (stack.templateBytes > largest.templateBytes ? stack : largest)),
    stacks: assembly.stacks.length,
    nestedStacks: nested.length,
  };
}
