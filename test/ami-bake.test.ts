import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_ec2 as ec2, aws_s3 as s3 } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CodeBuildSimulation } from '../scripts/lib/journey/pipeline/codebuild';
import {
  AmiBake, ApplicationImageRecipe, ApplicationImageRecipeProps, BaseImage, EnvironmentPromotion, PromotionApproval, PromotionEnvironment,
  VulnerabilityPolicy, VulnerabilitySeverity,
} from '../src';
import { onlyOfType } from './helpers/deployment-stack';
import { awsSolutionsFindings } from './helpers/nag';
import { webBuild, webRecipe } from './helpers/pipeline-app';
import { PIPELINE_ENV, QA_ENV, environmentStack, pipelineWithSource } from './helpers/promotion-app';
import { target } from './helpers/release-workflow';

/**
 * A pipeline of the user's: a source, the build step of `PipelineBuild`, the bake and a promotion
 * into dev (in the pipeline's account and region unless told otherwise).
 */
function userPipelineWithBake(devEnv: typeof PIPELINE_ENV = PIPELINE_ENV, dev: Partial<PromotionEnvironment> = {},
  recipeProps: Partial<ApplicationImageRecipeProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const { pipeline, releaseManifest: source } = pipelineWithSource(stack);
  const built = new codepipeline.Artifact('Built');
  const build = webBuild();
  pipeline.addStage({
    stageName: 'Build',
    actions: [new actions.CodeBuildAction({ actionName: 'Build', project: build.createProject(stack, 'Build'), input: source.artifact, outputs: [built] })],
  });
  const recipe = webRecipe(stack, recipeProps);
  const bake = new AmiBake(stack, 'Bake', { recipe });
  const releaseManifest = bake.addToPipeline(pipeline, {
    input: built, applicationDirectory: build.applicationDirectory, commitId: '#{Source.VersionId}', commitMessage: 'Object version #{Source.VersionId}',
  });
  const promotion = new EnvironmentPromotion(stack, 'Promotion', {
    environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', devEnv).deployment, ...dev }],
  });
  promotion.addToPipeline(pipeline, { releaseManifest });
  return { app, stack, bake, recipe, promotion, releaseManifest };
}

