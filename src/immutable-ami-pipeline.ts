import {
  Duration,
  aws_codebuild as codebuild, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions,
  aws_events as events, aws_events_targets as targets, aws_s3 as s3, aws_sns as sns, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AmiBake } from './ami-bake';
import type { ApplicationImageRecipe } from './application-image-recipe';
import { EnvironmentPromotion, PromotionEnvironment, PromotionImageDistributionOptions } from './environment-promotion';
import type { PipelineBuild } from './pipeline-build';
import type { PipelineSource } from './pipeline-source';
import { PACKAGE_ACTION_NAME } from './private/bake/package-artifact-script';
import { acknowledgePipelineFindings } from './private/nag/pipeline-nag';
import { PatchRebuildWorkflow } from './private/pipeline/patch-rebuild-workflow';
import { markLibraryConstruct } from './private/shared/library-construct';
import { validateScheduleExpression } from './private/shared/schedule-expression';

/** The pipeline's bake stage. */
const BAKE_STAGE_NAME = 'Bake';

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
   * region. Its environments' accounts and regions are added to its distribution. Give `recipe`
   * or `recipes`.
   *
   * @default - the recipes of `recipes`
   */
  readonly recipe?: ApplicationImageRecipe;

  /**
   * One recipe per processor architecture the environments run (for example dev on Graviton and
   * prod on x86_64): the same service on the same operating system, in this construct's account
   * and region. Each bake builds their images in parallel; each environment's instance type picks
   * the recipe whose AMIs it is given and releases. Give `recipe` or `recipes`.
   *
   * @default - `recipe` alone
   */
  readonly recipes?: ApplicationImageRecipe[];

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
   * How the recipe's AMI copies for the environments are encrypted: a customer-managed key of
   * the build account per region (`encryptionKeys`), as `EnvironmentPromotion.distributeImages`
   * takes them. Keys that leave an environment's region unencrypted fail synthesis unless that
   * region is listed in `unencryptedRegions`.
   *
   * @default - the copies keep the encryption of the build's AMI
   */
  readonly imageDistribution?: PromotionImageDistributionOptions;

  /**
   * When to run the pipeline again on the source revision it last released (the last execution
   * that succeeded in the last environment), to pick up a newer parent image: the bake rebuilds
   * only when the parent image (or anything else in the fingerprint) changed, and otherwise reuses
   * the released image, so the run releases nothing new. A workflow (`patchRebuildStateMachine`)
   * finds the revision and starts the pipeline with it as the source revision override; with
   * nothing released yet, it starts nothing.
   *
   * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-trigger-source-overrides.html
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
  /** The bake stage's parts: workflow, package and manifest steps, archives bucket. */
  public readonly bake: AmiBake;
  /** The bake workflow. */
  public readonly bakeStateMachine: sfn.IStateMachine;
  /** The bucket of application archives, which the recipe's build instances read. */
  public readonly artifactsBucket: s3.IBucket;
  /** Where the pipeline's events are announced. */
  public readonly notificationTopic: sns.ITopic;
  /** The promotion through the environments. */
  public readonly promotion: EnvironmentPromotion;
  /**
   * The workflow the patch rebuild schedule runs, which starts the pipeline on the last released
   * source revision.
   *
   * @default - none, without a `patchRebuildSchedule`
   */
  public readonly patchRebuildStateMachine?: sfn.IStateMachine;

  constructor(scope: Construct, id: string, props: ImmutableAmiPipelineProps) {
    super(scope, id);
    markLibraryConstruct(this, 'ImmutableAmiPipeline');
    const retention = props.artifactRetention ?? Duration.days(90);
    this.promotion = new EnvironmentPromotion(this, 'Promotion', { environments: props.environments });
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      executionMode: props.executionMode ?? codepipeline.ExecutionMode.QUEUED,
      crossAccountKeys: true,
      enableKeyRotation: true,
    });
    (this.pipeline.artifactBucket as s3.Bucket).addLifecycleRule({ expiration: retention });
    this.bake = new AmiBake(this, 'Bake', { recipe: props.recipe, recipes: props.recipes, timeout: props.bakeTimeout, archiveRetention: retention });
    this.bakeStateMachine = this.bake.stateMachine;
    this.artifactsBucket = this.bake.archivesBucket;

    const source = new codepipeline.Artifact('Source');
    const sourceBinding = props.source._bind(source);
    this.pipeline.addStage({ stageName: 'Source', actions: [sourceBinding.action] });
    if (sourceBinding.trigger) {
      this.pipeline.addTrigger(sourceBinding.trigger);
    }
    props.source._startOnChange(this.pipeline);

    const built = new codepipeline.Artifact('Built');
    this.buildProject = props.applicationBuild.createProject(this, 'Build');
    this.pipeline.addStage({
      stageName: 'Build',
      actions: [new actions.CodeBuildAction({ actionName: 'Build', project: this.buildProject, input: source, outputs: [built] })],
    });

    const releaseManifest = this.bake.addToPipeline(this.pipeline, {
      stageName: BAKE_STAGE_NAME,
      input: built,
      applicationDirectory: props.applicationBuild.applicationDirectory,
      commitId: props.source._commitVariables.commitId,
      commitMessage: props.source._commitVariables.commitMessage,
      version: props.version,
    });

    this.bake.recipes.forEach((recipe) => this.promotion.distributeImages(recipe, props.imageDistribution));
    this.promotion.addToPipeline(this.pipeline, {
      releaseManifest,
      releaseSummary: `Version ${props.version ?? '#{codepipeline.PipelineExecutionId}'} of ${props.source.description}, commit ${props.source._commitVariables.commitId}`,
    });

    acknowledgePipelineFindings(this, this.pipeline);

    if (props.patchRebuildSchedule) {
      validateScheduleExpression(props.patchRebuildSchedule.expressionString);
      const { stateMachine } = new PatchRebuildWorkflow(this, 'PatchRebuildWorkflow', {
        pipeline: this.pipeline,
        sourceActionName: sourceBinding.action.actionProperties.actionName,
        revisionType: props.source._revisionType,
        lastStageName: props.environments[props.environments.length - 1].name,
        recipes: this.bake.recipes,
        packageAction: { stageName: BAKE_STAGE_NAME, actionName: PACKAGE_ACTION_NAME },
      });
      this.patchRebuildStateMachine = stateMachine;
      new events.Rule(this, 'PatchRebuild', {
        description: 'Runs the pipeline again on its last released source, so that a newer parent image is baked in and released',
        schedule: props.patchRebuildSchedule,
        targets: [new targets.SfnStateMachine(stateMachine)],
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
}
