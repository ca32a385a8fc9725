import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AmiBake, EnvironmentPromotion } from '../src';
import { onlyOfType } from './helpers/deployment-stack';
import { awsSolutionsFindings } from './helpers/nag';
import { webRecipe } from './helpers/pipeline-app';
import { PIPELINE_ENV, environmentStack, pipelineWithSource } from './helpers/promotion-app';

/** A pipeline of the user's, whose source stands for a build's output, with the bake and a promotion into dev. */
function userPipelineWithBake() {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const { pipeline, releaseManifest: built } = pipelineWithSource(stack);
  const bake = new AmiBake(stack, 'Bake', { recipe: webRecipe(stack) });
  const releaseManifest = bake.addToPipeline(pipeline, {
    input: built.artifact, applicationDirectory: 'dist', commitId: '#{Source.VersionId}', commitMessage: 'Object version #{Source.VersionId}',
  });
  const promotion = new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment }] });
  promotion.addToPipeline(pipeline, { releaseManifest });
  return { app, stack, bake, releaseManifest };
}

describe('AmiBake in a pipeline of the user\'s', () => {
  test('given a build output, then a Bake stage packages, bakes and writes the release manifest the promotion reads', () => {
    const { stack, releaseManifest } = userPipelineWithBake();
    const stages = onlyOfType(Template.fromStack(stack), 'AWS::CodePipeline::Pipeline').Properties.Stages;

    expect(stages.map((stage: any) => stage.Name)).toEqual(['Source', 'Bake', 'dev']);
    expect(stages[1].Actions.map((action: any) => action.Name)).toEqual(['Package', 'Bake', 'Manifest']);
    expect([releaseManifest.artifact.artifactName, releaseManifest.fileName]).toEqual(['BakeOutput', 'release.json']);
    expect(stages[2].Actions[0].InputArtifacts).toEqual([{ Name: 'BakeOutput' }]);
  });

  test('given the bake in a pipeline of the user\'s, then cdk-nag finds nothing on what the bake creates', () => {
    const { app } = userPipelineWithBake();

    expect(awsSolutionsFindings(app).filter((finding) => finding.path.startsWith('Pipeline/Bake/') || finding.path.startsWith('Pipeline/Pipeline/Bake/')))
      .toEqual([]);
  });
});
