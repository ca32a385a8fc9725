import {
  ArnFormat, Duration, Names, NestedStack, Stack, Token,
  aws_cloudwatch as cloudwatch, aws_codepipeline as codepipeline, aws_kms as kms, aws_logs as logs, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ApplicationImageRecipe } from './application-image-recipe';
import type { DeploymentWindow } from './deployment-window';
import type { BuildableRecipe } from './private/image/buildable-recipe';
import { ImageBuilderAccountRoles } from './private/image/image-builder-account-roles';
import { incompatibleEnvironments } from './private/image/image-compatibility';
import { allowAccountsToLaunchWithKey } from './private/image/image-key-policy';
import { recipeOfArchitecture } from './private/image/recipe-architectures';
import { expectReleasesWithin } from './private/image/release-waits';
import { acknowledgeStepFunctionActionFindings } from './private/nag/pipeline-action-nag';
import { bakedManifestOf } from './private/promotion/baked-manifests';
import { isInStackEnvironment, releaseStackFor } from './private/promotion/promotion-placement';
import { promotionStage } from './private/promotion/promotion-stage';
import { ReleaseWait, longestWaitsBeforeRelease } from './private/promotion/promotion-timing';
import {
  EnvironmentReleaseWait, imagesDeletedBeforeRelease, policiesWithoutScans, undistributedEnvironments, validateEnvironments, validatePipeline,
  warnOfEndedAcceptances,
} from './private/promotion/promotion-validation';
import { ReleaseDashboard } from './private/promotion/release-dashboard';
import { longestEvaluationWindow } from './private/release/alarm-evaluation';
import { ReleaseWorkflow } from './private/release/release-workflow';
import { SoakWorkflow } from './private/release/soak-workflow';
import { markLibraryConstruct } from './private/shared/library-construct';
import type { PromotionApproval } from './promotion-approval';
import type { ReleaseTarget } from './release-target';
import type { RollingAsgDeployment } from './rolling-asg-deployment';
import type { VulnerabilityPolicy } from './vulnerability-policy';

/**
 * One environment of a promotion, in the order releases reach it.
 */
export interface PromotionEnvironment {
  /**
   * Name of the environment, unique in the promotion: lowercase letters, digits and `-`. It names
   * the environment's pipeline stage.
   */
  readonly name: string;

  /**
   * The deployment releases go to. Give this or `target`.
   *
   * @default - the explicit `target`
   */
  readonly deployment?: RollingAsgDeployment;

  /**
   * The environment's stack, ledger and alarms, when its deployment is not in this app (another
   * app's `RollingAsgDeployment.releaseTarget`). Give this or `deployment`.
   *
   * @default - `deployment.releaseTarget`
   */
  readonly target?: ReleaseTarget;

  /**
   * Whether a person approves each release into this environment before it starts.
   *
   * @default PromotionApproval.none()
   */
  readonly approval?: PromotionApproval;

  /**
   * How long the environment's rollback alarms must stay out of ALARM after a release before the
   * next environment may start: between 1 minute and 7 days, and at least as long as the alarms'
   * longest evaluation window (period times evaluation periods). When an alarm goes into ALARM,
   * the stage fails and rolls back to the release before.
   *
   * @default - no soak: the next environment may start once this one is released
   */
  readonly soakPeriod?: Duration;

  /**
   * When releases into this environment may start.
   *
   * @default - at any time
   */
  readonly deploymentWindow?: DeploymentWindow;

  /**
   * How long the stack update of a release may take before it is cancelled and rolled back:
   * between 5 minutes and 36 hours.
   *
   * @default Duration.minutes(60)
   */
  readonly releaseTimeout?: Duration;

  /**
   * Where approvers can look at this environment: linked from the next environment's approval.
   *
   * @default - the approval names the SSM parameter that holds the deployment's URL
   */
  readonly url?: string;

