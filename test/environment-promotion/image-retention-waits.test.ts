import { Duration, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { ApplicationImageRecipe, ImageRetention, PromotionApproval } from '../../src';
import { threeAccountPromotion } from '../helpers/promotion-app';

function recipeIn(stack: Stack, imageRetention?: ImageRetention): ApplicationImageRecipe {
  return new ApplicationImageRecipe(stack, 'Image', {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
    imageRetention,
  });
}

/** dev, then qa and prod behind manual approvals of up to 14 days each: prod may release an image 28 days and 3 hours after its build. */
function promotionOfImagesKept(imageRetention?: ImageRetention) {
  const approval = PromotionApproval.manual({ timeout: Duration.days(14) });
  const setup = threeAccountPromotion(() => ({ environments: { qa: { approval }, prod: { approval } } }));
  setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest });
  setup.promotion.distributeImages(recipeIn(setup.pipelineStack, imageRetention));
  return setup;
}

describe('EnvironmentPromotion: images kept for as long as the promotion may take', () => {
  test('given a recipe that deletes its images before the last approval may end, then synthesis fails naming the environment, its waits, the recipe and the retention that would do', () => {
    const { app } = promotionOfImagesKept(ImageRetention.age(Duration.days(14)));

    expect(() => app.synth()).toThrow('Environment prod may start its release up to 28 days 3 hours after its image was built '
      + '(dev: release up to 1 hour 30 minutes; qa: approval up to 14 days, release up to 1 hour 30 minutes; prod: approval up to 14 days), '
      + 'but recipe Pipeline/Image deletes its images 21 days after their build, with the copy in account 333333333333, region us-east-1: '
      + 'keep them longer (imageRetention: ImageRetention.age(Duration.days(22)) or more');
  });

  test('given that only the last environment waits too long, then only it is named', () => {
    const { app } = promotionOfImagesKept(ImageRetention.age(Duration.days(14)));

    const message = (() => {
      try {
        app.synth();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('Environment prod may start its release');
    expect(message).not.toContain('Environment qa');
    expect(message).not.toContain('Environment dev');
  });

  test('given the retention the error asks for, then synthesis succeeds', () => {
    const { app } = promotionOfImagesKept(ImageRetention.age(Duration.days(22)));

    expect(() => app.synth()).not.toThrow();
  });

  test('given the default retention (90 days) or a retention by count, then synthesis succeeds', () => {
    expect(() => promotionOfImagesKept().app.synth()).not.toThrow();
    expect(() => promotionOfImagesKept(ImageRetention.count(3)).app.synth()).not.toThrow();
  });
});
