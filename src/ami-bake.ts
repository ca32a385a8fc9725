import {
  ArnFormat, Duration, RemovalPolicy, Stack,
  aws_codebuild as codebuild, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_iam as iam, aws_s3 as s3,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ApplicationImageRecipe } from './application-image-recipe';
import { BakeWorkflow, validateBakePlacement } from './private/bake/bake-workflow';
import { BAKE_INPUT_FILE, PACKAGE_ACTION_NAME, PACKAGE_VARIABLES, packageArtifactScript } from './private/bake/package-artifact-script';
import { bakedRecipes } from './private/image/recipe-architectures';
import { acknowledgeNagFinding, nagResourceReference } from './private/nag/nag-acknowledgement';
import { acknowledgeStepFunctionActionFindings } from './private/nag/pipeline-action-nag';
import { acknowledgeBuildProjectFindings, acknowledgePipelineArtifactGrants } from './private/nag/pipeline-nag';
import { applicationBuildsIn } from './private/pipeline/application-build-projects';
import { recordBakedManifest } from './private/promotion/baked-manifests';
import { markLibraryConstruct } from './private/shared/library-construct';
import { PathInArtifact } from './private/shared/path-in-artifact';

/** Where application archives go in the archives bucket; the recipe's build instances may read them. */
const ARCHIVE_PREFIX = 'builds';

/** The file the bake stage leaves for the promotion. */
const RELEASE_MANIFEST_FILE = 'release.json';

/** The manifest step's variable that tells approvers what the images' scans found: the manifest's `findingsSummary`. */
const FINDINGS_VARIABLE = 'IMAGE_FINDINGS';

/**
 * Properties of an `AmiBake`.
 */
export interface AmiBakeProps {
  /**
   * The recipe whose image the bake builds with each archive: in this construct's account and
   * region. Give `recipe` or `recipes`.
   *
   * @default - the recipes of `recipes`
   */
  readonly recipe?: ApplicationImageRecipe;

  /**
   * One recipe per processor architecture, when environments run more than one (for example dev
   * on Graviton, prod on x86_64): the same service on the same operating system, in this
   * construct's account and region. The bake builds them in parallel, and each environment
   * releases the AMI of its instance type's architecture. Give `recipe` or `recipes`.
   *
   * @default - `recipe` alone
   */
  readonly recipes?: ApplicationImageRecipe[];

  /**
   * How long an image build may take before it is cancelled: between 30 minutes and 24 hours.
   *
   * @default Duration.hours(2)
   */
  readonly timeout?: Duration;

  /**
   * How long application archives are kept.
   *
   * @default Duration.days(90)
   */
  readonly archiveRetention?: Duration;
}

/**
 * Options of `AmiBake.addToPipeline`.
 */
export interface AmiBakeStageOptions {
  /** The build's output artifact, holding the files to install in `applicationDirectory`. */
  readonly input: codepipeline.Artifact;

  /** Folder of `input` that holds the files to install, e.g. `dist`. */
  readonly applicationDirectory: string;

  /** The commit the release carries, a CodePipeline variable such as `#{Source.CommitId}`. */
  readonly commitId: string;

  /** Its message, a CodePipeline variable such as `#{Source.CommitMessage}`. */
  readonly commitMessage: string;

  /**
   * The version the release carries, with CodePipeline variables resolved.
   *
   * @default - the pipeline execution id
   */
  readonly version?: string;

  /**
   * Name of the stage.
   *
   * @default 'Bake'
   */
  readonly stageName?: string;
}

