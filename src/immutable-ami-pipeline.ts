import {
  ArnFormat, Duration, RemovalPolicy, Stack,
  aws_codebuild as codebuild, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_iam as iam, aws_s3 as s3,
  aws_events as events, aws_events_targets as targets, aws_sns as sns, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ApplicationImageRecipe } from './application-image-recipe';
import { EnvironmentPromotion, PromotionEnvironment } from './environment-promotion';
import type { PipelineBuild } from './pipeline-build';
import type { PipelineSource } from './pipeline-source';
import { BakeWorkflow } from './private/bake-workflow';
import { acknowledgeNagFinding, nagResourceReference } from './private/nag-acknowledgement';
import { BAKE_INPUT_FILE, PACKAGE_VARIABLES, packageArtifactScript } from './private/package-artifact-script';
import { PathInArtifact } from './private/path-in-artifact';
import { acknowledgeStepFunctionActionFindings } from './private/pipeline-action-nag';
import { acknowledgePipelineFindings } from './private/pipeline-nag';
import { validateScheduleExpression } from './private/schedule-expression';

/** Where application archives go in the artifacts bucket; the recipe's build instances may read them. */
const ARCHIVE_PREFIX = 'builds';

/** The file the bake stage leaves for the promotion. */
const RELEASE_MANIFEST_FILE = 'release.json';

/**
 * Properties of an `ImmutableAmiPipeline`.
 */
export interface ImmutableAmiPipelineProps {
  /** Where the application's source comes from. */
  readonly source: PipelineSource;

  /** How the application is built from it. */
  readonly applicationBuild: PipelineBuild;

  /**
   * The recipe whose image the bake builds with each artifact: in this construct's account and
   * region. Its environments' accounts and regions are added to its distribution.
   */
  readonly recipe: ApplicationImageRecipe;

  /** The environments a release goes through, in order. */
  readonly environments: PromotionEnvironment[];

  /**
   * The version a release carries, with CodePipeline variables resolved.
   *
   * @default - the pipeline execution id
   */
  readonly version?: string;

  /**
   * How executions that overlap run.
   *
   * @default codepipeline.ExecutionMode.QUEUED
   */
  readonly executionMode?: codepipeline.ExecutionMode;

  /**
   * How long an image build may take before it is cancelled: between 30 minutes and 24 hours.
   *
   * @default Duration.hours(2)
   */
  readonly bakeTimeout?: Duration;

  /**
   * Where pipeline failures, waiting approvals and successful executions are announced.
   *
   * @default - a new topic
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * When to run the pipeline again on the source's latest revision, to pick up a newer parent
   * image: the bake rebuilds only when the parent image (or anything else in the fingerprint)
   * changed, and otherwise reuses the released image, so the run releases nothing new.
   *
   * @default - no scheduled runs
   */
  readonly patchRebuildSchedule?: events.Schedule;

  /**
   * How long application archives and pipeline artifacts are kept.
   *
   * @default Duration.days(90)
   */
  readonly artifactRetention?: Duration;
}

/**
 * Commit to released AMI: source, build, bake (reusing the image of an unchanged artifact, recipe
 * and parent image), then the promotion through the environments.
 *
 * - **Build**: the application's CodeBuild project leaves its files in one folder.
 * - **Bake**: a package step hashes their content (not timestamps), uploads them under that hash
 *   and writes the bake's input; the bake workflow reuses or builds the image; a manifest step
 *   writes the release manifest from the bake's output.
 * - **Promotion**: `EnvironmentPromotion`'s stages, from the manifest.
 *
 * @example
 * declare const recipe: ApplicationImageRecipe;
 * declare const dev: RollingAsgDeployment;
 * declare const prod: RollingAsgDeployment;
 *
 * new ImmutableAmiPipeline(this, 'Pipeline', {
 *   source: PipelineSource.connection({
 *     connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/6a7e8feb-b491-4cf7-a9f1-bf3703467718',
 *     owner: 'my-org', repository: 'web', branch: 'main',
 *   }),
 *   applicationBuild: PipelineBuild.commands({ commands: ['npm ci', 'npm run build'], applicationDirectory: 'dist' }),
 *   recipe,
 *   environments: [
 *     { name: 'dev', deployment: dev, soakPeriod: Duration.minutes(30) },
 *     { name: 'prod', deployment: prod, approval: PromotionApproval.manual() },
 *   ],
 * });
 */
