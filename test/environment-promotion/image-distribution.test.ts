import { App, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApplicationImageRecipe, EnvironmentPromotion } from '../../src';
import { onlyOfType } from '../helpers/deployment-stack';
import { PIPELINE_ENV, environmentStack, threeAccountPromotion } from '../helpers/promotion-app';

function recipeIn(stack: Stack): ApplicationImageRecipe {
  return new ApplicationImageRecipe(stack, 'Image', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
  });
}

describe('EnvironmentPromotion.distributeImages', () => {
  test('given environments in three accounts and two regions, then the recipe distributes to each, declared once', () => {
    const { pipelineStack, promotion, pipeline, releaseManifest } = threeAccountPromotion();
    promotion.addToPipeline(pipeline, { releaseManifest });
    const recipe = recipeIn(pipelineStack);
    promotion.distributeImages(recipe);

    const distributions = onlyOfType(Template.fromStack(pipelineStack), 'AWS::ImageBuilder::DistributionConfiguration').Properties.Distributions;
    const byRegion = Object.fromEntries(distributions.map((distribution: any) =>
      [distribution.Region, distribution.AmiDistributionConfiguration.TargetAccountIds]));
    expect(byRegion).toEqual({ 'eu-west-1': ['222222222222'], 'us-east-1': ['333333333333'] });
  });

  test('given only the build account and region, then nothing is added', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const promotion = new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment }] });
    const recipe = recipeIn(stack);
    promotion.distributeImages(recipe);

    const distributions = onlyOfType(Template.fromStack(stack), 'AWS::ImageBuilder::DistributionConfiguration').Properties.Distributions;
    expect(distributions).toHaveLength(1);
    expect(distributions[0].AmiDistributionConfiguration.TargetAccountIds).toBeUndefined();
  });

  test('given an environment-agnostic environment and a build stack with an env, then it fails naming the environment', () => {
    const app = new App();
    const stack = new Stack(app, 'Pipeline');
    const { deployment } = environmentStack(app, 'dev', undefined as any);
    const promotion = new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'dev', deployment }] });
    const recipe = recipeIn(new Stack(app, 'Build', { env: PIPELINE_ENV }));
    expect(() => promotion.distributeImages(recipe)).toThrow('Cannot distribute images to environment dev: its stack Web-dev has no literal account and region');
  });
});
