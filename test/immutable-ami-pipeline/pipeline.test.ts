import { App, CfnElement, Duration, Stack, aws_codepipeline as codepipeline, aws_events as events } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stateMachineDefinition } from '../../scripts/lib/local-state-machine';
import { ImmutableAmiPipeline, ImmutableAmiPipelineProps, PipelineBuild, PromotionApproval } from '../../src';
import { onlyOfType, resourcesOfType } from '../helpers/deployment-stack';
import { webBuild, webRecipe, webSource } from '../helpers/pipeline-app';
import { PIPELINE_ENV, environmentStack } from '../helpers/promotion-app';

/** A pipeline of the `web` application through dev and prod, all in the pipeline's account and region. */
function webPipeline(props: Partial<ImmutableAmiPipelineProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const recipe = webRecipe(stack);
  const pipeline = new ImmutableAmiPipeline(stack, 'Web', {
    source: webSource(),
    applicationBuild: webBuild(),
    recipe,
    environments: [
      { name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment, soakPeriod: Duration.minutes(10) },
      { name: 'prod', deployment: environmentStack(app, 'prod', PIPELINE_ENV).deployment, approval: PromotionApproval.manual() },
    ],
    ...props,
  });
  return { app, stack, recipe, pipeline, template: Template.fromStack(stack) };
}