/**
 * Turns a build's files into AMIs in every account and region of the recipe's distribution (of
 * each recipe, one per architecture), building an image only when nothing built one for the same
 * content, recipe and parent image.
 * Add it to any CodePipeline with `addToPipeline`: a package step hashes the files' content (not
 * timestamps) and uploads them under the hash; the bake workflow reuses the image of that
 * fingerprint or builds one; a manifest step writes the release manifest `EnvironmentPromotion`
 * reads. `ImmutableAmiPipeline` uses it.
 *
 * @example
 * declare const pipeline: codepipeline.Pipeline;
 * declare const built: codepipeline.Artifact;
 * declare const recipe: ApplicationImageRecipe;
 * declare const promotion: EnvironmentPromotion;
 *
 * const bake = new AmiBake(this, 'Bake', { recipe });
 * const releaseManifest = bake.addToPipeline(pipeline, {
 *   input: built,
 *   applicationDirectory: 'dist',
 *   commitId: '#{Source.CommitId}',
 *   commitMessage: '#{Source.CommitMessage}',
 * });
 * promotion.addToPipeline(pipeline, { releaseManifest });
 */
export class AmiBake extends Construct {
  /** The bake workflow. Its execution output is the release manifest. */
  public readonly stateMachine: sfn.IStateMachine;
  /** The bucket of application archives, which the recipe's build instances read. */
  public readonly archivesBucket: s3.IBucket;
  /** The step that hashes and uploads the files. */
  public readonly packageProject: codebuild.IProject;
  /** The step that writes the release manifest. */
  public readonly manifestProject: codebuild.IProject;

  /** The recipes the bake builds, one per architecture. */
  public readonly recipes: ApplicationImageRecipe[];