export class ImmutableAmiPipeline extends Construct {
  /** The pipeline. */
  public readonly pipeline: codepipeline.Pipeline;
  /** The application's build project. */
  public readonly buildProject: codebuild.IProject;
  /** The bake workflow. */
  public readonly bakeStateMachine: sfn.IStateMachine;
  /** The bucket of application archives, which the recipe's build instances read. */
  public readonly artifactsBucket: s3.IBucket;
  /** Where the pipeline's events are announced. */
  public readonly notificationTopic: sns.ITopic;
  /** The promotion through the environments. */
  public readonly promotion: EnvironmentPromotion;

  private readonly bakeProjects: codebuild.IProject[] = [];

  constructor(scope: Construct, id: string, props: ImmutableAmiPipelineProps) {
    super(scope, id);
    validateRecipePlacement(this, props.recipe);
    const retention = props.artifactRetention ?? Duration.days(90);
    this.promotion = new EnvironmentPromotion(this, 'Promotion', { environments: props.environments });
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      executionMode: props.executionMode ?? codepipeline.ExecutionMode.QUEUED,
      crossAccountKeys: true,
      enableKeyRotation: true,
    });
    (this.pipeline.artifactBucket as s3.Bucket).addLifecycleRule({ expiration: retention });
    this.artifactsBucket = new s3.Bucket(this, 'Archives', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: retention }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    props.recipe.addArtifactSource(this.artifactsBucket, `${ARCHIVE_PREFIX}/*`);

    const source = new codepipeline.Artifact('Source');
    const sourceBinding = props.source._bind(source);
    this.pipeline.addStage({ stageName: 'Source', actions: [sourceBinding.action] });
    if (sourceBinding.trigger) {
      this.pipeline.addTrigger(sourceBinding.trigger);
    }

    const built = new codepipeline.Artifact('Built');
    this.buildProject = new codebuild.PipelineProject(this, 'Build', props.applicationBuild._projectProps);
    this.pipeline.addStage({
      stageName: 'Build',
      actions: [new actions.CodeBuildAction({ actionName: 'Build', project: this.buildProject, input: source, outputs: [built] })],
    });

    const bake = new BakeWorkflow(this, 'Bake', { recipe: props.recipe, timeout: props.bakeTimeout });
    this.bakeStateMachine = bake.stateMachine;
    const baked = this.addBakeStage(built, bake, props);

    this.promotion.distributeImages(props.recipe);
    this.promotion.addToPipeline(this.pipeline, {
      releaseManifest: baked.atPath(RELEASE_MANIFEST_FILE),
      releaseSummary: `Version ${props.version ?? '#{codepipeline.PipelineExecutionId}'} of ${props.source.description}, commit ${props.source._commitVariables.commitId}`,
    });

    acknowledgePipelineFindings(this, {
      pipeline: this.pipeline, projects: [this.buildProject, ...this.bakeProjects], buckets: [this.artifactsBucket],
    });
    acknowledgeStepFunctionActionFindings(this.pipeline.node.findChild('Bake'), this.pipeline, [bake.stateMachine]);

    if (props.patchRebuildSchedule) {
      validateScheduleExpression(props.patchRebuildSchedule.expressionString);
      new events.Rule(this, 'PatchRebuild', {
        description: 'Runs the pipeline again, so that a newer parent image is baked in and released',
        schedule: props.patchRebuildSchedule,
        targets: [new targets.CodePipeline(this.pipeline)],
      });
    }

    this.notificationTopic = props.notificationTopic ?? new sns.Topic(this, 'Notifications', { enforceSSL: true });
    this.pipeline.notifyOn('Notifications', this.notificationTopic, {
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
      ],
    });
  }

  /** Package, bake and manifest; returns the artifact holding the release manifest. */
  private addBakeStage(built: codepipeline.Artifact, bake: BakeWorkflow, props: ImmutableAmiPipelineProps): codepipeline.Artifact {
    const bakeInput = new codepipeline.Artifact('BakeInput');
    const baked = new codepipeline.Artifact('Baked');
    const packageProject = new codebuild.PipelineProject(this, 'Package', {
      description: 'Hashes the application files\' content, uploads them under the hash, and writes the bake\'s input',
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { 'exported-variables': ['CONTENT_HASH'] },
        phases: { build: { commands: [packageArtifactScript()] } },
        artifacts: { files: [BAKE_INPUT_FILE] },
      }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: Duration.minutes(15),
    });
    this.artifactsBucket.grantPut(packageProject, `${ARCHIVE_PREFIX}/*`);
    const archives = nagResourceReference(this, this.artifactsBucket.arnForObjects(`${ARCHIVE_PREFIX}/*`));
    acknowledgeNagFinding(packageProject, `AwsSolutions-IAM5[Resource::${archives}]`,
      'The package step uploads each build\'s archive under a key named after its content hash');
    const manifestProject = new codebuild.PipelineProject(this, 'Manifest', {
      description: 'Writes the release manifest from the bake\'s output',
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        phases: {
          build: { commands: [`aws stepfunctions describe-execution --execution-arn "$BAKE_EXECUTION_ARN" --query output --output text > ${RELEASE_MANIFEST_FILE}`] },
        },
        artifacts: { files: [RELEASE_MANIFEST_FILE] },
      }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: Duration.minutes(5),
    });
    const stack = Stack.of(this);
    const { resourceName } = stack.splitArn(bake.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${resourceName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    manifestProject.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
    acknowledgeNagFinding(manifestProject, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, executions)}]`,
      'The manifest step reads the output of the bake execution of its pipeline execution: execution ARNs are the bake workflow\'s name and an id');
    this.bakeProjects.push(packageProject, manifestProject);
    const text = (value: string) => ({ value, type: codebuild.BuildEnvironmentVariableType.PLAINTEXT });
    this.pipeline.addStage({
      stageName: 'Bake',
      actions: [
        new actions.CodeBuildAction({
          actionName: 'Package',
          runOrder: 1,
          project: packageProject,
          input: built,
          outputs: [bakeInput],
          variablesNamespace: 'Package',
          environmentVariables: {
            [PACKAGE_VARIABLES.applicationDirectory]: text(props.applicationBuild.applicationDirectory),
            [PACKAGE_VARIABLES.artifactBucket]: text(this.artifactsBucket.bucketName),
            [PACKAGE_VARIABLES.artifactPrefix]: text(ARCHIVE_PREFIX),
            [PACKAGE_VARIABLES.version]: text(props.version ?? '#{codepipeline.PipelineExecutionId}'),
            [PACKAGE_VARIABLES.commitId]: text(props.source._commitVariables.commitId),
            [PACKAGE_VARIABLES.commitMessage]: text(props.source._commitVariables.commitMessage),
            [PACKAGE_VARIABLES.pipelineExecutionId]: text('#{codepipeline.PipelineExecutionId}'),
          },
        }),
        new actions.StepFunctionInvokeAction({
          actionName: 'Bake',
          runOrder: 2,
          stateMachine: bake.stateMachine,
          stateMachineInput: actions.StateMachineInput.filePath(new PathInArtifact(bakeInput, BAKE_INPUT_FILE)),
          variablesNamespace: 'Bake',
        }),
        new actions.CodeBuildAction({
          actionName: 'Manifest',
          runOrder: 3,
          project: manifestProject,
          input: bakeInput,
          outputs: [baked],
          environmentVariables: { BAKE_EXECUTION_ARN: text('#{Bake.ExecutionArn}') },
        }),
      ],
    });
    return baked;
  }
}

function validateRecipePlacement(scope: Construct, recipe: ApplicationImageRecipe): void {
  const here = Stack.of(scope);
  const recipeStack = Stack.of(recipe);
  if (here.account !== recipeStack.account || here.region !== recipeStack.region) {
    throw new Error(`The recipe of an ImmutableAmiPipeline must be in its account and region (account ${here.account}, region ${here.region}), `
      + `as the bake builds it there; recipe ${recipe.node.path} is in account ${recipeStack.account}, region ${recipeStack.region}`);
  }
}
