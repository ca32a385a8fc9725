import { aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import type { DeploymentWindow } from '../../deployment-window';
import type { PromotionApproval } from '../../promotion-approval';
import type { ReleaseTarget } from '../../release-target';
import type { VulnerabilityPolicy } from '../../vulnerability-policy';
import { PathInArtifact } from '../shared/path-in-artifact';

/** An environment as the user declared it (`PromotionEnvironment`): what its stage asks and when. */
export interface DeclaredStage {
  readonly name: string;
  readonly approval?: PromotionApproval;
  readonly deploymentWindow?: DeploymentWindow;
  readonly url?: string;
  readonly vulnerabilities?: VulnerabilityPolicy;
}

/** An environment's workflows (`PromotedEnvironment`): what its stage runs. */
export interface StageWorkflows {
  readonly name: string;
  readonly releaseStateMachine: sfn.IStateMachine;
  readonly soakStateMachine?: sfn.IStateMachine;
}

/** What one environment's pipeline stage is made of. */
export interface PromotionStageOptions {
  /** The environment, with its workflows. */
  readonly environment: StageWorkflows;
  /** The environment as the user declared it: approval, window, URL. */
  readonly declared: DeclaredStage;
  /** The environment before it, which the approval points the approver to. */
  readonly previous?: { readonly declared: DeclaredStage; readonly target: ReleaseTarget };
  readonly releaseManifest: codepipeline.ArtifactPath;
  readonly releaseSummary: string;
  /** A CodePipeline variable that tells what the scans of the manifest's images found, when a bake wrote it. */
  readonly findingsSummary?: string;
}

/**
 * One environment's stage: the approval, the release and the soak, the deployment window as the
 * entry condition, and a rollback to the last execution that succeeded in the stage on failure.
 */
export function promotionStage(options: PromotionStageOptions): codepipeline.StageOptions {
  const { environment, declared } = options;
  const window = declared.deploymentWindow;
  return {
    stageName: environment.name,
    actions: [...approvalActions(options), ...workflowActions(options)],
    beforeEntry: window && {
      conditions: [{
        result: codepipeline.Result.FAIL,
        rules: [new codepipeline.Rule({
          name: `${environment.name}-DeploymentWindow`,
          provider: 'DeploymentWindow',
          version: '1',
          configuration: { Cron: window.expression, TimeZone: window.timeZone },
        })],
      }],
    },
    onFailure: { result: codepipeline.Result.ROLLBACK },
  };
}

function approvalActions({ environment, declared, previous, releaseSummary, findingsSummary }: PromotionStageOptions): codepipeline.IAction[] {
  const approval = declared.approval?.manualApproval;
  if (approval === undefined) {
    return [];
  }
  const where = previous === undefined ? '' : ` ${previousEnvironmentNote(previous.declared, previous.target)} `
    + `The AMI it runs is in the output of its release, #{${releaseNamespace(previous.declared.name)}.ExecutionArn}.`;
  const findings = findingsSummary === undefined ? '' : ` Image findings: ${findingsSummary}.${policyNote(environment.name, declared.vulnerabilities)}`;
  return [new actions.ManualApprovalAction({
    actionName: 'Approve',
    runOrder: 1,
    notificationTopic: approval.notificationTopic,
    timeout: approval.timeout,
    additionalInformation: `${releaseSummary}, into ${environment.name}.${where}${findings}`,
    externalEntityLink: previous?.declared.url,
  })];
}

/**
 * What the environment's release refuses, for its approver: the release checks it after the
 * approval. The accepted findings are counted, not named: an action's configuration value holds
 * 1,000 characters, and each release's output names those it accepted.
 */
function policyNote(environmentName: string, policy: VulnerabilityPolicy | undefined): string {
  if (policy?.severity === undefined) return '';
  const accepted = policy.acceptedVulnerabilities.length;
  return ` ${environmentName} refuses findings at or above ${policy.severity}${accepted === 0 ? '' : ` but the ${accepted} it accepts`}.`;
}

function workflowActions({ environment, releaseManifest }: PromotionStageOptions): codepipeline.IAction[] {
  const release = new actions.StepFunctionInvokeAction({
    actionName: 'Release',
    runOrder: 2,
    stateMachine: environment.releaseStateMachine,
    stateMachineInput: actions.StateMachineInput.filePath(new PathInArtifact(releaseManifest.artifact, releaseManifest.fileName)),
    // Its ExecutionArn variable lets the next environment's approver open the release's output.
    variablesNamespace: releaseNamespace(environment.name),
  });
  const soak = environment.soakStateMachine && new actions.StepFunctionInvokeAction({
    actionName: 'Soak',
    runOrder: 3,
    stateMachine: environment.soakStateMachine,
  });
  return soak === undefined ? [release] : [release, soak];
}

/** The variables namespace of an environment's release action. */
function releaseNamespace(environmentName: string): string {
  return `${environmentName}-Release`;
}

/** What an approver of the next environment can look at. */
function previousEnvironmentNote(previous: DeclaredStage, target: ReleaseTarget): string {
  if (previous.url !== undefined) {
    return `${previous.name} runs it: ${previous.url}.`;
  }
  if (target.urlParameterName !== undefined) {
    return `${previous.name} runs it; its URL is in SSM parameter ${target.urlParameterName} (account ${target.account}, region ${target.region}).`;
  }
  return `${previous.name} runs it.`;
}