  constructor(scope: Construct, id: string, props: AmiBakeProps) {
    super(scope, id);
    markLibraryConstruct(this, 'AmiBake');
    this.recipes = bakedRecipes(this, props.recipe, props.recipes);
    this.recipes.forEach((recipe) => {
      validateBakePlacement(this, recipe);
      validateArchiveFormat(this, recipe);
    });
    this.archivesBucket = new s3.Bucket(this, 'Archives', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: props.archiveRetention ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.recipes.forEach((recipe) => recipe.addArtifactSource(this.archivesBucket, `${ARCHIVE_PREFIX}/*`));
    acknowledgeNagFinding(this.archivesBucket, 'AwsSolutions-S1',
      'Holds application archives that only the package step writes and image builds read; CloudTrail data events can log access');

    const workflow = new BakeWorkflow(this, 'Workflow', { recipes: this.recipes, timeout: props.timeout });
    this.stateMachine = workflow.stateMachine;
    this.packageProject = this.createPackageProject();
    this.manifestProject = this.createManifestProject(workflow.stateMachine);
    acknowledgeBuildProjectFindings(this, [this.packageProject, this.manifestProject]);
  }

  /**
   * Adds the bake stage to a pipeline: package, bake, manifest.
   *
   * @returns the release manifest, for `EnvironmentPromotion.addToPipeline`
   */
  public addToPipeline(pipeline: codepipeline.Pipeline, options: AmiBakeStageOptions): codepipeline.ArtifactPath {
    const stageName = options.stageName ?? 'Bake';
    const bakeInput = new codepipeline.Artifact(`${stageName}Input`);
    const baked = new codepipeline.Artifact(`${stageName}Output`);
    const text = (value: string) => ({ value, type: codebuild.BuildEnvironmentVariableType.PLAINTEXT });
    const stage = pipeline.addStage({
      stageName,
      actions: [
        new actions.CodeBuildAction({
          actionName: PACKAGE_ACTION_NAME,
          runOrder: 1,
          project: this.packageProject,
          input: options.input,
          outputs: [bakeInput],
          variablesNamespace: `${stageName}-${PACKAGE_ACTION_NAME}`,
          environmentVariables: {
            [PACKAGE_VARIABLES.applicationDirectory]: text(options.applicationDirectory),
            [PACKAGE_VARIABLES.artifactBucket]: text(this.archivesBucket.bucketName),
            [PACKAGE_VARIABLES.artifactPrefix]: text(ARCHIVE_PREFIX),
            [PACKAGE_VARIABLES.version]: text(options.version ?? '#{codepipeline.PipelineExecutionId}'),
            [PACKAGE_VARIABLES.commitId]: text(options.commitId),
            [PACKAGE_VARIABLES.commitMessage]: text(options.commitMessage),
            [PACKAGE_VARIABLES.pipelineExecutionId]: text('#{codepipeline.PipelineExecutionId}'),
          },
        }),
        new actions.StepFunctionInvokeAction({
          actionName: 'Bake',
          runOrder: 2,
          stateMachine: this.stateMachine,
          stateMachineInput: actions.StateMachineInput.filePath(new PathInArtifact(bakeInput, BAKE_INPUT_FILE)),
          variablesNamespace: stageName,
        }),
        new actions.CodeBuildAction({
          actionName: 'Manifest',
          runOrder: 3,
          project: this.manifestProject,
          input: bakeInput,
          outputs: [baked],
          environmentVariables: { BAKE_EXECUTION_ARN: text(`#{${stageName}.ExecutionArn}`) },
          variablesNamespace: `${stageName}-Manifest`,
        }),
      ],
    });
    acknowledgeStepFunctionActionFindings(stage, pipeline, [this.stateMachine]);
    // The build that made the bake's input, in a pipeline of the user's, gets the same grants.
    [this, ...applicationBuildsIn(pipeline)].forEach((scope) => acknowledgePipelineArtifactGrants(scope, pipeline));
    recordBakedManifest(baked, { recipes: this.recipes, findingsSummaryVariable: `#{${stageName}-Manifest.${FINDINGS_VARIABLE}}` });
    return baked.atPath(RELEASE_MANIFEST_FILE);
  }

  private createPackageProject(): codebuild.PipelineProject {
    const project = new codebuild.PipelineProject(this, 'Package', {
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
    this.archivesBucket.grantPut(project, `${ARCHIVE_PREFIX}/*`);
    const archives = nagResourceReference(this, this.archivesBucket.arnForObjects(`${ARCHIVE_PREFIX}/*`));
    acknowledgeNagFinding(project, `AwsSolutions-IAM5[Resource::${archives}]`,
      'The package step uploads each build\'s archive under a key named after its content hash');
    return project;
  }

  private createManifestProject(stateMachine: sfn.IStateMachine): codebuild.PipelineProject {
    const project = new codebuild.PipelineProject(this, 'Manifest', {
      description: 'Writes the release manifest from the bake\'s output, and exports its findings summary for approvers',
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { 'exported-variables': [FINDINGS_VARIABLE] },
        phases: {
          build: {
            commands: [
              `aws stepfunctions describe-execution --execution-arn "$BAKE_EXECUTION_ARN" --query output --output text > ${RELEASE_MANIFEST_FILE}`,
              `export ${FINDINGS_VARIABLE}="$(jq -r .findingsSummary ${RELEASE_MANIFEST_FILE})"`,
            ],
          },
        },
        artifacts: { files: [RELEASE_MANIFEST_FILE] },
      }),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      timeout: Duration.minutes(5),
    });
    const stack = Stack.of(this);
    const { resourceName } = stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME);
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${resourceName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    project.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
    acknowledgeNagFinding(project, `AwsSolutions-IAM5[Resource::${nagResourceReference(this, executions)}]`,
      'The manifest step reads the output of the bake execution of its pipeline execution: execution ARNs are the bake workflow\'s name and an id');
    return project;
  }
}

/** The package step uploads tar.gz archives: a recipe whose component unpacks zip archives could install none of them. */
function validateArchiveFormat(bake: Construct, recipe: ApplicationImageRecipe): void {
  if (recipe._artifactBuildSettings.archiveFormat !== 'tar') {
    throw new Error(`${bake.node.path}: recipe ${recipe.node.path} unpacks ${recipe._artifactBuildSettings.archiveFormat} archives (its artifact's format), `
      + 'but the bake installs the tar.gz archives its package step makes, so every build would fail to unpack them: give the recipe a tar.gz artifact '
      + '(or format: ArtifactFormat.TAR)');
  }
}
