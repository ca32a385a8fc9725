import { Duration, aws_events as events } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { ImageRetention } from '../../src';
import { onlyResource, recipeStack } from '../helpers/recipe-stack';

describe('ApplicationImageRecipe image pipeline', () => {
  test('given defaults, then images are tested, not scanned, not scheduled, and tagged for the lifecycle policy', () => {
    const { recipe, template } = recipeStack();
    const pipeline = onlyResource(template, 'AWS::ImageBuilder::ImagePipeline').Properties;

    expect(pipeline).toMatchObject({
      ImageTestsConfiguration: { ImageTestsEnabled: true },
      ImageScanningConfiguration: { ImageScanningEnabled: false },
      ImageTags: recipe.imageTags,
    });
    expect(pipeline.Schedule).toBeUndefined();
    expect(Object.keys(recipe.imageTags)).toEqual(['immutable-servers:image-group']);
  });

  test('given vulnerability scanning, then Inspector scans each image', () => {
    const { recipe, template } = recipeStack({ vulnerabilityScanning: true });

    template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', { ImageScanningConfiguration: { ImageScanningEnabled: true } });
    expect(recipe.vulnerabilityScanning).toBe(true);
  });

  test('given a rebuild schedule, then the pipeline builds on it only when a newer base image or component exists', () => {
    const { template } = recipeStack({ rebuildSchedule: events.Schedule.cron({ weekDay: 'MON', hour: '3', minute: '0' }) });

    template.hasResourceProperties('AWS::ImageBuilder::ImagePipeline', {
      Schedule: { ScheduleExpression: 'cron(0 3 ? * MON *)', PipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE' },
    });
  });

  test('given a rate schedule, then construction fails naming it, as Image Builder takes cron only', () => {
    expect(() => recipeStack({ rebuildSchedule: events.Schedule.rate(Duration.days(7)) }))
      .toThrow("rebuildSchedule must be a cron schedule (Schedule.cron), because Image Builder accepts no other; got 'rate(7 days)'");
  });

  test('given defaults, then a lifecycle policy retires images of this recipe older than 90 days, sparing AMIs in use', () => {
    const { recipe, template } = recipeStack();

    template.hasResourceProperties('AWS::ImageBuilder::LifecyclePolicy', {
      ResourceType: 'AMI_IMAGE',
      ResourceSelection: { TagMap: recipe.imageTags },
      PolicyDetails: [
        Match.objectLike({ Action: { Type: 'DEPRECATE', IncludeResources: { Amis: true } }, Filter: { Type: 'AGE', Value: 90, Unit: 'DAYS' } }),
        Match.objectLike({
          Action: { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } },
          Filter: { Type: 'AGE', Value: 97, Unit: 'DAYS' },
          ExclusionRules: { TagMap: { 'immutable-servers:in-use': 'true' }, Amis: { TagMap: { 'immutable-servers:in-use': 'true' } } },
        }),
      ],
    });
  });

  test('given a count retention, then the policy keeps that many images', () => {
    recipeStack({ imageRetention: ImageRetention.count(5) }).template.hasResourceProperties('AWS::ImageBuilder::LifecyclePolicy', {
      PolicyDetails: [Match.objectLike({ Filter: { Type: 'COUNT', Value: 5 } })],
    });
  });

  test('given a retention count below 1, then it fails naming the count', () => {
    expect(() => recipeStack({ imageRetention: ImageRetention.count(0) })).toThrow('Image retention count must be at least 1, got 0');
  });
});