describe('AmiBake in a pipeline of the user\'s', () => {
  test('given the build step and a build output, then a Bake stage packages, bakes and writes the release manifest the promotion reads', () => {
    const { stack, releaseManifest } = userPipelineWithBake();
    const stages = onlyOfType(Template.fromStack(stack), 'AWS::CodePipeline::Pipeline').Properties.Stages;

    expect(stages.map((stage: any) => stage.Name)).toEqual(['Source', 'Build', 'Bake', 'dev']);
    expect(stages[2].Actions.map((action: any) => action.Name)).toEqual(['Package', 'Bake', 'Manifest']);
    expect(stages[2].Actions[0].InputArtifacts).toEqual([{ Name: 'Built' }]);
    expect([releaseManifest.artifact.artifactName, releaseManifest.fileName]).toEqual(['BakeOutput', 'release.json']);
    expect(stages[3].Actions[0].InputArtifacts).toEqual([{ Name: 'BakeOutput' }]);
  });

  test('given an environment with an approval and a vulnerability policy, then the manifest step exports the manifest\'s findings summary, which the approval tells with the policy', () => {
    const policy = VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH, {
      acceptedVulnerabilities: [{ vulnerabilityId: 'CVE-2026-1001', reason: 'Not reachable here; SEC-42' }],
    });
    const approved = { approval: PromotionApproval.manual(), vulnerabilities: policy };
    const { stack } = userPipelineWithBake(PIPELINE_ENV, approved, { vulnerabilityScanning: true });
    const template = Template.fromStack(stack);
    const [bake, dev] = onlyOfType(template, 'AWS::CodePipeline::Pipeline').Properties.Stages.slice(2);
    const manifestStep = bake.Actions.find((action: any) => action.Name === 'Manifest');
    const project = Object.entries(template.findResources('AWS::CodeBuild::Project'))
      .find(([logicalId]) => stack.resolve(manifestStep.Configuration.ProjectName).Ref === logicalId)![1];

    // The step's buildspec, run in bash against a bake's output.
    const bakeExecution = 'arn:aws:states:eu-west-1:111111111111:execution:bake:1';
    const output = JSON.stringify({ findingsSummary: 'x86_64: 0 critical, 1 high, 2 medium, 9 in all', images: {} });
    const run = new CodeBuildSimulation(mkdtempSync(join(tmpdir(), 'manifest-s3-')), () => ({ [bakeExecution]: output }))
      .run(project.Properties.Source.BuildSpec, undefined, { BAKE_EXECUTION_ARN: bakeExecution });
    expect(run.variables).toEqual({ IMAGE_FINDINGS: 'x86_64: 0 critical, 1 high, 2 medium, 9 in all' });
    expect(manifestStep.Namespace).toBe('Bake-Manifest');
    expect(dev.Actions[0].Configuration.CustomData).toBe('Release of pipeline execution #{codepipeline.PipelineExecutionId}, into dev. '
      + 'Image findings: #{Bake-Manifest.IMAGE_FINDINGS}. dev refuses findings at or above HIGH but the 1 it accepts.');
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

  test('given the build step and the bake in a pipeline of the user\'s, then cdk-nag finds nothing on what they create', () => {
    const { app } = userPipelineWithBake();
    const ours = ['Pipeline/Build/', 'Pipeline/Bake/', 'Pipeline/Pipeline/Build/', 'Pipeline/Pipeline/Bake/'];

    expect(awsSolutionsFindings(app).filter((finding) => ours.some((prefix) => finding.path.startsWith(prefix)))).toEqual([]);
  });

  test('given a recipe whose artifact is a zip archive, then construction fails: the bake installs tar.gz archives, which it could not unpack', () => {
    const stack = new Stack(new App(), 'Pipeline', { env: PIPELINE_ENV });
    const recipe = new ApplicationImageRecipe(stack, 'Image', {
      applicationName: 'web',
      artifact: { bucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), key: 'web/web-1.0.0.zip' },
      startCommand: '/opt/web/bin/server',
    });

    expect(() => new AmiBake(stack, 'Bake', { recipe })).toThrow('Pipeline/Bake: recipe Pipeline/Image unpacks zip archives (its artifact\'s format), '
      + 'but the bake installs the tar.gz archives its package step makes, so every build would fail to unpack them');
  });

  describe('given an environment given by its release target alone', () => {
    const BOTH = [ec2.InstanceArchitecture.X86_64, ec2.InstanceArchitecture.ARM_64];

    function bakeForTarget(architecture: ec2.InstanceArchitecture | undefined, architectures = BOTH) {
      const app = new App();
      const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
      const { pipeline, releaseManifest: source } = pipelineWithSource(stack);
      const recipes = architectures.map((arch) => new ApplicationImageRecipe(stack, `Image-${arch}`, {
        applicationName: 'web', startCommand: '/opt/web/bin/server', baseImage: BaseImage.amazonLinux2023(arch),
      }));
      const releaseManifest = new AmiBake(stack, 'Bake', { recipes }).addToPipeline(pipeline, {
        input: source.artifact, applicationDirectory: 'dist', commitId: '#{Source.VersionId}', commitMessage: 'Object version',
      });
      const legacy = { ...target({ account: PIPELINE_ENV.account, region: PIPELINE_ENV.region }), architecture };
      new EnvironmentPromotion(stack, 'Promotion', { environments: [{ name: 'legacy', target: legacy }] }).addToPipeline(pipeline, { releaseManifest });
      return app;
    }

    test('given recipes for x86_64 and arm64 and no architecture on the target, then synthesis fails: the release could not choose between the AMIs', () => {
      expect(() => bakeForTarget(undefined).synth()).toThrow('Environment legacy (stack web-prod) has no known architecture, and the bake makes an AMI for each of '
        + 'x86_64, arm64: give its release target an architecture');
    });

    test('given an arm64 target and only an x86_64 recipe, then synthesis fails naming the architecture and the recipes', () => {
      const app = bakeForTarget(ec2.InstanceArchitecture.ARM_64, [ec2.InstanceArchitecture.X86_64]);

      expect(() => app.synth()).toThrow("Environment legacy (stack web-prod) runs arm64 instances (its target's architecture), but no recipe bakes arm64 images, "
        + 'only Pipeline/Image-x86_64 (x86_64)');
    });

    test('given recipes for x86_64 and arm64 and an arm64 target, then it synthesizes', () => {
      expect(() => bakeForTarget(ec2.InstanceArchitecture.ARM_64).synth()).not.toThrow();
    });
  });
});