  /**
   * Which images this environment's releases may release, by the vulnerability scan the bake
   * recorded in the release manifest: for example `VulnerabilityPolicy.refuseAtOrAbove(VulnerabilitySeverity.HIGH)`
   * for production. A refused release fails before it changes anything, naming the findings and
   * how to accept them; each release's output reports the scan and the decision. It needs a
   * recipe with `vulnerabilityScanning`.
   *
   * @default VulnerabilityPolicy.none(): every image is released, and its scan reported
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-inspector.html
   */
  readonly vulnerabilities?: VulnerabilityPolicy;
}

/**
 * Properties of an `EnvironmentPromotion`.
 */
export interface EnvironmentPromotionProps {
  /** The environments, in the order a release goes through them: at least one. */
  readonly environments: PromotionEnvironment[];

  /**
   * How long the workflows' execution logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Whether to create release dashboards: one per environment, beside its workflows, in the
   * account and region of its logs, metrics and alarms. It shows what the environment runs and the
   * command that returns it to its previous release, the release history (released at, version,
   * commit, AMI), what the released images' scans found and what the environment's vulnerability
   * policy decided, failed releases, in-service against desired instances, and the rollback alarms.
   *
   * @default true
   */
  readonly dashboards?: boolean;
}

/**
 * An environment of a promotion, with the workflows that act on it.
 */
export interface PromotedEnvironment {
  /** Name of the environment. */
  readonly name: string;
  /** The environment's stack, ledger and alarms. */
  readonly target: ReleaseTarget;
  /**
   * The release workflow: its execution input is a release manifest or `{ "amiId", "version",
   * "commitId", "commitMessage", "pipelineExecutionId" }`.
   */
  readonly releaseStateMachine: sfn.IStateMachine;
  /**
   * The release workflow's execution logs, with each execution's input and output: the history of
   * the releases into this environment.
   */
  readonly releaseLogGroup: logs.ILogGroup;
  /**
   * The soak workflow.
   *
   * @default - no soak
   */
  readonly soakStateMachine?: sfn.IStateMachine;
  /**
   * Literal ARNs of the roles of the environment's release and soak workflows. A deployment's
   * dedicated release role trusts these roles only: by itself when the deployment is in this app,
   * through `releaseRole.trustedWorkflowRoleArns` when it is in another.
   */
  readonly workflowRoleArns: string[];
}

/**
 * Options of `EnvironmentPromotion.addToPipeline`.
 */
export interface PromotionPipelineOptions {
  /**
   * The release manifest: a JSON file of an earlier action's output artifact (the bake's), with
   * `version`, `commitId`, `commitMessage`, `pipelineExecutionId` and `images`, an object whose
   * keys are `<account>/<region>/<architecture>` (or `<account>/<region>`, where one AMI per place
   * is named) and whose values are the AMI ids distributed there. Each environment releases the AMI
   * of its own account, region and architecture: the same image, never rebuilt. A bake's manifest
   * also gives the archive's `contentHash` and each architecture's image `fingerprint` (in
   * `builds`), which each environment's instances carry as tags.
   */
  readonly releaseManifest: codepipeline.ArtifactPath;

  /**
   * What approvers read about the release: CodePipeline variables are resolved, e.g.
   * `Version #{Build.VERSION} of commit #{Source.CommitId}`. The name of the environment, a link
   * to the previous one and the ARN of its release execution (whose output names the AMI) are added.
   *
   * @default - 'Release of pipeline execution #{codepipeline.PipelineExecutionId}'
   */
  readonly releaseSummary?: string;
}

/**
 * Options of `EnvironmentPromotion.distributeImages`.
 */
export interface PromotionImageDistributionOptions {
  /**
   * Customer-managed KMS keys of the build account that encrypt the AMI copies, at most one per
   * region: the copies for the environments in a key's region are encrypted with it. Each key's
   * policy gets what the environments' accounts need to launch them (for a key this app owns;
   * an imported key's policy is yours, and synthesis warns). The release workflow grants a key of
   * another account to the environment's Auto Scaling service-linked role before each release.
   *
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
   * @default - the copies keep the encryption of the build's AMI
   */
  readonly encryptionKeys?: kms.IKey[];

