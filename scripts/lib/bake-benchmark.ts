/**
 * Counts the image builds the bake workflow runs for a sequence of commits, by running the
 * synthesized workflow locally against an in-memory Image Builder: images it builds are tagged
 * with their fingerprint, and later bakes find them by it, as `tag:GetResources` would.
 */
import { App, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runBakeLocally } from './bake-simulation';
import { TaskFake, stateMachineDefinition } from './local-state-machine';
import { ApplicationImageRecipe } from '../../src';
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
  const definition = stateMachineDefinition(Template.fromStack(bakeStack()).toJSON());
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
    }, inMemoryImageBuilder(images, () => imageBuilds++));
    if (execution.status !== 'SUCCEEDED') {
      throw new Error(`The bake of commit ${index} failed: ${execution.error} ${execution.cause}`);
    }
  }
  return { commits: contentHashes.length, imageBuilds, bakeEveryCommitBuilds: contentHashes.length };
}

/** Image Builder, EC2 and the tagging API as the bake sees them, with images kept by fingerprint. */
function inMemoryImageBuilder(images: Map<string, string>, onBuild: () => void): Record<string, TaskFake> {
  let building: { arn: string; fingerprint: string } | undefined;
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
      building = { arn: `arn:aws:imagebuilder:eu-west-1:111111111111:image/build-${images.size}/1.0.0/1`, fingerprint: input.Tags['immutable-servers:fingerprint'] };
      images.set(building.fingerprint, building.arn);
      return { ImageBuildVersionArn: building.arn };
    },
    ReadBuild: () => ({ Image: { Arn: building!.arn, State: { Status: 'AVAILABLE' } } }),
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

function bakeStack(): Stack {
  const stack = new Stack(new App(), 'Benchmark', { env: { account: '111111111111', region: 'eu-west-1' } });
  const recipe = new ApplicationImageRecipe(stack, 'Image', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'web-artifacts'), key: 'web/web.tar.gz' },
    startCommand: '/opt/web/bin/server',
  });
  new BakeWorkflow(stack, 'Bake', { recipe });
  return stack;
}
