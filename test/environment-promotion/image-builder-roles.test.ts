import { Stack, aws_ec2 as ec2, aws_kms as kms, aws_s3 as s3 } from 'aws-cdk-lib';
import { evaluate } from '../../scripts/lib/journey/iam-policy';
import { ApplicationImageRecipe, BaseImage, PromotionImageDistributionOptions } from '../../src';
import { deployedStack } from '../helpers/deployed-app';
import { awsSolutionsFindings } from '../helpers/nag';
import { PIPELINE_ENV, PROD_ENV, QA_ENV, threeAccountPromotion } from '../helpers/promotion-app';

const BUILD_ACCOUNT = PIPELINE_ENV.account;
const IMAGE_BUILDER = `arn:aws:iam::${BUILD_ACCOUNT}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;

function recipeIn(stack: Stack, id = 'Image', baseImage?: BaseImage): ApplicationImageRecipe {
  return new ApplicationImageRecipe(stack, id, {
    applicationName: 'web',
    artifact: { bucket: s3.Bucket.fromBucketName(stack, `${id}Artifacts`, 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
    startCommand: '/opt/web/bin/server',
    baseImage,
  });
}

/** dev in the build account, qa and prod in accounts of their own, each recipe distributed with the options. */
function distributed(options: (stack: Stack) => PromotionImageDistributionOptions = () => ({})) {
  const setup = threeAccountPromotion();
  setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest });
  setup.promotion.distributeImages(recipeIn(setup.pipelineStack), options(setup.pipelineStack));
  const accessStacks = setup.app.node.children.filter((child): child is Stack => child instanceof Stack && child.node.id.startsWith('ImageBuilderAccess-'));
  return { ...setup, accessStacks };
}

/** Whether a trust policy's statements let a request be made, as IAM evaluates their conditions. */
function trusts(trust: any[], context: Record<string, string>): boolean {
  return evaluate(trust.map(({ Principal: _principal, ...statement }) => ({ ...statement, Resource: '*' })),
    { action: 'sts:AssumeRole', resource: '*', context }) === 'ALLOWED';
}

describe('EnvironmentPromotion.distributeImages: what Image Builder needs in the environments\' accounts', () => {
  test('given environments in two accounts other than the recipe\'s, then each gets a stack with the two roles Image Builder looks up by name, deployed before the recipe', () => {
    const { accessStacks, pipelineStack } = distributed();

    expect(accessStacks.map((stack) => [stack.node.id, stack.account, stack.region])).toEqual([
      [`ImageBuilderAccess-${QA_ENV.account}`, QA_ENV.account, QA_ENV.region],
      [`ImageBuilderAccess-${PROD_ENV.account}`, PROD_ENV.account, PROD_ENV.region],
    ]);
    expect(pipelineStack.dependencies).toEqual(expect.arrayContaining(accessStacks));
    for (const stack of accessStacks) {
      const roles = Object.values<any>(deployedStack(stack.node.root as any, stack.stackName).stack.template.Resources);
      expect(roles.map((role) => [role.Properties.RoleName, role.Properties.ManagedPolicyArns])).toEqual([
        ['EC2ImageBuilderDistributionCrossAccountRole', [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess']] }]],
        ['Ec2ImageBuilderCrossAccountLifecycleAccess', [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy']] }]],
      ]);
    }
  });

  test('given the distribution role, then only the build account\'s Image Builder may assume it, not another role of that account', () => {
    const { app } = distributed();
    const [distribution] = deployedStack(app, `ImageBuilderAccess-${QA_ENV.account}`).roles;
    const trust = distribution.trust();

    expect(trust.map((statement) => statement.Principal)).toEqual([{ AWS: [`arn:aws:iam::${BUILD_ACCOUNT}:root`] }]);
    expect(trusts(trust, { 'aws:PrincipalArn': IMAGE_BUILDER })).toBe(true);
    expect(trusts(trust, { 'aws:PrincipalArn': `arn:aws:iam::${BUILD_ACCOUNT}:role/Admin` })).toBe(false);
  });

  test('given the lifecycle role, then only Image Builder may assume it, for images of the build account', () => {
    const { app } = distributed();
    const [, lifecycle] = deployedStack(app, `ImageBuilderAccess-${QA_ENV.account}`).roles;
    const trust = lifecycle.trust();
    const image = (account: string) => `arn:aws:imagebuilder:eu-west-1:${account}:image/web/1.0.0/1`;

    expect(trust.map((statement) => statement.Principal)).toEqual([{ Service: 'imagebuilder.amazonaws.com' }]);
    expect(trusts(trust, { 'aws:SourceAccount': BUILD_ACCOUNT, 'aws:SourceArn': image(BUILD_ACCOUNT) })).toBe(true);
    expect(trusts(trust, { 'aws:SourceAccount': '444444444444', 'aws:SourceArn': image('444444444444') })).toBe(false);
  });

  test('given recipes of two architectures, then each account still has one stack and one of each role', () => {
    const setup = threeAccountPromotion();
    setup.promotion.addToPipeline(setup.pipeline, { releaseManifest: setup.releaseManifest });
    setup.promotion.distributeImages(recipeIn(setup.pipelineStack, 'X86'));
    setup.promotion.distributeImages(recipeIn(setup.pipelineStack, 'Arm', BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64)));

    const access = setup.app.node.children.filter((child) => child.node.id.startsWith('ImageBuilderAccess-'));
    expect(access).toHaveLength(2);
    expect(Object.keys(deployedStack(setup.app, `ImageBuilderAccess-${PROD_ENV.account}`).stack.template.Resources)).toHaveLength(2);
  });

  test('given accounts that have the roles already, then no stack creates them there', () => {
    const { accessStacks } = distributed(() => ({ accountsWithImageBuilderRoles: [QA_ENV.account] }));

    expect(accessStacks.map((stack) => stack.account)).toEqual([PROD_ENV.account]);
  });

  test('given encryption keys, then the distribution role may use the build account\'s keys of its copies\' region, and no other', () => {
    const { app } = distributed((stack) => ({
      encryptionKeys: [
        new kms.Key(stack, 'Key', { enableKeyRotation: true }),
        kms.Key.fromKeyArn(stack, 'ProdKey', `arn:aws:kms:${PROD_ENV.region}:${BUILD_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
      ],
    }));
    const [distribution] = deployedStack(app, `ImageBuilderAccess-${PROD_ENV.account}`).roles;
    const decrypt = (key: string) => evaluate(distribution.statements(), { action: 'kms:Decrypt', resource: key });

    expect(decrypt(`arn:aws:kms:${PROD_ENV.region}:${BUILD_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`)).toBe('ALLOWED');
    expect(decrypt(`arn:aws:kms:${PROD_ENV.region}:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab`)).not.toBe('ALLOWED');
    expect(decrypt(`arn:aws:kms:eu-west-1:${BUILD_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`)).not.toBe('ALLOWED');
  });

  test('given cdk-nag, then the roles\' managed policies and key wildcards are acknowledged with reasons', () => {
    const { app } = distributed((stack) => ({ encryptionKeys: [new kms.Key(stack, 'Key', { enableKeyRotation: true })], unencryptedRegions: [PROD_ENV.region] }));

    expect(awsSolutionsFindings(app).filter((finding) => finding.path.startsWith('ImageBuilderAccess-'))).toEqual([]);
  });

  test('given an account id that is not one, then synthesis fails naming it', () => {
    const setup = threeAccountPromotion();
    expect(() => setup.promotion.distributeImages(recipeIn(setup.pipelineStack), { accountsWithImageBuilderRoles: ['2222'] }))
      .toThrow("accountsWithImageBuilderRoles must be 12-digit account ids, got '2222'");
  });
});
