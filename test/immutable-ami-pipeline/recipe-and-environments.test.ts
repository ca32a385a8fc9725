import { App, Stack, aws_ec2 as ec2, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ApplicationImageRecipe, ApplicationImageRecipeProps, BaseImage, ImageOperatingSystem, ImmutableAmiPipeline, PromotionImageDistributionOptions,
  RollingAsgDeploymentProps,
} from '../../src';
import { webBuild, webSource } from '../helpers/pipeline-app';
import { PIPELINE_ENV, PROD_ENV, environmentStack } from '../helpers/promotion-app';

interface PipelineOptions {
  readonly recipe?: Partial<ApplicationImageRecipeProps>;
  readonly dev?: Partial<RollingAsgDeploymentProps>;
  readonly prod?: Partial<RollingAsgDeploymentProps>;
  readonly imageDistribution?: (stack: Stack) => PromotionImageDistributionOptions;
}

/** A pipeline releasing the recipe's images into dev and prod, in its app. */
function pipelineApp(options: PipelineOptions = {}): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  new ImmutableAmiPipeline(stack, 'Pipeline', {
    source: webSource(),
    applicationBuild: webBuild(),
    recipe: new ApplicationImageRecipe(stack, 'Image', {
      applicationName: 'web',
      artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Seed', 'web-seed'), key: 'web/seed.tar.gz' },
      startCommand: '/opt/web/bin/server',
      ...options.recipe,
    }),
    environments: [
      { name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV, options.dev).deployment },
      { name: 'prod', deployment: environmentStack(app, 'prod', PROD_ENV, options.prod).deployment },
    ],
    imageDistribution: options.imageDistribution?.(stack),
  });
  return { app, stack };
}

/** The synthesis of a pipeline whose recipe and prod deployment have the given props. */
function synthesize(recipe: Partial<ApplicationImageRecipeProps>, prod: Partial<RollingAsgDeploymentProps>): () => void {
  const { app } = pipelineApp({ recipe, prod });
  return () => app.synth();
}

describe('ImmutableAmiPipeline: the recipe\'s images must run on every environment\'s instances', () => {
  test('given the default (x86_64) recipe and Graviton instances in prod, then synthesis fails naming the instance type, both architectures and the fix', () => {
    expect(synthesize({}, { instanceType: new ec2.InstanceType('t4g.small') })).toThrow(
      'Environment prod (deployment Web-prod/Web) runs t4g.small instances, whose architecture is arm64, but no recipe bakes arm64 images, only Pipeline/Image (x86_64): '
      + "add a recipe for arm64 (for example with BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64), given to the pipeline's recipes), "
      + 'or choose an instance type of x86_64');
  });

  test('given an arm64 recipe and Graviton instances everywhere, then it synthesizes', () => {
    const graviton = { instanceType: new ec2.InstanceType('t4g.small') };
    const { app } = pipelineApp({ recipe: { baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64) }, dev: graviton, prod: graviton });
    expect(() => app.synth()).not.toThrow();
  });

  test('given a Windows recipe released into a Linux deployment, then synthesis fails naming both operating systems and the fix', () => {
    expect(synthesize({ baseImage: BaseImage.windowsServer2022(), startCommand: '"C:\\Program Files\\web\\web.exe"' }, {})).toThrow(
      'Environment prod (deployment Web-prod/Web) runs Linux images (its operatingSystem), but recipe Pipeline/Image bakes Windows images: '
      + 'set operatingSystem: ImageOperatingSystem.WINDOWS on the deployment, or bake a Linux image');
  });

  test('given a deployment that starts another service than the recipe installs, then synthesis fails naming both', () => {
    expect(synthesize({ applicationName: 'api' }, {})).toThrow(
      "Environment prod (deployment Web-prod/Web) starts service 'web' (its applicationName), but recipe Pipeline/Image installs 'api': give both the same applicationName");
  });

  test('given a recipe whose health check probes another port than the deployment sends traffic to, then synthesis fails naming both ports', () => {
    expect(synthesize({ healthCheck: { port: 9090, path: '/health' } }, {})).toThrow(
      'Environment dev (deployment Web-dev/Web) sends traffic to port 8080 (its applicationPort), but recipe Pipeline/Image checks its service on port 9090 '
      + '(healthCheck.port): give both the port the service listens on');
  });

  test('given a start command outside the install folder and the default process pattern, then synthesis fails saying the process-down alarm would roll back every release', () => {
    expect(synthesize({ startCommand: '/usr/local/bin/web-server' }, {})).toThrow(
      "Environment dev (deployment Web-dev/Web) counts the service's processes by the pattern /opt/web/ (the default for the install folder), which recipe "
      + "Pipeline/Image's startCommand '/usr/local/bin/web-server' does not match, so the process-down alarm would roll back every release: "
      + 'run the service from the install folder, or give the deployment a processPattern that matches its command line');
  });

  test('given a process pattern of the deployment\'s own, then the start command is not checked against it', () => {
    const withPattern = synthesize({ startCommand: '/usr/local/bin/web-server' }, { processPattern: 'web-server' });
    expect(withPattern).toThrow(/Environment dev .* counts the service's processes/);
    expect(withPattern).not.toThrow(/Environment prod/);
  });

  test('given a deployment whose operating system matches the recipe, then the operating system is not an error', () => {
    const windows = synthesize({ baseImage: BaseImage.windowsServer2022(), startCommand: '"C:\\Program Files\\web\\web.exe"' }, { operatingSystem: ImageOperatingSystem.WINDOWS });
    expect(windows).toThrow(/Environment dev .* runs Linux images/);
    expect(windows).not.toThrow(/Environment prod/);
  });
});

describe('ImmutableAmiPipeline imageDistribution', () => {
  test('given encryption keys, then the recipe encrypts each region\'s copies with its key; keys that leave a region unencrypted fail synthesis', () => {
    const keyed = (regions: string[], unencryptedRegions?: string[]) => () => {
      const keys = (stack: Stack) => regions.map((region) => kms.Key.fromKeyArn(stack, `Key-${region}`, `arn:aws:kms:${region}:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab`));
      const { stack } = pipelineApp({ imageDistribution: (pipelineStack) => ({ encryptionKeys: keys(pipelineStack), unencryptedRegions }) });
      return Template.fromStack(stack).findResources('AWS::ImageBuilder::DistributionConfiguration');
    };

    const distributions = Object.values<any>(keyed(['eu-west-1', 'us-east-1'])())[0].Properties.Distributions;
    expect(distributions.map((distribution: any) => [distribution.Region, distribution.AmiDistributionConfiguration.KmsKeyId])).toEqual([
      ['eu-west-1', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
      ['us-east-1', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ]);
    expect(keyed(['us-east-1'])).toThrow('encryptionKeys encrypt the copies in us-east-1, but not in eu-west-1, where environments dev run');
    expect(keyed(['us-east-1'], ['eu-west-1'])).not.toThrow();
  });
});