  /**
   * Regions whose copies keep the encryption of the build's AMI although `encryptionKeys` encrypt
   * others. Without it, keys that leave an environment's region unencrypted fail synthesis.
   *
   * @default - none: with any key, every environment's region needs one
   */
  readonly unencryptedRegions?: string[];

  /**
   * Environment accounts that already have the roles Image Builder copies AMIs into an account
   * with and retires those copies with (`EC2ImageBuilderDistributionCrossAccountRole`,
   * `Ec2ImageBuilderCrossAccountLifecycleAccess`), created by hand or by another app. Image Builder
   * fixes their names, so an account holds one of each: in every other environment account than the
   * recipe's, the app creates them, in a stack `ImageBuilderAccess-<account>` that deploys before
   * the recipe's stack.
   *
   * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html
   * @default - none: the app creates the roles in every environment account other than the recipe's
   */
  readonly accountsWithImageBuilderRoles?: string[];
}

/**
 * Moves one AMI through ordered environments (dev → qa → prod): per environment an optional
 * manual approval and deployment window, a release workflow that writes the environment's ledger
 * and updates its stack (the instance refresh rolls back on its alarms, and the ledger with it),
 * and an optional soak against the environment's rollback alarms.
 *
 * The workflows run in each environment's region (Step Functions SDK integrations reach their own
 * region only) and account, in a nested stack per environment: in this construct's stack when the
 * environment is there, otherwise in a release stack per account and region, created beside this
 * stack. The pipeline reaches them
 * through CodePipeline's cross-account action roles, so target accounts are bootstrapped with
 * `cdk bootstrap --trust <pipeline account>`, and the pipeline needs `crossAccountKeys`. A
 * deployment with a dedicated `releaseRole` instead keeps its workflows in this construct's
 * account, which assume that role for every call to the environment.
 *
 * @example
 * declare const pipeline: codepipeline.Pipeline;
 * declare const bakeOutput: codepipeline.Artifact;
 * declare const dev: RollingAsgDeployment;
 * declare const prod: RollingAsgDeployment;
 * declare const approvers: sns.ITopic;
 *
 * const promotion = new EnvironmentPromotion(this, 'Promotion', {
 *   environments: [
 *     { name: 'dev', deployment: dev, soakPeriod: Duration.minutes(30) },
 *     {
 *       name: 'prod',
 *       deployment: prod,
 *       approval: PromotionApproval.manual({ notificationTopic: approvers }),
 *       deploymentWindow: DeploymentWindow.cron('* * 9-15 ? * MON-THU', 'Europe/Berlin'),
 *     },
 *   ],
 * });
 * promotion.addToPipeline(pipeline, { releaseManifest: bakeOutput.atPath('release.json') });
 */
export class EnvironmentPromotion extends Construct {
  /** The environments, in order, with their workflows. */
  public readonly environments: PromotedEnvironment[];

  /** The release dashboards, one per environment, in order. */
  public readonly dashboards: cloudwatch.Dashboard[];

  private readonly declared: PromotionEnvironment[];
  /**
   * The recipes whose AMIs the environments run (one per architecture), once known: an
   * environment's instances must run its recipe's images, whose lifecycle policy decides when a
   * retired AMI is deregistered.
   */
  private readonly imageRecipes: BuildableRecipe[] = [];
  /** Where each environment's workflows are: a nested stack, or a construct in a release stack. */
  private readonly workflowScopes = new Map<string, Construct>();
  /** The longest each environment's release may wait after a build, once computed. */
  private waits?: Array<ReleaseWait | undefined>;

  constructor(scope: Construct, id: string, props: EnvironmentPromotionProps) {
    super(scope, id);
    markLibraryConstruct(this, 'EnvironmentPromotion');
    this.declared = props.environments;
    const targets = validateEnvironments(props.environments);
    warnOfEndedAcceptances(this, props.environments, new Date());
    this.environments = props.environments.map((environment, index) => this.createWorkflows(environment, targets[index], props.logRetention));
    this.dashboards = props.dashboards === false ? [] : this.createDashboards();
  }

