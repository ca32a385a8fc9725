import { Duration, PhysicalName, Stack, aws_iam as iam, aws_logs as logs, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BakeDefinition } from './bake-workflow-definition';
import { BakedImageLookup } from './baked-image-lookup';
import { ImageScanFindings, SCAN_RESULT_WAIT } from './image-scan-findings';
import type { BuildableRecipe } from '../image/buildable-recipe';
import { perBuildArn } from '../image/image-builder-names';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

/** The shortest build bound an image build with its test phase can meet. */
export const MIN_BAKE_TIMEOUT = Duration.minutes(30);
/** Image Builder's own bound on a build. */
export const MAX_BAKE_TIMEOUT = Duration.hours(24);
/** Room beyond the build bound for the other calls, the cancel and their retries. */
const EXECUTION_MARGIN = Duration.minutes(30);

export interface BakeWorkflowProps {
  /** The recipes whose images the bake builds, one per architecture (see `bakedRecipes`). */
  readonly recipes: BuildableRecipe[];
  /**
   * How long an image build may take before it is cancelled: between 30 minutes and 24 hours.
   *
   * @default Duration.hours(2)
   */
  readonly timeout?: Duration;
  /**
   * How long the execution logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Step Functions standard workflow, SDK integrations only, that turns an artifact into AMIs, one
 * image per recipe (architecture), building only what nothing built before. The recipes are baked
 * in parallel, each as follows, so a bake takes as long as its slowest build.
 *
 * Execution input: `{ "artifact": "s3://bucket/key", "contentHash", "version", "commitId",
 * "commitMessage", "pipelineExecutionId" }`.
 *
 * 1. Resolves the recipe's parent image as a build would now (`x.x.x` to the newest version, an SSM
 *    parameter to its value) and computes the fingerprint: SHA-256 of the artifact's content hash,
 *    the recipe's ARN (its components are named after their content) and the parent image.
 * 2. Looks for an Image Builder image tagged with the fingerprint that is still AVAILABLE and has an
 *    AMI in every account and region the recipe distributes to now, and reuses it: no build. An
 *    image that lacks a copy (an environment was added in another account or region since) is
 *    built again, so that the copy exists before a release needs it.
 * 3. Otherwise creates a recipe version bound to the artifact (`componentsForArtifact`) and a
 *    distribution configuration of the build: the recipe's distributions, whose AMI tags add the
 *    fingerprint and provenance (content hash, version, commit id and message, pipeline execution),
 *    so that every AMI copy in every account and region carries them. Builds it with the recipe's
 *    infrastructure configuration, the image tagged with the recipe's image group and the
 *    fingerprint; polls it every minute for at most `timeout`, then cancels it. Once the build has
 *    ended, deletes its distribution configuration and recipe version. A failed or cancelled build fails with its ARN,
 *    state and where its logs are.
 * 4. Reads the image's vulnerability scan, built or reused (`ImageScanFindings`): the counts by
 *    severity and the findings at or above MEDIUM, or why there are none; it waits up to
 *    `SCAN_RESULT_WAIT` for a scan Image Builder has not recorded as ended yet.
 * 5. Outputs the release manifest `EnvironmentPromotion` reads: `{ "version", "commitId",
 *    "commitMessage", "pipelineExecutionId", "builds": [{ "architecture", "fingerprint", "reused",
 *    "reuse": { "decision", "missing", "newest" }, "imageBuildVersionArn", "scan" }],
 *    "findingsSummary", "images": { "<account>/<region>/<architecture>": "<AMI id>" } }`, where
 *    `reuse.decision` is one of `REUSE_DECISIONS`, `missing` lists the copies a reusable image
 *    lacked, `newest` names the image passed over for being near its deletion, `scan` is what
 *    `ImageScanFindings` read, and `findingsSummary` tells the scans in a line.
 *
 * Errors: `ImageBuildFailed`, `ImageBuildCancelled`, `BakeTimedOut`. A build that fails ends the
 * bake; the other architectures' builds then finish or time out in Image Builder unobserved.
 */
export class BakeWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: BakeWorkflowProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.hours(2);
    validateBakeWorkflow(this, props, timeout);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Bakes AMIs of image recipes ${recipeNames(props.recipes)}`,
    });
    this.role = role;
    grantBakePermissions(role, props.recipes);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: PhysicalName.GENERATE_IF_NEEDED,
      comment: `Bakes an artifact into AMIs with image recipes ${recipeNames(props.recipes)}, reusing images of the same fingerprint`,
      definitionBody: sfn.DefinitionBody.fromChainable(new BakeDefinition(this, { recipes: props.recipes, timeout }).chain()),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: timeout.plus(SCAN_RESULT_WAIT).plus(EXECUTION_MARGIN),
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(role);
  }
}

function recipeNames(recipes: BuildableRecipe[]): string {
  return recipes.map((recipe) => recipe.imageRecipeName).join(', ');
}

/** What a bake needs beyond building each recipe for an artifact, each statement as narrow as its API allows. */
function grantBakePermissions(role: iam.Role, recipes: BuildableRecipe[]): void {
  const stack = Stack.of(role);
  const acknowledge = (resource: string, reason: string) => acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, resource)}]`, reason);
  for (const recipe of recipes) {
    recipe.grantBuildForArtifact(role);
    const buildImages = perBuildArn(stack, recipe.imageRecipeName);
    // Each build's own distribution configuration, named like its recipe version.
    const buildDistributions = perBuildArn(stack, recipe.imageRecipeName, 'distribution-configuration');
    const buildRecipes = perBuildArn(stack, recipe.imageRecipeName, 'image-recipe');
    [
      new iam.PolicyStatement({ actions: ['imagebuilder:CancelImageCreation'], resources: [buildImages] }),
      new iam.PolicyStatement({ actions: ['imagebuilder:DeleteImageRecipe'], resources: [buildRecipes] }),
      new iam.PolicyStatement({
        actions: ['imagebuilder:CreateDistributionConfiguration', 'imagebuilder:GetDistributionConfiguration', 'imagebuilder:DeleteDistributionConfiguration'],
        resources: [buildDistributions],
      }),
      ...BakedImageLookup.statements(stack, recipe),
      ...ImageScanFindings.statements(stack, recipe),
    ].forEach((statement) => role.addToPrincipalPolicy(statement));
    acknowledge(buildDistributions, 'The distribution configuration of each build is named after the recipe and a UUID of the build');
  }
  role.addToPrincipalPolicy(executionLoggingStatement());
  const scanning = recipes.some((recipe) => recipe._artifactBuildSettings.vulnerabilityScanning);
  acknowledge('*', 'Only actions without resource-level permissions: tag:GetResources, EC2 DescribeImages, '
    + `${scanning ? 'Amazon Inspector\'s account status (which Image Builder reads to scan), ' : ''}CloudWatch Logs vended log delivery, X-Ray`);
}

function validateBakeWorkflow(scope: Construct, props: BakeWorkflowProps, timeout: Duration): void {
  if (timeout.toSeconds() < MIN_BAKE_TIMEOUT.toSeconds() || timeout.toSeconds() > MAX_BAKE_TIMEOUT.toSeconds()) {
    throw new Error(`The bake timeout must be between ${MIN_BAKE_TIMEOUT.toHumanString()} (an image build with its tests takes longer) `
      + `and ${MAX_BAKE_TIMEOUT.toHumanString()} (Image Builder's own bound), got ${timeout.toHumanString()}`);
  }
  props.recipes.forEach((recipe) => validateBakePlacement(scope, recipe));
}

/** A bake builds its recipe's image in the recipe's account and region, so it must be there too. */
export function validateBakePlacement(scope: Construct, recipe: BuildableRecipe): void {
  const here = Stack.of(scope);
  const recipeStack = Stack.of(recipe);
  if (here.account !== recipeStack.account || here.region !== recipeStack.region) {
    throw new Error(`The bake workflow must be in the account and region of its recipe's stack ${recipeStack.stackName} `
      + `(account ${recipeStack.account}, region ${recipeStack.region}), as it builds there; its stack is in account ${here.account}, region ${here.region}`);
  }
}
