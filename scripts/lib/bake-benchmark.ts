/**
 * Counts the image builds the bake workflow runs for a sequence of commits, by running the
 * synthesized workflow locally against an in-memory Image Builder: images it builds are tagged
 * with their fingerprint, and later bakes find them by it, as `tag:GetResources` would. And
 * measures how long a bake of two architectures takes against its builds' durations.
 */
import { App, Stack, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runBakeLocally } from './bake-simulation';
import { TaskFake, stateMachineDefinition } from './local-state-machine';
import { ApplicationImageRecipe, BaseImage } from '../../src';
import { BakeWorkflow } from '../../src/private/bake/bake-workflow';

/** Minutes one image build is assumed to take: the source article's figure, a MODEL, not a measurement. */
export const MODELLED_BUILD_MINUTES = 25;

/** Ten commits, four distinct contents: commits 2, 3, 5, 7, 8 and 10 change nothing installed. */
export const COMMIT_CONTENTS = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'd', 'd'].map((content) => content.repeat(64));

export interface BakeBenchmark {
  readonly commits: number;
  readonly imageBuilds: number;
  readonly bakeEveryCommitBuilds: number;
}

/**
 * Bakes each commit in turn, given the content hash of what it would install.
 *
 * @param contentHashes one per commit, in order
 */
export async function benchmarkBakes(contentHashes: string[]): Promise<BakeBenchmark> {
  const definition = stateMachineDefinition(Template.fromStack(bakeStack([ec2.InstanceArchitecture.X86_64])).toJSON());
  const images = new Map<string, string>();
  let imageBuilds = 0;
  for (const [index, contentHash] of contentHashes.entries()) {
    const execution = await runBakeLocally(definition, {
      artifact: `s3://web-artifacts/builds/${contentHash}.tar.gz`,
      contentHash,
      version: `1.0.${index}`,
      commitId: `commit-${index}`,
      commitMessage: `Commit ${index}`,
      pipelineExecutionId: `execution-${index}`,
    }, inMemoryImageBuilder(images, () => imageBuilds++, 1));
    if (execution.status !== 'SUCCEEDED') {
      throw new Error(`The bake of commit ${index} failed: ${execution.error} ${execution.cause}`);
    }
  }
  return { commits: contentHashes.length, imageBuilds, bakeEveryCommitBuilds: contentHashes.length };
}

export interface ArchitectureBakeBenchmark {
  /** Minutes each architecture's build takes (its polls of a minute each). */
  readonly buildMinutes: Record<string, number>;
  /** Minutes the bake took, measured in real time with each Wait state's minute scaled down. */
  readonly bakeMinutes: number;
}

/**
 * Bakes one commit for x86_64 and arm64, whose builds take the given minutes (Image Builder's
 * state is read once a minute), with every Wait state's minute lasting `millisecondsPerMinute`
 * of real time: the bake's measured time, in those minutes, shows whether builds run one after
 * the other (the sum) or side by side (the slowest).
 */
export async function benchmarkArchitectureBake(buildMinutes: { x86_64: number; arm64: number },
  millisecondsPerMinute = 40): Promise<ArchitectureBakeBenchmark> {
  const architectures = [ec2.InstanceArchitecture.X86_64, ec2.InstanceArchitecture.ARM_64];
  const definition = stateMachineDefinition(Template.fromStack(bakeStack(architectures)).toJSON());
  const fakes = () => Object.fromEntries(architectures.flatMap((architecture) =>
    Object.entries(inMemoryImageBuilder(new Map(), () => undefined, buildMinutes[architecture])).map(([name, fake]) => [`${architecture}-${name}`, fake])));
  const bake = async (waitMilliseconds: number): Promise<number> => {
    const started = Date.now();
    const execution = await runBakeLocally(definition, {
      artifact: 's3://web-artifacts/builds/a.tar.gz', contentHash: 'a'.repeat(64), version: '1.0.0', commitId: 'commit', commitMessage: 'Commit', pipelineExecutionId: 'execution',
    }, fakes(), { waitMilliseconds });
    if (execution.status !== 'SUCCEEDED') {
      throw new Error(`The bake of two architectures failed: ${execution.error} ${execution.cause}`);
    }
    return Date.now() - started;
  };
  // The same bake without waiting is the runner's own time, which is not the bake's; the first run also compiles the definition's schema.
  await bake(0);
  const overhead = await bake(0);
  const waited = await bake(millisecondsPerMinute);
  return { buildMinutes, bakeMinutes: Math.max(0, waited - overhead) / millisecondsPerMinute };
}