  /**
   * Adds one stage per environment to a pipeline of type V2, after its existing stages: the
   * approval, the release and the soak, with the deployment window as the stage's entry condition.
   * A stage that fails rolls back to the pipeline execution that last succeeded in it, which
   * releases that execution's AMI again.
   *
   * @returns the stages, in order
   */
  public addToPipeline(pipeline: codepipeline.Pipeline, options: PromotionPipelineOptions): codepipeline.IStage[] {
    validatePipeline(pipeline, this.declared);
    const baked = bakedManifestOf(options.releaseManifest.artifact);
    if (baked) {
      baked.recipes.forEach((recipe) => this.releasesImagesOf(recipe));
      // Validated at synth time: distribution targets may still be added after this call.
      this.node.addValidation({ validate: () => undistributedEnvironments(baked.recipes, this.environments) });
    }
    const releaseSummary = options.releaseSummary ?? 'Release of pipeline execution #{codepipeline.PipelineExecutionId}';
    return this.environments.map((environment, index) => {
      const stage = pipeline.addStage(promotionStage({
        environment,
        declared: this.declared[index],
        previous: index === 0 ? undefined : { declared: this.declared[index - 1], target: this.environments[index - 1].target },
        releaseManifest: options.releaseManifest,
        releaseSummary,
        findingsSummary: baked?.findingsSummaryVariable,
      }));
      // The pipeline names the workflows by ARN: they must exist before it starts them.
      pipeline.node.addDependency(this.workflowScopes.get(environment.name)!);
      acknowledgeStepFunctionActionFindings(stage, pipeline,
        [environment.releaseStateMachine, ...environment.soakStateMachine ? [environment.soakStateMachine] : []]);
      return stage;
    });
  }

  /**
   * Makes the recipe distribute its AMIs to every account and region of the environments that run
   * its architecture (or whose architecture is unknown), so that each environment launches its own
   * copy, encrypted with the key of its region when one is given. The build account and region
   * always hold the AMI. Call it once per recipe when environments run several architectures.
   */
  public distributeImages(recipe: ApplicationImageRecipe, options: PromotionImageDistributionOptions = {}): void {
    this.releasesImagesOf(recipe);
    const build = Stack.of(recipe);
    const architecture = recipe.baseImage.architecture;
    const environments = this.environments.filter(({ target }) => target.architecture === undefined || target.architecture === architecture);
    // Keys by the regions of all environments: one imageDistribution serves the recipe of each architecture.
    const keys = imageKeysByRegion(options.encryptionKeys ?? [], this.environments.map(({ target }) => target.region), build);
    validateEveryRegionEncrypted(keys, environments, options.unencryptedRegions ?? []);
    for (const { target, name } of environments) {
      if (Token.isUnresolved(target.account) || Token.isUnresolved(target.region)) {
        if (isInStackEnvironment(target, build)) {
          continue;
        }
        throw new Error(`Cannot distribute images to environment ${name}: its stack ${target.stackName} has no literal account and region`);
      }
      const key = keys.get(target.region);
      if (isInStackEnvironment(target, build) && key === undefined) {
        continue;
      }
      recipe.addDistributionTarget({
        region: target.region,
        copyToAccounts: target.account === build.account ? undefined : [target.account],
        kmsKeyArn: key?.keyArn,
      });
    }
    for (const [region, key] of keys) {
      const accounts = environments.filter(({ target }) => target.region === region).map(({ target }) => target.account);
      if (accounts.length > 0) allowAccountsToLaunchWithKey(key, accounts);
    }
    createImageBuilderRoles(build, environments.map(({ target }) => target), keys, options.accountsWithImageBuilderRoles ?? []);
  }

