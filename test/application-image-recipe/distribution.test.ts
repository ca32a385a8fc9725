import { App, Stack, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApplicationImageRecipe } from '../../src';
import { onlyResource, recipeStack } from '../helpers/recipe-stack';

const KEY_ARN = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const IN_US_EAST_1 = { env: { account: '999999999999', region: 'us-east-1' } };

function distributions(template: Template): any[] {
  return onlyResource(template, 'AWS::ImageBuilder::DistributionConfiguration').Properties.Distributions;
}

describe('ApplicationImageRecipe distribution', () => {
  test('given defaults, then the AMI stays in the build account and region, named with the build date and tagged', () => {
    expect(distributions(recipeStack({ amiTags: { Team: 'payments' } }).template)).toEqual([{
      Region: { Ref: 'AWS::Region' },
      AmiDistributionConfiguration: {
        Name: 'web-{{ imagebuilder:buildDate }}',
        // The library's application tag, which releases condition their tag removals on, in every account and region.
        AmiTags: { 'Application': 'web', 'Team': 'payments', 'immutable-servers:application': 'web' },
      },
    }]);
  });

  test.each(['immutable-servers:application', 'immutable-servers:in-use'])('given amiTags that set the library\'s tag %s, then synthesis fails naming it', (key) => {
    expect(() => recipeStack({ amiTags: { [key]: 'payments' } }))
      .toThrow(`amiTags may not set the library's own tags (immutable-servers:*), got '${key}': choose another key`);
  });

  test('given targets in two regions for three accounts, then each region gets one distribution with its copies, shares and key', () => {
    const { template } = recipeStack({
      distributionTargets: [
        { region: 'eu-west-1', copyToAccounts: ['111111111111', '222222222222'], kmsKeyArn: KEY_ARN },
        { region: 'us-west-2', launchPermissionAccounts: ['333333333333'] },
      ],
    }, undefined, IN_US_EAST_1);

    expect(distributions(template).slice(1)).toEqual([
      {
        Region: 'eu-west-1',
        AmiDistributionConfiguration: expect.objectContaining({ KmsKeyId: KEY_ARN, TargetAccountIds: ['111111111111', '222222222222'] }),
      },
      {
        Region: 'us-west-2',
        AmiDistributionConfiguration: expect.objectContaining({ LaunchPermissionConfiguration: { UserIds: ['333333333333'] } }),
      },
    ]);
  });

  test('given a target added after construction, as environments do, then the synthesized distribution includes it', () => {
    const { recipe } = recipeStack({}, undefined, IN_US_EAST_1);
    recipe.addDistributionTarget({ region: 'eu-west-1', copyToAccounts: ['111111111111'] });

    expect(recipe.distributionRegions).toEqual(['us-east-1', 'eu-west-1']);
    expect(distributions(Template.fromStack(recipe.node.scope as Stack))[1].AmiDistributionConfiguration.TargetAccountIds).toEqual(['111111111111']);
  });

  test('given a stack with a concrete region and a target in that region, then the two merge into one distribution', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '999999999999', region: 'eu-west-1' } });
    new ApplicationImageRecipe(stack, 'Image', {
      applicationName: 'web',
      artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), key: 'web.tar.gz' },
      startCommand: '/opt/web/bin/server',
      distributionTargets: [{ region: 'eu-west-1', copyToAccounts: ['111111111111'] }],
    });

    expect(distributions(Template.fromStack(stack))).toEqual([{
      Region: 'eu-west-1',
      AmiDistributionConfiguration: expect.objectContaining({ TargetAccountIds: ['111111111111'] }),
    }]);
  });

  test('given a region-agnostic stack and a target region, then construction fails asking for the stack region, as the build region might be listed twice', () => {
    expect(() => recipeStack({ distributionTargets: [{ region: 'eu-west-1' }] }))
      .toThrow("Distribution target eu-west-1 needs the stack's region to be known, so that the build region is not listed twice; set env.region on the stack");
  });

  test('given a KMS key id instead of an ARN for a cross-account copy, then construction fails naming the id', () => {
    expect(() => recipeStack({ distributionTargets: [{ region: 'eu-west-1', copyToAccounts: ['111111111111'], kmsKeyArn: 'alias/ami-copies' }] }))
      .toThrow("kmsKeyArn must be a full key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>), because copies in other accounts resolve a bare id in their own account; got 'alias/ami-copies'");
  });

  test('given an AMI id parameter, then Image Builder writes it in the build region only', () => {
    const { template } = recipeStack({ amiIdParameterName: '/web/ami', distributionTargets: [{ region: 'eu-west-1' }] }, undefined, IN_US_EAST_1);

    expect(distributions(template).map((distribution) => distribution.SsmParameterConfigurations)).toEqual([
      [{ ParameterName: '/web/ami', DataType: 'aws:ec2:image' }],
      undefined,
    ]);
  });
});