const pipelineOf = (template: Template) => onlyOfType(template, 'AWS::CodePipeline::Pipeline').Properties;
const stage = (template: Template, name: string) => pipelineOf(template).Stages.find((candidate: any) => candidate.Name === name);
/** An action's CodeBuild environment variables by name; references (a join in the template) read `<token>`. */
function envVars(action: any): Record<string, string> {
  const value = action.Configuration.EnvironmentVariables;
  const text = typeof value === 'string' ? value : value['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : '<token>')).join('');
  return Object.fromEntries(JSON.parse(text).map((variable: any) => [variable.name, variable.value]));
}

describe('ImmutableAmiPipeline', () => {
  test('given a source, a build, a recipe and environments, then the pipeline runs source, build, bake, then a stage per environment', () => {
    const { template } = webPipeline();

    expect(pipelineOf(template).Stages.map((candidate: any) => candidate.Name)).toEqual(['Source', 'Build', 'Bake', 'dev', 'prod']);
    expect(stage(template, 'Bake').Actions.map((action: any) => [action.Name, action.RunOrder])).toEqual([['Package', 1], ['Bake', 2], ['Manifest', 3]]);
  });

  test('given defaults, then it is a V2 pipeline that queues overlapping executions; SUPERSEDED can be chosen', () => {
    expect(pipelineOf(webPipeline().template)).toMatchObject({ PipelineType: 'V2', ExecutionMode: 'QUEUED' });
    expect(pipelineOf(webPipeline({ executionMode: codepipeline.ExecutionMode.SUPERSEDED }).template).ExecutionMode).toBe('SUPERSEDED');
  });

  test('given the build\'s files, then the package step hashes and uploads them with the commit\'s provenance from the source\'s variables', () => {
    const { template } = webPipeline();
    const packaging = stage(template, 'Bake').Actions[0];

    expect(envVars(packaging)).toMatchObject({
      APPLICATION_DIRECTORY: 'dist',
      ARTIFACT_PREFIX: 'builds',
      RELEASE_VERSION: '#{codepipeline.PipelineExecutionId}',
      COMMIT_ID: '#{Source.CommitId}',
      COMMIT_MESSAGE: '#{Source.CommitMessage}',
      PIPELINE_EXECUTION_ID: '#{codepipeline.PipelineExecutionId}',
      ARTIFACT_BUCKET: '<token>',
    });
    expect(JSON.stringify(packaging.Configuration.EnvironmentVariables)).toMatch(/\{"Ref":"WebBakeArchives[0-9A-F]{8}"\}/);
    expect(packaging).toMatchObject({ InputArtifacts: [{ Name: 'Built' }], OutputArtifacts: [{ Name: 'BakeInput' }], Namespace: 'Bake-Package' });
    // Its content hash is the variable #{Package.CONTENT_HASH} of later actions.
    const project = resourcesOfType(template, 'AWS::CodeBuild::Project').find((candidate) => candidate.Properties.Description?.startsWith('Hashes'))!;
    expect(JSON.parse(project.Properties.Source.BuildSpec).env).toEqual({ 'exported-variables': ['CONTENT_HASH'] });
  });

  test('given the bake input, then the bake action starts the bake workflow with bake.json, and the manifest step reads its output into release.json', () => {
    const { template, stack, pipeline } = webPipeline();
    const [, bake, manifest] = stage(template, 'Bake').Actions;

    expect(bake).toMatchObject({
      ActionTypeId: { Provider: 'StepFunctions' }, Namespace: 'Bake', InputArtifacts: [{ Name: 'BakeInput' }], Configuration: { InputType: 'FilePath', Input: 'bake.json' },
    });
    expect(stack.resolve(bake.Configuration.StateMachineArn)).toEqual(stack.resolve(pipeline.bakeStateMachine.stateMachineArn));
    expect(envVars(manifest)).toEqual({ BAKE_EXECUTION_ARN: '#{Bake.ExecutionArn}' });
    expect(manifest.OutputArtifacts).toEqual([{ Name: 'BakeOutput' }]);
    expect(stage(template, 'dev').Actions[0]).toMatchObject({ Name: 'Release', InputArtifacts: [{ Name: 'BakeOutput' }], Configuration: { Input: 'release.json' } });
  });

  test('given the archives bucket, then it is encrypted, TLS-only, expires archives, and the recipe\'s build instances may read the builds', () => {
    const { template, stack, pipeline, recipe } = webPipeline();
    const bucketId = stack.getLogicalId(pipeline.artifactsBucket.node.defaultChild as any);
    const bucket = template.toJSON().Resources[bucketId].Properties;

    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 90, Status: 'Enabled' })]);
    const policies = JSON.stringify(resourcesOfType(template, 'AWS::IAM::Policy').filter((policy) => JSON.stringify(policy.Properties.Roles)
      .includes(stack.getLogicalId(recipe.instanceRole.node.defaultChild as any))));
    expect(policies).toContain(`{"Fn::GetAtt":["${bucketId}","Arn"]},"/builds/*"`);
    expect(JSON.stringify(resourcesOfType(template, 'AWS::S3::BucketPolicy'))).toContain('aws:SecureTransport');
  });

  test('given notifications, then failures, successes and waiting approvals go to the topic', () => {
    const { template } = webPipeline();

    expect(onlyOfType(template, 'AWS::CodeStarNotifications::NotificationRule').Properties.EventTypeIds).toEqual([
      'codepipeline-pipeline-pipeline-execution-failed', 'codepipeline-pipeline-pipeline-execution-succeeded', 'codepipeline-pipeline-manual-approval-needed',
    ]);
  });

  test('given a patch rebuild schedule, then a rule runs the workflow that restarts the pipeline on its last release through prod', () => {
    const { template, stack, pipeline } = webPipeline({ patchRebuildSchedule: events.Schedule.cron({ weekDay: 'SUN', hour: '2', minute: '0' }) });
    const rule = onlyOfType(template, 'AWS::Events::Rule').Properties;
    const workflowId = stack.getLogicalId(pipeline.patchRebuildStateMachine!.node.defaultChild as CfnElement);
    const workflow = stateMachineDefinition(template.toJSON(), workflowId);

    expect(rule.ScheduleExpression).toBe('cron(0 2 ? * SUN *)');
    expect(stack.resolve(rule.Targets[0].Arn)).toEqual(stack.resolve(pipeline.patchRebuildStateMachine!.stateMachineArn));
    expect(workflow.States.FindLastRelease.Parameters.Filter).toEqual({ SucceededInStage: { StageName: 'prod' } });
    expect(workflow.States.StartOnReleasedRevision.Parameters.SourceRevisions).toEqual([
      { 'ActionName': 'Source', 'RevisionType': 'COMMIT_ID', 'RevisionValue.$': '$.released.executions[0].SourceRevisions[0].RevisionId' },
    ]);
  });

  test('given no patch rebuild schedule, then nothing starts the pipeline on a schedule', () => {
    const { template, pipeline } = webPipeline();

    expect(resourcesOfType(template, 'AWS::Events::Rule').filter((rule) => rule.Properties.ScheduleExpression)).toEqual([]);
    expect(pipeline.patchRebuildStateMachine).toBeUndefined();
  });

  describe('bad input', () => {
    test('given a schedule CloudFormation would reject, then it fails naming it', () => {
      expect(() => webPipeline({ patchRebuildSchedule: events.Schedule.expression('rate(1 days)') })).toThrow(/^Schedule rate\(1 days\) is not a rate EventBridge accepts/);
    });

    test('given a recipe in another region, then it fails naming both places', () => {
      const app = new App();
      const recipe = webRecipe(new Stack(app, 'Images', { env: { account: '111111111111', region: 'us-east-1' } }));
      expect(() => new ImmutableAmiPipeline(new Stack(app, 'Pipeline', { env: PIPELINE_ENV }), 'Web', {
        source: webSource(),
        applicationBuild: webBuild(),
        recipe,
        environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', PIPELINE_ENV).deployment }],
      })).toThrow('The bake workflow must be in the account and region of its recipe\'s stack Images (account 111111111111, region us-east-1), as it builds there; '
        + 'its stack is in account 111111111111, region eu-west-1');
    });

    test('given an environment whose stack has no literal account and region, then it fails naming it and saying what to give', () => {
      const app = new App();
      const stack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
      expect(() => new ImmutableAmiPipeline(stack, 'Web', {
        source: webSource(),
        applicationBuild: webBuild(),
        recipe: webRecipe(stack),
        environments: [{ name: 'dev', deployment: environmentStack(app, 'dev', undefined as any).deployment }],
      })).toThrow(/^The release workflows of environment dev \(stack Web-dev, .*\) need its literal account and region, as they run there: give stack Web-dev an explicit env$/);
    });

    test('given no environments, then it fails as a promotion without environments does', () => {
      expect(() => webPipeline({ environments: [] })).toThrow('A promotion needs at least one environment, got none');
    });

    test('given a bake timeout under the shortest image build, then it fails naming it', () => {
      expect(() => webPipeline({ bakeTimeout: Duration.minutes(10) })).toThrow(/^The bake timeout must be between 30 minutes .* got 10 minutes$/);
    });
  });
});

