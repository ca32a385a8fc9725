import {
  Duration, Names, Stack, Token,
  aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_logs as logs, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ApplicationImageRecipe } from './application-image-recipe';
import type { DeploymentWindow } from './deployment-window';
import { longestEvaluationWindow } from './private/alarm-evaluation';
import { acknowledgeStepFunctionActionFindings } from './private/pipeline-action-nag';
import { releaseStackFor } from './private/promotion-placement';
import { ReleaseWorkflow } from './private/release-workflow';
import { SoakWorkflow } from './private/soak-workflow';
import { validateEnvironmentName } from './private/target-workflow';
import type { PromotionApproval } from './promotion-approval';
import type { ReleaseTarget, RollingAsgDeployment } from './rolling-asg-deployment';

/**
 * CodePipeline's fixed limit of stages in one pipeline.
 *
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html
 */
const MAX_PIPELINE_STAGES = 50;

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
   * The soak workflow.
   *
   * @default - no soak
   */
  readonly soakStateMachine?: sfn.IStateMachine;
}

/**
 * Options of `EnvironmentPromotion.addToPipeline`.
 */
export interface PromotionPipelineOptions {
  /**
   * The release manifest: a JSON file of an earlier action's output artifact (the bake's), with
   * `version`, `commitId`, `commitMessage`, `pipelineExecutionId` and `images`, an object whose
   * keys are `<account>/<region>` and whose values are the AMI ids distributed there. Each
   * environment releases the AMI of its own account and region: the same image, never rebuilt.
   */
  readonly releaseManifest: codepipeline.ArtifactPath;

  /**
   * What approvers read about the release: CodePipeline variables are resolved, e.g.
   * `Version #{Build.VERSION} of commit #{Source.CommitId}`. The name of the environment and a
   * link to the previous one are added.
   *
   * @default - 'Release of pipeline execution #{codepipeline.PipelineExecutionId}'
   */
  readonly releaseSummary?: string;
}

/**
 * Moves one AMI through ordered environments (dev → qa → prod): per environment an optional
 * manual approval and deployment window, a release workflow that writes the environment's ledger
 * and updates its stack (the instance refresh rolls back on its alarms, and the ledger with it),
 * and an optional soak against the environment's rollback alarms.
 *
 * The workflows run in each environment's account and region (Step Functions SDK integrations
 * reach their own region only): in this construct's stack when the environment is there, otherwise
 * in a release stack per account and region, created beside this stack. The pipeline reaches them
 * through CodePipeline's cross-account action roles, so target accounts are bootstrapped with
 * `cdk bootstrap --trust <pipeline account>`, and the pipeline needs `crossAccountKeys`.
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

  private readonly declared: PromotionEnvironment[];

  constructor(scope: Construct, id: string, props: EnvironmentPromotionProps) {
    super(scope, id);
    this.declared = props.environments;
    const targets = validateEnvironments(props.environments);
    this.environments = props.environments.map((environment, index) => this.createWorkflows(environment, targets[index], props.logRetention));
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
    const summary = options.releaseSummary ?? 'Release of pipeline execution #{codepipeline.PipelineExecutionId}';
    return this.environments.map((environment, index) => {
      const declared = this.declared[index];
      const stageActions: codepipeline.IAction[] = [];
      const approval = declared.approval?.manualApproval;
      if (approval !== undefined) {
        const previous = index === 0 ? undefined : this.declared[index - 1];
        stageActions.push(new actions.ManualApprovalAction({
          actionName: 'Approve',
          runOrder: 1,
          notificationTopic: approval.notificationTopic,
          timeout: approval.timeout,
          additionalInformation: `${summary}, into ${environment.name}.${previous === undefined ? '' : ` ${previousEnvironmentNote(previous, this.environments[index - 1].target)}`}`,
          externalEntityLink: previous?.url,
        }));
      }
      stageActions.push(new actions.StepFunctionInvokeAction({
        actionName: 'Release',
        runOrder: 2,
        stateMachine: environment.releaseStateMachine,
        stateMachineInput: actions.StateMachineInput.filePath(options.releaseManifest),
      }));
      if (environment.soakStateMachine !== undefined) {
        stageActions.push(new actions.StepFunctionInvokeAction({
          actionName: 'Soak',
          runOrder: 3,
          stateMachine: environment.soakStateMachine,
        }));
      }
      const stage = pipeline.addStage({
        stageName: environment.name,
        actions: stageActions,
        beforeEntry: declared.deploymentWindow && {
          conditions: [{
            result: codepipeline.Result.FAIL,
            rules: [new codepipeline.Rule({
              name: `${environment.name}-DeploymentWindow`,
              provider: 'DeploymentWindow',
              version: '1',
              configuration: { Cron: declared.deploymentWindow.expression, TimeZone: declared.deploymentWindow.timeZone },
            })],
          }],
        },
        onFailure: { result: codepipeline.Result.ROLLBACK },
      });
      acknowledgeStepFunctionActionFindings(pipeline.node.findChild(environment.name), pipeline,
        [environment.releaseStateMachine, ...environment.soakStateMachine ? [environment.soakStateMachine] : []]);
      return stage;
    });
  }

  /**
   * Makes the recipe distribute its AMIs to every account and region of the environments, so that
   * each environment launches its own copy. The build account and region always hold the AMI.
   */
  public distributeImages(recipe: ApplicationImageRecipe): void {
    const build = Stack.of(recipe);
    for (const { target, name } of this.environments) {
      if (target.account === build.account && target.region === build.region) {
        continue;
      }
      if (Token.isUnresolved(target.account) || Token.isUnresolved(target.region)) {
        throw new Error(`Cannot distribute images to environment ${name}: its stack ${target.stackName} has no literal account and region`);
      }
      recipe.addDistributionTarget({
        region: target.region,
        copyToAccounts: target.account === build.account ? undefined : [target.account],
      });
    }
  }

  private createWorkflows(environment: PromotionEnvironment, target: ReleaseTarget,
    logRetention: logs.RetentionDays | undefined): PromotedEnvironment {
    const stack = releaseStackFor(this, environment.name, target);
    const scope = stack === Stack.of(this)
      ? new Construct(this, environment.name)
      : new Construct(stack, `${Names.uniqueId(this)}-${environment.name}`);
    const release = new ReleaseWorkflow(scope, 'Release', {
      environmentName: environment.name, target, timeout: environment.releaseTimeout, logRetention,
    });
    const soak = environment.soakPeriod === undefined ? undefined : new SoakWorkflow(scope, 'Soak', {
      environmentName: environment.name,
      target,
      soakPeriod: environment.soakPeriod,
      minimumSoak: environment.deployment && longestEvaluationWindow(environment.deployment.rolloutAlarms),
      logRetention,
    });
    return { name: environment.name, target, releaseStateMachine: release.stateMachine, soakStateMachine: soak?.stateMachine };
  }
}

/** What an approver of the next environment can look at. */
function previousEnvironmentNote(previous: PromotionEnvironment, target: ReleaseTarget): string {
  if (previous.url !== undefined) {
    return `${previous.name} runs it: ${previous.url}`;
  }
  if (target.urlParameterName !== undefined) {
    return `${previous.name} runs it; its URL is in SSM parameter ${target.urlParameterName} (account ${target.account}, region ${target.region}).`;
  }
  return `${previous.name} runs it.`;
}

/** Synth-time errors for environments that cannot be promoted through, each naming the bad value; returns their targets. */
function validateEnvironments(environments: PromotionEnvironment[]): ReleaseTarget[] {
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
function validatePipeline(pipeline: codepipeline.Pipeline, environments: PromotionEnvironment[]): void {
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
