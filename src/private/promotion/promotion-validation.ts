import { Annotations, Duration, Stack, Token, aws_codepipeline as codepipeline } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { isInStackEnvironment } from './promotion-placement';
import { ReleaseWait, humanMinutes } from './promotion-timing';
import type { PromotionApproval } from '../../promotion-approval';
import type { ReleaseTarget } from '../../release-target';
import type { VulnerabilityPolicy } from '../../vulnerability-policy';
import type { BuildableRecipe } from '../image/buildable-recipe';
import { retentionAgeOutliving } from '../image/deprecation-grace';
import { recipeOfArchitecture } from '../image/recipe-architectures';
import { validateEnvironmentName } from '../release/target-workflow';
import { startOfDay } from '../shared/calendar-day';

/** An environment as the user declared it (`PromotionEnvironment`), as far as validation reads it. */
export interface DeclaredEnvironment {
  readonly name: string;
  readonly deployment?: { readonly releaseTarget: ReleaseTarget };
  readonly target?: ReleaseTarget;
  readonly approval?: PromotionApproval;
  readonly vulnerabilities?: VulnerabilityPolicy;
}

/**
 * CodePipeline's fixed limit of stages in one pipeline.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */
const MAX_PIPELINE_STAGES = 50;

/** Synth-time errors for environments that cannot be promoted through, each naming the bad value; returns their targets. */
export function validateEnvironments(environments: DeclaredEnvironment[]): ReleaseTarget[] {
  if (environments.length === 0) {
    throw new Error('A promotion needs at least one environment, got none');
  }
  const names = new Set<string>();
  const stacks = new Map<string, string>();
  return environments.map((environment) => {
    validateEnvironmentName(environment.name);
    if (names.has(environment.name)) {
      throw new Error(`Environment names must be unique in a promotion, got '${environment.name}' twice`);
    }
    names.add(environment.name);
    if ((environment.deployment === undefined) === (environment.target === undefined)) {
      throw new Error(`Environment ${environment.name} needs exactly one of deployment and target, got ${environment.deployment === undefined ? 'neither' : 'both'}`);
    }
    const target = environment.deployment?.releaseTarget ?? environment.target!;
    const stackKey = `${target.account}/${target.region}/${target.stackName}`;
    const earlier = stacks.get(stackKey);
    if (earlier !== undefined) {
      throw new Error(`Environments ${earlier} and ${environment.name} both release into stack ${target.stackName} (account ${target.account}, region ${target.region}): `
        + `${environment.name} would be its own predecessor`);
    }
    stacks.set(stackKey, environment.name);
    return target;
  });
}

/** Synth-time errors for a pipeline the promotion cannot be added to. */
export function validatePipeline(pipeline: codepipeline.Pipeline, environments: DeclaredEnvironment[]): void {
  const pipelineStack = Stack.of(pipeline);
  const pipelineType = pipelineStack.resolve((pipeline.node.defaultChild as codepipeline.CfnPipeline).pipelineType);
  if (pipelineType !== codepipeline.PipelineType.V2) {
    throw new Error(`Pipeline ${pipeline.node.path} must be of type V2 for stage conditions and rollback, got ${pipelineType ?? 'V1'}`);
  }
  const stages = pipeline.stageCount + environments.length;
  if (stages > MAX_PIPELINE_STAGES) {
    throw new Error(`Pipeline ${pipeline.node.path} would have ${stages} stages (${pipeline.stageCount} and one per environment), `
      + `more than the ${MAX_PIPELINE_STAGES} CodePipeline allows`);
  }
  for (const environment of environments) {
    const topic = environment.approval?.manualApproval?.notificationTopic;
    const topicRegion = topic?.env.region;
    const comparable = topicRegion !== undefined && !Token.isUnresolved(topicRegion) && !Token.isUnresolved(pipelineStack.region);
    if (comparable && topicRegion !== pipelineStack.region) {
      throw new Error(`The approval topic of environment ${environment.name} is in region ${topicRegion}, `
        + `but pipeline ${pipeline.node.path} publishes from region ${pipelineStack.region}: use a topic in ${pipelineStack.region}`);
    }
  }
}

/**
 * Errors for environments the recipes (one per architecture) leave without an AMI of their own:
 * the release would find no image for its account, region and architecture in the manifest.
 * Checked at synth time, after every distribution target is added.
 */