describe('PipelineBuild', () => {
  test.each([
    ['a build timeout over CodeBuild\'s limit', () => PipelineBuild.commands({ commands: ['make'], applicationDirectory: 'dist', timeout: Duration.hours(37) }),
      "The build timeout must be between 5 minutes and 1 day 12 hours (CodeBuild's limit), got 1 day 13 hours"],
    ['an application directory outside the build', () => PipelineBuild.commands({ commands: ['make'], applicationDirectory: '../dist' }),
      "applicationDirectory must be a folder inside the build's working directory, like 'dist', got '../dist'"],
    ['no commands', () => PipelineBuild.commands({ commands: [], applicationDirectory: 'dist' }),
      'PipelineBuild.commands needs at least one command that builds the application'],
    ['an absolute buildspec path', () => PipelineBuild.buildSpecFile({ path: '/buildspec.yml', applicationDirectory: 'dist' }),
      "PipelineBuild.buildSpecFile path must be relative to the repository's root, got '/buildspec.yml'"],
  ])('given %s, then it fails naming the value', (_case, create, message) => {
    expect(create).toThrow(message);
  });

  test('given commands, then the build runs them and keeps the application directory as its output', () => {
    const { template } = webPipeline();
    const build = resourcesOfType(template, 'AWS::CodeBuild::Project').find((project) => JSON.stringify(project.Properties.Source).includes('npm ci'))!;

    expect(JSON.parse(build.Properties.Source.BuildSpec)).toEqual({
      version: '0.2', phases: { build: { commands: ['npm ci', 'npm run build'] } }, artifacts: { files: ['dist/**/*'] },
    });
  });
});
