import { App, Stack, aws_events as events, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApplicationImageRecipe, BaseImage, ImmutableAmiPipeline } from '../../src';
import { NO_ARTIFACT } from '../../src/private/image/application-component';
import { webBuild, webSource } from '../helpers/pipeline-app';
import { PIPELINE_ENV, environmentStack } from '../helpers/promotion-app';
import { applicationDocument } from '../helpers/recipe-stack';

function recipeWithoutArtifact(props: { rebuildSchedule?: events.Schedule } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const recipe = new ApplicationImageRecipe(stack, 'Image', { applicationName: 'web', startCommand: '/opt/web/bin/server', ...props });
  return { app, stack, recipe };
}

describe('ApplicationImageRecipe without an artifact (only a bake builds it)', () => {
  test('given no artifact, then there is no image pipeline of its own, and the component\'s default artifact says why it cannot be installed', () => {
    const { stack, recipe } = recipeWithoutArtifact();
    const template = Template.fromStack(stack);

    expect(recipe.imagePipelineArn).toBeUndefined();
    template.resourceCountIs('AWS::ImageBuilder::ImagePipeline', 0);
    template.resourceCountIs('AWS::ImageBuilder::ImageRecipe', 1);
    expect(applicationDocument(template).parameters).toEqual([{ ArtifactS3Uri: expect.objectContaining({ type: 'string', default: NO_ARTIFACT }) }]);
    const reads = Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => [statement.Action].flat().includes('s3:GetObject'));
    expect(reads).toEqual([]);
  });

  test('given no artifact, then ImmutableAmiPipeline bakes it, each build installing its own archive', () => {
    const { app, stack, recipe } = recipeWithoutArtifact();
    new ImmutableAmiPipeline(stack, 'Pipeline', {
      source: webSource(),
      applicationBuild: webBuild(),
      recipe,
      environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment }],
    });

    expect(() => app.synth()).not.toThrow();
    expect(recipe.componentsForArtifact('s3://archives/builds/abc.tar.gz').find((component) => component.parameters))
      .toMatchObject({ parameters: [{ name: 'ArtifactS3Uri', value: ['s3://archives/builds/abc.tar.gz'] }] });
  });

  test('given no artifact and a rebuild schedule, then construction fails saying the pipeline patches instead', () => {
    expect(() => recipeWithoutArtifact({ rebuildSchedule: events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }) }))
      .toThrow("rebuildSchedule rebuilds the recipe's own artifact, and recipe Pipeline/Image has none: give it an artifact, "
        + 'or patch through the pipeline that builds it (ImmutableAmiPipeline patchRebuildSchedule)');
  });

  test('given no artifact, then granting a start of its image pipeline, or building on its images, fails naming the recipe', () => {
    const { stack, recipe } = recipeWithoutArtifact();

    expect(() => recipe.grantStartBuild(new iam.Role(stack, 'Starter', { assumedBy: new iam.AccountRootPrincipal() })))
      .toThrow('grantStartBuild: recipe Pipeline/Image has no artifact, so no image pipeline of its own to start');
    expect(() => BaseImage.fromRecipe(recipe)).toThrow('BaseImage.fromRecipe: recipe Pipeline/Image has no artifact, so no image pipeline builds images of it');
  });
});