export function undistributedEnvironments(recipes: BuildableRecipe[], environments: Array<{ name: string; target: ReleaseTarget }>): string[] {
  return environments.flatMap(({ name, target }) => {
    if (target.architecture === undefined && recipes.length > 1) {
      return [`Environment ${name} (stack ${target.stackName}) has no known architecture, and the bake makes an AMI for each of `
        + `${recipes.map((recipe) => recipe.baseImage.architecture).join(', ')}: give its release target an architecture (a deployment has one when its instanceType is not a token)`];
    }
    const recipe = target.architecture === undefined ? recipes[0] : recipeOfArchitecture(recipes, target.architecture);
    // An environment of no recipe's architecture: incompatibleEnvironments explains it.
    if (recipe === undefined) return [];
    const build = Stack.of(recipe);
    if (isInStackEnvironment(target, build) || recipe._distributesTo(target.account, target.region)) return [];
    return [`Environment ${name} releases into account ${target.account}, region ${target.region}, `
      + `but recipe ${recipe.node.path} (account ${build.account}, regions ${recipe.distributionRegions.join(', ')}) leaves no AMI there: `
      + 'call promotion.distributeImages(recipe), or add a distribution target that copies the AMI to that account and region'];
  });
}

/** An environment with the recipe whose images it runs and the longest its release may wait after a build. */
export interface EnvironmentReleaseWait {
  readonly name: string;
  readonly target: ReleaseTarget;
  readonly recipe?: BuildableRecipe;
  readonly wait?: ReleaseWait;
}

/**
 * Errors for environments whose copy of an image the recipe's lifecycle policy may delete before
 * the promotion reaches them: the in-use tag protects a copy only once an environment runs it.
 */
export function imagesDeletedBeforeRelease(environments: EnvironmentReleaseWait[]): string[] {
  return environments.flatMap(({ name, target, recipe, wait }) => {
    const deletionAgeDays = recipe?._amiDeletionAgeDays;
    if (recipe === undefined || wait === undefined || deletionAgeDays === undefined) return [];
    if (wait.minutes < Duration.days(deletionAgeDays).toMinutes()) return [];
    const neededAgeDays = retentionAgeOutliving(Duration.minutes(wait.minutes).toDays({ integral: false }));
    return [`Environment ${name} may start its release up to ${humanMinutes(wait.minutes)} after its image was built (${wait.parts.join('; ')}), `
      + `but recipe ${recipe.node.path} deletes its images ${deletionAgeDays} days after their build, with the copy in account ${target.account}, region ${target.region}: `
      + `keep them longer (imageRetention: ImageRetention.age(Duration.days(${neededAgeDays})) or more, which also leaves bakes time to reuse images), `
      + 'or shorten the waits (approval timeouts, soak periods, deployment windows)'];
  });
}

/**
 * Errors for environments whose policy judges findings that their recipe never finds: without
 * `vulnerabilityScanning`, every image is NOT_SCANNED, so the policy's severity never applies.
 */
export function policiesWithoutScans(environments: Array<{ name: string; recipe?: BuildableRecipe; policy?: VulnerabilityPolicy }>): string[] {
  return environments.flatMap(({ name, recipe, policy }) => {
    if (policy?.severity === undefined || recipe === undefined || recipe._artifactBuildSettings.vulnerabilityScanning) return [];
    return [`Environment ${name} refuses images with findings at or above ${policy.severity}, but recipe ${recipe.node.path} does not scan its images `
      + '(vulnerabilityScanning is false), so no release would have findings to judge: turn on vulnerabilityScanning on the recipe (Amazon Inspector must be '
      + `activated in account ${Stack.of(recipe).account}), or give environment ${name} VulnerabilityPolicy.none()`];
  });
}

/**
 * Warns of accepted findings whose acceptance has ended (`expires` is `now` or before): releases
 * refuse them again, which is what an ended acceptance is for, but the app still names them.
 */
export function warnOfEndedAcceptances(scope: IConstruct, environments: DeclaredEnvironment[], now: Date): void {
  for (const { name, vulnerabilities } of environments) {
    for (const { vulnerabilityId, expires } of vulnerabilities?.acceptedVulnerabilities ?? []) {
      if (expires !== undefined && !Token.isUnresolved(expires) && startOfDay(expires) <= now.getTime()) {
        Annotations.of(scope).addWarningV2('cdk-immutable-servers:ended-acceptance',
          `Environment ${name} accepted ${vulnerabilityId} until ${expires}: its releases refuse the finding again. Fix it, or review the acceptance and give it a new expiry`);
      }
    }
  }
}