  /**
   * The environments of the recipe's architecture run its images: its lifecycle policy decides
   * when a retired AMI is deregistered, and each environment's instances must be able to run them
   * (checked at synth time).
   */
  private releasesImagesOf(recipe: BuildableRecipe): void {
    if (this.imageRecipes.includes(recipe)) return;
    if (this.imageRecipes.length === 0) {
      this.node.addValidation({ validate: () => incompatibleEnvironments(this.imageRecipes, this.declared) });
      this.node.addValidation({ validate: () => imagesDeletedBeforeRelease(this.releaseWaits()) });
      this.node.addValidation({
        validate: () => policiesWithoutScans(this.environments.map(({ name, target }, index) => ({
          name, recipe: this.recipeOf(target), policy: this.declared[index].vulnerabilities,
        }))),
      });
    }
    this.imageRecipes.push(recipe);
    expectReleasesWithin(recipe, () => {
      const waits = this.releaseWaits().filter((environment) => environment.recipe === recipe).map(({ wait }) => wait?.minutes);
      return waits.includes(undefined) ? undefined : Math.max(...waits as number[]);
    });
  }

  /** Each environment with its recipe and the longest its release may wait after a build, from now on. */
  private releaseWaits(): EnvironmentReleaseWait[] {
    this.waits ??= longestWaitsBeforeRelease(this.declared, new Date());
    return this.environments.map(({ name, target }, index) => ({ name, target, recipe: this.recipeOf(target), wait: this.waits![index] }));
  }

  /** The recipe whose images the target runs: of its architecture, or the only one. */
  private recipeOf(target: ReleaseTarget): BuildableRecipe | undefined {
    return target.architecture === undefined ? this.imageRecipes[0] : recipeOfArchitecture(this.imageRecipes, target.architecture);
  }