/**
 * Image Builder, EC2 and the tagging API as the bake sees them, with images kept by fingerprint;
 * each build is AVAILABLE at its `buildPolls`th read.
 */
function inMemoryImageBuilder(images: Map<string, string>, onBuild: () => void, buildPolls: number): Record<string, TaskFake> {
  let building: { arn: string; fingerprint: string; reads: number } | undefined;
  const available = (arn: string) => ({
    Image: { Arn: arn, State: { Status: 'AVAILABLE' }, OutputResources: { Amis: [{ Region: 'eu-west-1', Image: `ami-${arn.length}`, AccountId: '111111111111' }] } },
  });
  return {
    ResolveParentImage: () => available('arn:aws:imagebuilder:eu-west-1:aws:image/amazon-linux-2023-x86/2025.1.15/1'),
    FindBakedImage: (input) => {
      const arn = images.get(input.TagFilters[0].Values[0]);
      return { ResourceTagMappingList: arn === undefined ? [] : [{ ResourceARN: arn }] };
    },
    ReadBakedImage: (input) => available(input.ImageBuildVersionArn),
    CreateBuildRecipe: (input) => ({ ImageRecipeArn: `arn:aws:imagebuilder:eu-west-1:111111111111:image-recipe/${input.Name}/1.0.0` }),
    CreateImage: (input) => {
      onBuild();
      building = { arn: `arn:aws:imagebuilder:eu-west-1:111111111111:image/build-${images.size}/1.0.0/1`, fingerprint: input.Tags['immutable-servers:fingerprint'], reads: 0 };
      images.set(building.fingerprint, building.arn);
      return { ImageBuildVersionArn: building.arn };
    },
    ReadBuild: () => ({ Image: { Arn: building!.arn, State: { Status: ++building!.reads >= buildPolls ? 'AVAILABLE' : 'BUILDING' } } }),
    CancelBuild: () => ({}),
    ReadBuiltImage: () => available(building!.arn),
    ReadDistribution: () => ({ DistributionConfiguration: { Distributions: [{ Region: 'eu-west-1', AmiDistributionConfiguration: { AmiTags: {} } }] } }),
    CreateBuildDistribution: () => ({ DistributionConfigurationArn: 'arn:aws:imagebuilder:eu-west-1:111111111111:distribution-configuration/build' }),
    DeleteBuildDistribution: () => ({}),
    DeleteCancelledBuildDistribution: () => ({}),
    DeleteBuildRecipe: () => ({}),
    DeleteCancelledBuildRecipe: () => ({}),
  };
}

/** A bake of one recipe per architecture. */
function bakeStack(architectures: ec2.InstanceArchitecture[]): Stack {
  const stack = new Stack(new App(), 'Benchmark', { env: { account: '111111111111', region: 'eu-west-1' } });
  const recipes = architectures.map((architecture) => new ApplicationImageRecipe(stack, `Image-${architecture}`, {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, `Artifacts-${architecture}`, 'web-artifacts'), key: 'web/web.tar.gz' },
    startCommand: '/opt/web/bin/server',
    baseImage: BaseImage.amazonLinux2023(architecture),
  }));
  new BakeWorkflow(stack, 'Bake', { recipes });
  return stack;
}
