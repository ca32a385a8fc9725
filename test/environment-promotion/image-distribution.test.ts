import { App, Stack, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ApplicationImageRecipe, EnvironmentPromotion } from '../../src';
import { onlyOfType } from '../helpers/deployment-stack';
import { PIPELINE_ENV, environmentStack, threeAccountPromotion } from '../helpers/promotion-app';

function recipeIn(stack: Stack, id = 'Image'): ApplicationImageRecipe {
  return new ApplicationImageRecipe(stack, id, {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, `${id}Artifacts`, 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
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

  describe('with encryption keys', () => {
    const PROD_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const AUTO_SCALING_ROLE = (account: string) => `:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

    function encrypted() {
      const setup = threeAccountPromotion();
      setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest });
      const recipe = recipeIn(setup.pipelineStack);
      const key = new kms.Key(setup.pipelineStack, 'ImageKey', { enableKeyRotation: true });
      const prodKey = kms.Key.fromKeyArn(setup.pipelineStack, 'ProdImageKey', PROD_KEY_ARN);
      setup.promotion.distributeImages(recipe, { encryptionKeys: [key, prodKey] });
      return { ...setup, template: Template.fromStack(setup.pipelineStack) };
    }

    test('given a key per region, then each region\'s copies, the build region\'s AMI included, are encrypted with its key', () => {
      const { template } = encrypted();
      const distributions = onlyOfType(template, 'AWS::ImageBuilder::DistributionConfiguration').Properties.Distributions;

      const keyByRegion = Object.fromEntries(distributions.map((distribution: any) =>
        [distribution.Region, distribution.AmiDistributionConfiguration.KmsKeyId]));
      expect(keyByRegion).toEqual({
        'eu-west-1': { 'Fn::GetAtt': [expect.stringMatching(/^ImageKey/), 'Arn'] },
        'us-east-1': PROD_KEY_ARN,
      });
    });

    test('given a key of this app, then its policy lets the build account\'s Auto Scaling role use it, '
      + 'and the other account use it and grant it to its own', () => {
      const { template } = encrypted();
      const [, imageKey] = Object.entries(template.findResources('AWS::KMS::Key')).find(([logicalId]) => logicalId.startsWith('ImageKey'))!;
      const policy = imageKey.Properties.KeyPolicy.Statement;
      const forPrincipal = (fragment: string) => policy.filter((statement: any) => JSON.stringify(statement.Principal).includes(fragment));
      expect(forPrincipal(AUTO_SCALING_ROLE('111111111111')).map((statement: any) => [statement.Action, statement.Condition])).toEqual([
        [['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], undefined],
        ['kms:CreateGrant', { Bool: { 'kms:GrantIsForAWSResource': true } }],
      ]);
      const qa = forPrincipal(':iam::222222222222:root');
      expect(qa.map((statement: any) => statement.Action)).toEqual([
        ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        'kms:CreateGrant',
      ]);
      expect(qa[1].Condition).toEqual({ Bool: { 'kms:GrantIsForAWSResource': true } });
      expect(JSON.stringify(qa[2].Condition.StringEquals['kms:GranteePrincipal'])).toContain(AUTO_SCALING_ROLE('222222222222'));
      expect(forPrincipal('333333333333')).toEqual([]);
    });

    test('given an imported key, then synthesis warns that its policy must let the environments\' accounts launch from it', () => {
      const { pipelineStack } = encrypted();

      Annotations.fromStack(pipelineStack).hasWarning('/Pipeline/ProdImageKey', Match.stringLikeRegexp(
        `The policy of imported key ${PROD_KEY_ARN} cannot be changed by this app. For environments in accounts 333333333333 to launch`));
    });

    test('given keys that leave an environment\'s region unencrypted, then it fails naming the regions and environments, unless that region is listed as unencrypted', () => {
      const { pipelineStack, promotion } = threeAccountPromotion();
      const key = new kms.Key(pipelineStack, 'ImageKey', { enableKeyRotation: true });

      expect(() => promotion.distributeImages(recipeIn(pipelineStack), { encryptionKeys: [key] })).toThrow(
        'encryptionKeys encrypt the copies in eu-west-1, but not in us-east-1, where environments prod run: add a key of each of those regions, '
        + 'or list them in unencryptedRegions to keep the build\'s encryption there');
      expect(() => promotion.distributeImages(recipeIn(pipelineStack, 'Listed'), { encryptionKeys: [key], unencryptedRegions: ['us-east-1'] })).not.toThrow();
    });

    test('given two keys in one region, then it fails naming both', () => {
      const { pipelineStack, promotion } = threeAccountPromotion();
      const keys = ['One', 'Two'].map((id) => new kms.Key(pipelineStack, id, { enableKeyRotation: true }));

      expect(() => promotion.distributeImages(recipeIn(pipelineStack), { encryptionKeys: keys }))
        .toThrow('encryptionKeys: keys Pipeline/One and Pipeline/Two are both in region eu-west-1; Image Builder encrypts a region\'s copies with one key');
    });

    test('given a key in a region where no environment runs, then it fails naming the key and the regions', () => {
      const { pipelineStack, promotion } = threeAccountPromotion();
      const key = kms.Key.fromKeyArn(pipelineStack, 'Elsewhere', 'arn:aws:kms:ap-south-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');

      expect(() => promotion.distributeImages(recipeIn(pipelineStack), { encryptionKeys: [key] }))
        .toThrow('encryptionKeys: key Pipeline/Elsewhere is in region ap-south-1, where no environment runs (eu-west-1, us-east-1)');
    });

    test('given a key of this app in another region than the recipe, then it fails saying to give it by ARN', () => {
      const { app, pipelineStack, promotion } = threeAccountPromotion();
      const key = new kms.Key(new Stack(app, 'Keys', { env: { account: '111111111111', region: 'us-east-1' } }), 'Key', { enableKeyRotation: true });

      expect(() => promotion.distributeImages(recipeIn(pipelineStack), { encryptionKeys: [key] }))
        .toThrow(/^encryptionKeys: key Keys\/Key is in account 111111111111, region us-east-1, but the recipe's stack Pipeline is in account 111111111111, region eu-west-1: give it by ARN/);
    });
  });
});
