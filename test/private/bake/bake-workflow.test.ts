import { App, Duration, Stack, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runBakeLocally } from '../../../scripts/lib/bake-simulation';
import { TaskFailure, TaskFake, allStates, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { AslDefinition, validateDefinition } from '../../../scripts/lib/state-machines';
import { ApplicationImageRecipe, BaseImage, ImageOperatingSystem, ImageRetention } from '../../../src';
import { BakeWorkflow } from '../../../src/private/bake/bake-workflow';
import { expectReleasesWithin } from '../../../src/private/image/release-waits';
import {
  ACCOUNT, AMIS, BAKE, BAKED, BUILD, BUILD_DISTRIBUTION, DISTRIBUTIONS, ENV, MANIFEST_IMAGES, PARENT, REGION,
  bakeDefinition, bakeStack, buildStates, image, missFakes, onlyBuild,
} from '../../helpers/bake-workflow';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../../helpers/nag';
import { recipeStack } from '../../helpers/recipe-stack';

describe('BakeWorkflow', () => {
  describe('execution', () => {
    test('given an image already baked with the fingerprint, then it is reused: no recipe, no build', async () => {
      const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: BAKED, Tags: [] }] });
      const execution = await runBakeLocally(bakeDefinition(), BAKE, { ...missFakes(), FindBakedImage: baked });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.CreateBuildRecipe).toBeUndefined();
      expect(execution.calls.CreateBuildDistribution).toBeUndefined();
      expect(execution.calls.CreateImage).toBeUndefined();
      expect(execution.calls.ReadBakedImage).toEqual([{ ImageBuildVersionArn: BAKED }]);
      expect(execution.output).toEqual({
        version: BAKE.version,
        commitId: BAKE.commitId,
        commitMessage: BAKE.commitMessage,
        pipelineExecutionId: BAKE.pipelineExecutionId,
        // The archive's content hash, which releases write to each environment's ledger, and instances carry.
        contentHash: BAKE.contentHash,
        builds: [{
          architecture: 'x86_64',
          fingerprint: `${BAKE.contentHash}|CFN_ATT_ImageRecipeB8913708_Arn|${PARENT}`,
          reused: true,
          reuse: { decision: 'REUSED' },
          imageBuildVersionArn: BAKED,
          // The default recipe scans nothing.
          scan: { status: 'NOT_SCANNED', reason: expect.stringMatching(/^Recipe \S+ does not scan its images \(vulnerabilityScanning is off\)$/) },
        }],
        findingsSummary: 'x86_64: not scanned',
        images: MANIFEST_IMAGES,
      });
    });

    test('given the only image of the fingerprint lacks a copy the recipe distributes to now (an environment was added), then it is built again, and the manifest says which copy was missing', async () => {
      const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: BAKED, Tags: [] }] });
      const incomplete = () => ({ Image: { Arn: BAKED, State: { Status: 'AVAILABLE' }, OutputResources: { Amis: AMIS.slice(0, 1) } } });
      const definition = bakeDefinition({}, { distributionTargets: [{ region: 'us-east-1', copyToAccounts: ['222222222222'] }] });
      const execution = await runBakeLocally(definition, BAKE, { ...missFakes(), FindBakedImage: baked, ReadBakedImage: incomplete });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.CreateImage).toHaveLength(1);
      expect(onlyBuild(execution)).toMatchObject({
        reused: false,
        reuse: { decision: 'REBUILT_FOR_MISSING_COPIES', missing: [`${ACCOUNT}/us-east-1`, '222222222222/us-east-1'] },
        imageBuildVersionArn: BUILD,
      });
    });

    describe('given a promotion that may release the recipe\'s images up to 20 days after their build, and a lifecycle policy that deletes them 37 days after their build (deprecated at 30, then a week\'s grace)', () => {
      const DAY = 24 * 60 * 60 * 1000;
      function agedBake(ageDays: number) {
        const { stack, recipe } = bakeStack({}, { imageRetention: ImageRetention.age(Duration.days(30)) });
        expectReleasesWithin(recipe, () => 20 * 24 * 60);
        const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: BAKED, Tags: [] }] });
        const aged = () => ({
          Image: {
            Arn: BAKED, State: { Status: 'AVAILABLE' }, OutputResources: { Amis: AMIS }, DateCreated: new Date(Date.now() - ageDays * DAY).toISOString(),
          },
        });
        const definition = stateMachineDefinition(Template.fromStack(stack).toJSON());
        return runBakeLocally(definition, BAKE, { ...missFakes(), FindBakedImage: baked, ReadBakedImage: aged });
      }

      test('when the image is 16 days old, then it is reused', async () => {
        const execution = await agedBake(16);

        expect(execution.calls.CreateImage).toBeUndefined();
        expect(onlyBuild(execution)).toMatchObject({ reused: true, reuse: { decision: 'REUSED' }, imageBuildVersionArn: BAKED });
      });

      test('when the image is 18 days old, then it is built again, since it could be deleted before the last environment releases it, and the manifest names the image passed over', async () => {
        const execution = await agedBake(18);

        expect(execution.calls.CreateImage).toHaveLength(1);
        expect(onlyBuild(execution)).toMatchObject({
          reused: false,
          reuse: { decision: 'REBUILT_NEAR_DELETION', newest: { arn: BAKED, created: expect.any(String) } },
          imageBuildVersionArn: BUILD,
        });
      });
    });

    test('given two images of the fingerprint, one failed and one complete, then the complete one is reused', async () => {
      const failedBuild = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/web-failed-build/1.0.0/1`;
      const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: failedBuild, Tags: [] }, { ResourceARN: BAKED, Tags: [] }] });
      const read: TaskFake = (input) => (input.ImageBuildVersionArn === BAKED ? image(BAKED, 'AVAILABLE')() : image(failedBuild, 'FAILED')());
      const execution = await runBakeLocally(bakeDefinition(), BAKE, { ...missFakes(), FindBakedImage: baked, ReadBakedImage: read });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.CreateImage).toBeUndefined();
      expect(onlyBuild(execution)).toMatchObject({ reused: true, imageBuildVersionArn: BAKED });
    });

    test('given nothing baked with the fingerprint, then a recipe version bound to the artifact is built with a distribution of its own, and waited for', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, missFakes());

      expect(execution.status).toBe('SUCCEEDED');
      const [recipe] = execution.calls.CreateBuildRecipe as any[];
      expect(recipe.Name).toMatch(/-[0-9a-f-]{36}$/);
      expect(recipe).toMatchObject({ SemanticVersion: '1.0.0', AdditionalInstanceConfiguration: { SystemsManagerAgent: { UninstallAfterBuild: false } } });
      expect(recipe.Components.filter((component: any) => component.Parameters)).toEqual([
        { ComponentArn: expect.any(String), Parameters: [{ Name: 'ArtifactS3Uri', Value: [BAKE.artifact] }] },
      ]);
      const [build] = execution.calls.CreateImage as any[];
      expect(build).toMatchObject({
        ImageRecipeArn: expect.stringContaining(recipe.Name),
        ImageTestsConfiguration: { ImageTestsEnabled: true, TimeoutMinutes: 60 },
        EnhancedImageMetadataEnabled: true,
        DistributionConfigurationArn: BUILD_DISTRIBUTION,
        Tags: { 'immutable-servers:fingerprint': onlyBuild(execution).fingerprint, 'immutable-servers:image-group': expect.any(String) },
      });
      expect(execution.calls.ReadBuild).toHaveLength(4);
      expect(execution.calls.DeleteBuildDistribution).toEqual([{ DistributionConfigurationArn: BUILD_DISTRIBUTION }]);
      expect(onlyBuild(execution)).toMatchObject({ reused: false, reuse: { decision: 'BUILT_NO_IMAGE' }, imageBuildVersionArn: BUILD });
      expect(execution.output).toMatchObject({ images: MANIFEST_IMAGES });
      expect(execution.calls.DeleteBuildRecipe).toEqual([{ ImageRecipeArn: expect.stringMatching(new RegExp(`^arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image-recipe/`)) }]);
    });

    test.each([true, false])('given a recipe with vulnerabilityScanning %s, then the bake\'s own image build asks Image Builder to scan it or not alike',
      async (vulnerabilityScanning) => {
        const execution = await runBakeLocally(bakeDefinition({}, { vulnerabilityScanning }), BAKE, missFakes());

        expect(execution.status).toBe('SUCCEEDED');
        const scanning = (execution.calls.CreateImage as any[]).map((build) => build.ImageScanningConfiguration);
        expect(scanning).toEqual([{ ImageScanningEnabled: vulnerabilityScanning }]);
      });

    test('given a new image, then every distribution of the recipe tags its AMI copies with the fingerprint and the build\'s provenance', async () => {
      const commitMessage = `Rework the router\n\n${'Long explanation. '.repeat(20)}`;
      const execution = await runBakeLocally(bakeDefinition(), { ...BAKE, commitMessage }, missFakes());
      const [distribution] = execution.calls.CreateBuildDistribution as any[];
      const provenance = {
        'immutable-servers:fingerprint': onlyBuild(execution).fingerprint,
        'immutable-servers:artifact-content-hash': BAKE.contentHash,
        'immutable-servers:release-version': BAKE.version,
        'immutable-servers:commit-id': BAKE.commitId,
        'immutable-servers:commit-message': commitMessage.slice(0, 256),
        'immutable-servers:pipeline-execution-id': BAKE.pipelineExecutionId,
      };

      expect(distribution.Name).toBe((execution.calls.CreateBuildRecipe![0] as any).Name);
      expect(distribution.Distributions).toEqual(DISTRIBUTIONS.map((target) => ({
        ...target,
        AmiDistributionConfiguration: { ...target.AmiDistributionConfiguration, AmiTags: { 'immutable-servers:image-group': 'web', ...provenance } },
      })));
    });

    test('given the build\'s distribution cannot be deleted, then the bake still succeeds', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, {
        ...missFakes(),
        DeleteBuildDistribution: () => {
          throw new TaskFailure('Imagebuilder.ResourceDependencyException', 'The distribution configuration is in use');
        },
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.DeleteBuildDistribution).toHaveLength(1);
    });

    test('given a baked image the lifecycle policy has since deprecated, then it is built again', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, {
        ...missFakes(),
        FindBakedImage: () => ({ ResourceTagMappingList: [{ ResourceARN: BAKED, Tags: [] }] }),
        ReadBakedImage: image(BAKED, 'DEPRECATED'),
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.CreateImage).toHaveLength(1);
      expect(onlyBuild(execution)).toMatchObject({ reused: false });
    });

    test('given a bake, then what it fingerprints is the artifact\'s content hash, the recipe\'s ARN and the parent image resolved now', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, missFakes());

      expect(onlyBuild(execution).fingerprint).toBe(`${BAKE.contentHash}|CFN_ATT_ImageRecipeB8913708_Arn|${PARENT}`);
      expect(execution.calls.FindBakedImage).toEqual([{
        TagFilters: [{ Key: 'immutable-servers:fingerprint', Values: [onlyBuild(execution).fingerprint] }],
        ResourceTypeFilters: ['imagebuilder:image'],
      }]);
    });

    test('given the fingerprint state, then it is the SHA-256 of that text', () => {
      expect(Object.fromEntries(allStates(bakeDefinition())).Fingerprint.Parameters['value.$'])
        .toBe("States.Hash(States.Format('{}|CFN_ATT_ImageRecipeB8913708_Arn|{}', $.contentHash, $.parentImage.id), 'SHA-256')");
    });

    test('given a build that fails, then the bake fails with the build, its reason and where its logs are', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, { ...missFakes(), ReadBuild: buildStates('BUILDING', 'FAILED') });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageBuildFailed' });
      const recipeName = (execution.calls.CreateBuildRecipe![0] as any).Name;
      expect(execution.cause).toBe(`The image build failed: image build ${BUILD} is FAILED. Its logs are in CloudWatch log group /aws/imagebuilder/${recipeName} `
        + 'and under s3 prefix builds/ of the recipe\'s build logs bucket; its state: {"Status":"FAILED","Reason":"Component web-app failed: health check got 503"}');
      expect(execution.calls.DeleteBuildDistribution).toEqual([{ DistributionConfigurationArn: BUILD_DISTRIBUTION }]);
    });

    test('given a build someone cancelled, then the bake fails saying so', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, { ...missFakes(), ReadBuild: buildStates('BUILDING', 'CANCELLED') });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageBuildCancelled' });
      expect(execution.cause).toMatch(/^The image build was cancelled: image build .* is CANCELLED\./);
    });

    test('given a build still in progress at the timeout, then it is cancelled and the bake fails naming it', async () => {
      const execution = await runBakeLocally(bakeDefinition({ timeout: Duration.minutes(30) }), BAKE, { ...missFakes(), ReadBuild: buildStates('BUILDING') });

      expect(execution).toMatchObject({ status: 'FAILED', error: 'BakeTimedOut' });
      expect(execution.calls.ReadBuild).toHaveLength(30);
      expect(execution.calls.CancelBuild).toEqual([{ ImageBuildVersionArn: BUILD, ClientToken: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
      expect(execution.calls.DeleteCancelledBuildDistribution).toEqual([{ DistributionConfigurationArn: BUILD_DISTRIBUTION }]);
      expect(execution.cause).toMatch(new RegExp(`^The image build ${BUILD} did not finish within 30 minutes and was cancelled\\.`));
    });

    test('given throttled Image Builder calls, then they are retried and the bake succeeds', async () => {
      let throttles = 2;
      const fakes = missFakes();
      const execution = await runBakeLocally(bakeDefinition(), BAKE, {
        ...fakes,
        CreateImage: (input) => {
          if (throttles-- > 0) {
            throw new TaskFailure('Imagebuilder.CallRateLimitExceededException', 'You have exceeded the permitted request rate for the specific operation.');
          }
          return fakes.CreateImage(input);
        },
      });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.CreateImage).toHaveLength(3);
    });
  });

  describe('two architectures', () => {
    const ARM_BUILD = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:image/web-arm-build/1.0.0/1`;
    const ARM_AMIS = [{ Region: REGION, Image: 'ami-0armarmarmarmarm0', AccountId: ACCOUNT }];

    function twoArchitectureDefinition(): AslDefinition {
      const { stack, recipe } = recipeStack({}, undefined, { env: ENV });
      const arm = new ApplicationImageRecipe(stack, 'ArmImage', {
        applicationName: 'web',
        artifact: { bucket: s3.Bucket.fromBucketName(stack, 'ArmArtifacts', 'artifacts'), key: 'web/web-1.0.0.tar.gz' },
        startCommand: '/opt/web/bin/server',
        baseImage: BaseImage.amazonLinux2023(ec2.InstanceArchitecture.ARM_64),
      });
      new BakeWorkflow(stack, 'Bake', { recipes: [recipe, arm] });
      return stateMachineDefinition(Template.fromStack(stack).toJSON());
    }

    /** The fakes of each branch, under its state names; the arm64 build makes its own image and AMIs. */
    function twoArchitectureFakes(overrides: Record<string, TaskFake> = {}): Record<string, TaskFake> {
      const arm: Record<string, TaskFake> = {
        ...missFakes(),
        CreateImage: () => ({ ImageBuildVersionArn: ARM_BUILD }),
        ReadBuild: () => ({ Image: { Arn: ARM_BUILD, State: { Status: 'AVAILABLE' } } }),
        ReadBuiltImage: () => ({ Image: { Arn: ARM_BUILD, State: { Status: 'AVAILABLE' }, OutputResources: { Amis: ARM_AMIS } } }),
      };
      const prefixed = (prefix: string, fakes: Record<string, TaskFake>) => Object.fromEntries(Object.entries(fakes).map(([name, fake]) => [`${prefix}-${name}`, fake]));
      return { ...prefixed('x86_64', missFakes()), ...prefixed('arm64', arm), ...overrides };
    }

    test('given recipes for x86_64 and arm64, then one bake builds both, each with its own recipe, and the manifest keys each AMI by account, region and architecture', async () => {
      const execution = await runBakeLocally(twoArchitectureDefinition(), BAKE, twoArchitectureFakes());

      expect(execution.status).toBe('SUCCEEDED');
      const [x86Build] = execution.calls['x86_64-CreateImage'] as any[];
      const [armBuild] = execution.calls['arm64-CreateImage'] as any[];
      expect(x86Build.InfrastructureConfigurationArn).not.toEqual(armBuild.InfrastructureConfigurationArn);
      expect((execution.calls['arm64-CreateBuildRecipe'] as any[])[0].ParentImage).toContain('amazon-linux-2023-arm64');
      expect(execution.output).toMatchObject({
        images: { ...MANIFEST_IMAGES, [`${ACCOUNT}/${REGION}/arm64`]: ARM_AMIS[0].Image },
        builds: [
          { architecture: 'x86_64', reused: false, imageBuildVersionArn: BUILD },
          { architecture: 'arm64', reused: false, imageBuildVersionArn: ARM_BUILD },
        ],
      });
      expect((execution.output as any).builds[0].fingerprint).not.toEqual((execution.output as any).builds[1].fingerprint);
    });

    test('given the x86_64 image already baked, then only the arm64 image is built', async () => {
      const baked = () => ({ ResourceTagMappingList: [{ ResourceARN: BAKED, Tags: [] }] });
      const execution = await runBakeLocally(twoArchitectureDefinition(), BAKE, twoArchitectureFakes({ 'x86_64-FindBakedImage': baked }));

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls['x86_64-CreateImage']).toBeUndefined();
      expect(execution.calls['arm64-CreateImage']).toHaveLength(1);
      expect((execution.output as any).builds).toMatchObject([{ reused: true, imageBuildVersionArn: BAKED }, { reused: false }]);
    });

    test('given one architecture\'s build fails, then the bake fails with that build once the other build has ended and been cleaned up', async () => {
      const execution = await runBakeLocally(twoArchitectureDefinition(), BAKE, twoArchitectureFakes({
        'arm64-ReadBuild': () => ({ Image: { Arn: ARM_BUILD, State: { Status: 'FAILED', Reason: 'Component web-app failed' } } }),
      }));

      expect(execution).toMatchObject({ status: 'FAILED', error: 'ImageBuildFailed' });
      expect(execution.cause).toContain(ARM_BUILD);
      expect(execution.calls['x86_64-ReadBuild']).toHaveLength(4);
      expect(execution.calls['x86_64-DeleteBuildRecipe']).toHaveLength(1);
    });

    test('given two recipes, then each is a branch of one Parallel state, its state names starting with its architecture, and asl-validator finds nothing wrong', () => {
      const definition = twoArchitectureDefinition();
      const branches = definition.States.BakeEachArchitecture.Branches;

      expect(branches.map((branch: any) => branch.StartAt)).toEqual(['x86_64-ResolveParentImage', 'arm64-ResolveParentImage']);
      expect(Object.keys(branches[1].States).every((name) => name.startsWith('arm64-'))).toBe(true);
      expect(validateDefinition(definition)).toEqual([]);
    });
  });

  describe('parent image', () => {
    test('given an SSM parameter parent, then its value is the parent image of the fingerprint', async () => {
      const definition = bakeDefinition({}, { baseImage: BaseImage.fromSsmParameter('/golden/web-base', ImageOperatingSystem.LINUX) });
      const execution = await runBakeLocally(definition, BAKE, { ...missFakes(), ResolveParentImage: () => ({ Parameter: { Name: '/golden/web-base', Value: 'ami-0abcdef1234567890' } }) });

      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.calls.ResolveParentImage).toEqual([{ Name: '/golden/web-base' }]);
    });

    test('given a managed parent, then it is resolved with its x.x.x ARN, to the newest available version', async () => {
      const execution = await runBakeLocally(bakeDefinition(), BAKE, missFakes());

      // The test helper stands in us-east-1 for the stack's AWS::Region.
      expect(execution.calls.ResolveParentImage).toEqual([{ ImageBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2023-x86/x.x.x' }]);
    });
  });

  describe('definition and permissions', () => {
    test('given a bake, then asl-validator finds nothing wrong', () => {
      expect(validateDefinition(bakeDefinition())).toEqual([]);
    });

    test('given a bake, then cdk-nag finds nothing, every acknowledgement saying why', () => {
      // A fresh app: cdk-nag runs as a validation plugin on the app's first synthesis.
      const app = bakeStack().stack.node.root as App;

      expect(awsSolutionsFindings(app)).toEqual([]);
      expect(nagAcknowledgements(app).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
    });

    test('given a bake, then its role may cancel only this recipe\'s builds, manage only its builds\' distributions, and tag nothing itself', () => {
      const statements = Object.values(Template.fromStack(bakeStack().stack).findResources('AWS::IAM::Policy'))
        .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
      const named = (action: string) => statements.filter((statement: any) => [statement.Action].flat().includes(action));

      expect(named('imagebuilder:CancelImageCreation')).toHaveLength(1);
      const [distributions] = named('imagebuilder:CreateDistributionConfiguration');
      expect(distributions.Action).toEqual(['imagebuilder:CreateDistributionConfiguration', 'imagebuilder:GetDistributionConfiguration',
        'imagebuilder:DeleteDistributionConfiguration']);
      expect(JSON.stringify(distributions.Resource)).toMatch(/:distribution-configuration\/[^"]*-\*"/);
      expect(named('ec2:CreateTags')).toEqual([]);
    });
  });

  describe('bad input', () => {
    test.each([
      [Duration.minutes(20), '20 minutes'],
      [Duration.hours(25), '1 day 1 hour'],
    ])('given a timeout of %s, then synthesis fails naming it', (timeout, shown) => {
      expect(() => bakeStack({ timeout })).toThrow('The bake timeout must be between 30 minutes (an image build with its tests takes longer) '
        + `and 1 day (Image Builder's own bound), got ${shown}`);
    });

    test('given a bake in another region than its recipe, then synthesis fails naming both', () => {
      const { recipe, stack } = recipeStack({}, undefined, { env: ENV });
      const elsewhere = new Stack(stack.node.root as any, 'Elsewhere', { env: { account: ACCOUNT, region: 'us-east-1' } });

      expect(() => new BakeWorkflow(elsewhere, 'Bake', { recipes: [recipe] }))
        .toThrow(`The bake workflow must be in the account and region of its recipe's stack Stack (account ${ACCOUNT}, region ${REGION}), as it builds there; `
          + `its stack is in account ${ACCOUNT}, region us-east-1`);
    });
  });
});
