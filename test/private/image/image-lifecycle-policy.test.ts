import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { ImageRetention } from '../../../src/image-retention';
import {
  IMAGE_GROUP_TAG_KEY, ImageLifecyclePolicy, ImageLifecyclePolicyProps, imageGroupTags,
} from '../../../src/private/image/image-lifecycle-policy';
import { IN_USE_TAG_KEY, IN_USE_TAG_VALUE } from '../../../src/private/shared/release-tags';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../../helpers/nag';

const IMAGE_BUILDER_NAME = /^[-_A-Za-z0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z0-9]$/;
/** Tag key pattern of Image Builder's lifecycle exclusion rules (`+-=` is a character range). */
const LIFECYCLE_TAG_KEY = /^(?!aws:)[a-zA-Z+-=._:/]+$/;
const IN_USE = { [IN_USE_TAG_KEY]: IN_USE_TAG_VALUE };
const GROUP_TAGS = { [IMAGE_GROUP_TAG_KEY]: 'web-image' };

function policyStack(props: Partial<ImageLifecyclePolicyProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  new ImageLifecyclePolicy(stack, 'Lifecycle', {
    description: 'Retires old web images',
    imageTags: GROUP_TAGS,
    retention: ImageRetention.count(3),
    ...props,
  });
  return { app, stack, get template() { return Template.fromStack(stack); } };
}

function onlyResource(template: Template, type: string): Record<string, any> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0];
}

const policyOf = (props: Partial<ImageLifecyclePolicyProps> = {}) => onlyResource(policyStack(props).template, 'AWS::ImageBuilder::LifecyclePolicy').Properties;

describe('ImageLifecyclePolicy', () => {
  describe('policy', () => {
    test('given a policy, then it is an enabled AMI image policy with a valid lowercase Image Builder name', () => {
      const policy = policyOf();

      expect(policy.ResourceType).toBe('AMI_IMAGE');
      expect(policy.Status).toBe('ENABLED');
      expect(policy.Name).toMatch(IMAGE_BUILDER_NAME);
      expect(policy.Name).toBe(policy.Name.toLowerCase());
      expect(policy.Description).toBe('Retires old web images');
    });

    test('given a count retention, then one delete rule keeps the newest images of that count', () => {
      expect(policyOf({ retention: ImageRetention.count(3) }).PolicyDetails).toEqual([expect.objectContaining({
        Action: expect.objectContaining({ Type: 'DELETE' }),
        Filter: { Type: 'COUNT', Value: 3 },
      })]);
    });

    test('given an age retention, then images are deprecated at the age and deleted 7 days later', () => {
      const details = policyOf({ retention: ImageRetention.age(Duration.days(90)) }).PolicyDetails;

      expect(details.map((detail: any) => [detail.Action.Type, detail.Filter])).toEqual([
        ['DEPRECATE', { Type: 'AGE', Value: 90, Unit: 'DAYS' }],
        ['DELETE', { Type: 'AGE', Value: 97, Unit: 'DAYS' }],
      ]);
    });

    test('given an age retention, then the deprecation marks the AMIs and the deletion removes AMIs and snapshots', () => {
      const details = policyOf({ retention: ImageRetention.age(Duration.days(90)) }).PolicyDetails;

      expect(details.map((detail: any) => detail.Action)).toEqual([
        { Type: 'DEPRECATE', IncludeResources: { Amis: true } },
        { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } },
      ]);
    });

    test('given a count retention, then the deletion removes the AMIs and their snapshots, and no containers', () => {
      expect(policyOf().PolicyDetails[0].Action.IncludeResources).toEqual({ Amis: true, Snapshots: true });
    });

    test.each([
      ['count', ImageRetention.count(3)],
      ['age', ImageRetention.age(Duration.days(90))],
    ])('given a %s retention, then every rule skips images and AMIs tagged as in use', (_name, retention) => {
      const details = policyOf({ retention }).PolicyDetails;

      expect(details.length).toBeGreaterThan(0);
      for (const detail of details) {
        expect(detail.ExclusionRules).toEqual({ TagMap: IN_USE, Amis: { TagMap: IN_USE } });
      }
    });

    test('given the in-use tag, then its key fits the tag keys that lifecycle exclusion rules accept', () => {
      expect(IN_USE_TAG_KEY).toMatch(LIFECYCLE_TAG_KEY);
    });
  });

  describe('selection', () => {
    test('given image tags, then the policy selects the images that carry them', () => {
      expect(policyOf({ imageTags: GROUP_TAGS }).ResourceSelection).toEqual({ TagMap: { [IMAGE_GROUP_TAG_KEY]: 'web-image' } });
    });

    test('given the same construct path in two apps, then its image group tag is the same', () => {
      const groupTags = () => imageGroupTags(new Construct(new Stack(new App(), 'Stack'), 'Image'));

      expect(groupTags()).toEqual(groupTags());
    });

    test('given two constructs, then their image group tags differ', () => {
      const stack = new Stack(new App(), 'Stack');

      expect(imageGroupTags(new Construct(stack, 'Web'))).not.toEqual(imageGroupTags(new Construct(stack, 'Api')));
    });

    test('given a construct, then its image group tag is one tag whose key and value Image Builder accepts', () => {
      const tags = imageGroupTags(new Construct(new Stack(new App(), 'Stack'), 'Image'));

      expect(Object.keys(tags)).toEqual([IMAGE_GROUP_TAG_KEY]);
      expect(IMAGE_GROUP_TAG_KEY).toMatch(LIFECYCLE_TAG_KEY);
      expect(tags[IMAGE_GROUP_TAG_KEY].length).toBeLessThanOrEqual(256);
    });

    test('given no tags, then it fails naming the count', () => {
      expect(() => policyStack({ imageTags: {} })).toThrow('A lifecycle policy selects images by 1 to 50 tags, got 0');
    });

    test('given 51 tags, then it fails naming the count', () => {
      const imageTags = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`tag${index}`, 'x']));

      expect(() => policyStack({ imageTags })).toThrow('A lifecycle policy selects images by 1 to 50 tags, got 51');
    });

    test('given an empty description, then it fails naming the value', () => {
      expect(() => policyStack({ description: '' })).toThrow("Lifecycle policy description must be 1 to 1024 characters, got 0: ''");
    });
  });

  describe('execution role', () => {
    test('given a policy, then it runs as a role that only Image Builder may assume', () => {
      const { template } = policyStack();
      const role = onlyResource(template, 'AWS::IAM::Role').Properties;

      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'imagebuilder.amazonaws.com' } },
      ]);
      expect(onlyResource(template, 'AWS::ImageBuilder::LifecyclePolicy').Properties.ExecutionRole)
        .toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LifecycleExecutionRole/), 'Arn'] });
    });

    test('given a policy, then the role has the AWS-managed lifecycle execution policy and nothing else', () => {
      const { template } = policyStack();
      const role = onlyResource(template, 'AWS::IAM::Role').Properties;

      expect(role.ManagedPolicyArns).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy']] },
      ]);
      expect(role.Policies).toBeUndefined();
      template.resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('given cdk-nag AwsSolutions, then nothing is reported and every acknowledgement says why', () => {
      const { app } = policyStack();

      expect(awsSolutionsFindings(app)).toEqual([]);
      const acknowledgements = nagAcknowledgements(app);
      expect(acknowledgements.map((acknowledgement) => acknowledgement.rule)).toEqual([
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy]',
      ]);
      expect(acknowledgements.every((acknowledgement) => isSpecificReason(acknowledgement.reason))).toBe(true);
    });
  });
});