  private createWorkflows(environment: PromotionEnvironment, target: ReleaseTarget,
    logRetention: logs.RetentionDays | undefined): PromotedEnvironment {
    // A nested stack per environment: each release workflow's definition is tens of KB, and a stack
    // with many environments would outgrow CloudFormation's 1 MB limit. Beside this construct, or
    // in the release stack of the account and region, where aws-cdk-lib puts the pipeline's
    // cross-account action roles and replication buckets.
    const host = releaseStackFor(this, environment.name, target);
    const home = host === Stack.of(this);
    const workflows = new NestedStack(home ? this : host, home ? environment.name : `${Names.uniqueId(this)}-${environment.name}`, {
      description: `Release and soak workflows of environment ${environment.name} (stack ${target.stackName})`,
    });
    const release = new ReleaseWorkflow(workflows, 'Release', {
      environmentName: environment.name,
      target,
      timeout: environment.releaseTimeout,
      logRetention,
      releaseRoleArn: target.releaseRoleArn,
      vulnerabilities: environment.vulnerabilities,
      // Read when the definition is rendered: the recipe becomes known after construction.
      retirement: { deletionAgeDays: () => this.recipeOf(target)?._amiDeletionAgeDays },
    });
    const soak = environment.soakPeriod === undefined ? undefined : new SoakWorkflow(workflows, 'Soak', {
      environmentName: environment.name,
      target,
      soakPeriod: environment.soakPeriod,
      minimumSoak: environment.deployment && longestEvaluationWindow(environment.deployment.rolloutAlarms),
      logRetention,
      releaseRoleArn: target.releaseRoleArn,
    });
    this.workflowScopes.set(environment.name, workflows);
    const workflowRoleArns = [release.roleArn, ...soak ? [soak.roleArn] : []];
    if (target.releaseRoleArn !== undefined) {
      environment.deployment?._trustReleaseWorkflows(this, environment.name, workflowRoleArns);
    }
    // The pipeline names the workflows by literal ARN: a reference into a nested stack would be an
    // output, and outputs are not literal. Imported in the host stack, so that aws-cdk-lib puts a
    // cross-account action role there, as for a state machine of that stack.
    const forPipeline = (name: string, id: string): sfn.IStateMachine => sfn.StateMachine.fromStateMachineArn(
      home ? this : host, home ? `${environment.name}${id}` : `${Names.uniqueId(this)}-${environment.name}${id}`,
      host.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    return {
      name: environment.name,
      target,
      releaseStateMachine: forPipeline(release.stateMachineName, 'ReleaseStateMachine'),
      releaseLogGroup: release.logGroup,
      soakStateMachine: soak && forPipeline(soak.stateMachineName, 'SoakStateMachine'),
      workflowRoleArns,
    };
  }

  /** One dashboard per environment, beside its workflows, logs, metrics and alarms. */
  private createDashboards(): cloudwatch.Dashboard[] {
    return this.environments.map((environment) => new ReleaseDashboard(this.workflowScopes.get(environment.name)!, 'Dashboard', environment).dashboard);
  }
}

/**
 * Image Builder's roles in each environment account other than the build's (and those the user
 * says have them), trusting the build account, with its keys of the environments' regions.
 */
function createImageBuilderRoles(build: Stack, targets: ReleaseTarget[], keys: Map<string, kms.IKey>, existing: string[]): void {
  for (const account of existing) {
    if (!Token.isUnresolved(account) && !/^\d{12}$/.test(account)) {
      throw new Error(`accountsWithImageBuilderRoles must be 12-digit account ids, got '${account}'`);
    }
  }
  const elsewhere = targets.filter((target) => ![target.account, build.account].some((value) => Token.isUnresolved(value))
    && target.account !== build.account && !existing.includes(target.account));
  for (const target of elsewhere) {
    const roles = ImageBuilderAccountRoles.in(build, target.account, target.region);
    roles.trustBuildAccount(build.account, keys.has(target.region) ? target.region : undefined);
  }
}

/** Keys that encrypt some regions' copies must encrypt every environment region's, or the user names the exceptions. */
function validateEveryRegionEncrypted(keys: Map<string, kms.IKey>, environments: Array<{ name: string; target: ReleaseTarget }>,
  unencrypted: string[]): void {
  if (keys.size === 0) return;
  const bare = environments.filter(({ target }) => !Token.isUnresolved(target.region) && !keys.has(target.region)
    && !unencrypted.includes(target.region));
  if (bare.length > 0) {
    const regions = [...new Set(bare.map(({ target }) => target.region))];
    throw new Error(`encryptionKeys encrypt the copies in ${[...keys.keys()].join(', ')}, but not in ${regions.join(', ')}, where environments `
      + `${bare.map(({ name }) => name).join(', ')} run: add a key of each of those regions, or list them in unencryptedRegions to keep the build's encryption there`);
  }
}

/** The keys by region, at most one per region and only in regions environments run in. */
function imageKeysByRegion(keys: kms.IKey[], environmentRegions: string[], build: Stack): Map<string, kms.IKey> {
  const byRegion = new Map<string, kms.IKey>();
  for (const key of keys) {
    // The recipe's distribution names each key's ARN: a key of this app in another account or
    // region would be a reference CloudFormation cannot make.
    if (Token.isUnresolved(key.keyArn) && !isInStackEnvironment(Stack.of(key), build)) {
      throw new Error(`encryptionKeys: key ${key.node.path} is in account ${Stack.of(key).account}, region ${Stack.of(key).region}, but the recipe's stack `
        + `${build.stackName} is in account ${build.account}, region ${build.region}: give it by ARN (kms.Key.fromKeyArn), and give its policy the statements `
        + 'of the README section "Encrypted AMIs"');
    }
    const region = key.env.region;
    if (Token.isUnresolved(region) || !environmentRegions.includes(region)) {
      throw new Error(`encryptionKeys: key ${key.node.path} is in region ${region}, where no environment runs (${[...new Set(environmentRegions)].join(', ')}); `
        + 'give each key in the region of the copies it encrypts, from a stack with an explicit region');
    }
    const other = byRegion.get(region);
    if (other !== undefined) {
      throw new Error(`encryptionKeys: keys ${other.node.path} and ${key.node.path} are both in region ${region}; Image Builder encrypts a region's copies with one key`);
    }
    byRegion.set(region, key);
  }
  return byRegion;
}
