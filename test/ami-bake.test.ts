import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AmiBake, EnvironmentPromotion } from '../src';
import { onlyOfType } from './helpers/deployment-stack';
import { awsSolutionsFindings } from './helpers/nag';
import { webRecipe } from './helpers/pipeline-app';
import { PIPELINE_ENV, QA_ENV, environmentStack, pipelineWithSource } from './helpers/promotion-app';

/**
 * A pipeline of the user's, whose source stands for a build's output, with the bake and a promotion
 * into dev (in the pipeline's account and region unless told otherwise).
 */
function userPipelineWithBake(devEnv: typeof PIPELINE_ENV = PIPELINE_ENV) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const { pipeline, releaseManifest: built } = pipelineWithSource(stack);
  const recipe = webRecipe(stack);
  const bake = new AmiBake(stack, 'Bake', { recipe });
  const releaseManifest = bake.addToPipeline(pipeline, {
    input: built.artifact, applicationDirectory: 'dist', commitId: '#{Source.VersionId}', commitMessage: 'Object version #{Source.VersionId}',
  });
  const promotion = new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', devEnv).deployment }] });
  promotion.addToPipeline(pipeline, { releaseManifest });
  return { app, stack, bake, recipe, promotion, releaseManifest };
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

  test('given an environment in an account the recipe does not copy its AMIs to, then synthesis fails naming it and how to distribute there', () => {
    const { app } = userPipelineWithBake(QA_ENV);

    expect(() => app.synth()).toThrow('Environment dev releases into account 222222222222, region eu-west-1, but recipe Pipeline/Image '
      + '(account 111111111111, regions eu-west-1) leaves no AMI there: call promotion.distributeImages(recipe), '
      + 'or add a distribution target that copies the AMI to that account and region');
  });

  test('given the recipe distributed to the environment after the promotion was added, then synthesis succeeds', () => {
    const { app, recipe, promotion } = userPipelineWithBake(QA_ENV);
    promotion.distributeImages(recipe);

    expect(() => app.synth()).not.toThrow();
  });

  test('given the bake in a pipeline of the user\'s, then cdk-nag finds nothing on what the bake creates', () => {
    const { app } = userPipelineWithBake();

    expect(awsSolutionsFindings(app).filter((finding) => finding.path.startsWith('Pipeline/Bake/') || finding.path.startsWith('Pipeline/Pipeline/Bake/')))
      .toEqual([]);
  });
});
