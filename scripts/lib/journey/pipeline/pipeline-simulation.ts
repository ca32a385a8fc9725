/**
 * The deployed CodePipeline V2 pipeline, run as CodePipeline would run it from its template:
 * stages in order, each stage's entry condition, actions by run order, variables between them,
 * and a failed stage's rollback to the artifacts of the last execution that succeeded in it. Its
 * source is the journey's repository; its CodeBuild actions run their buildspecs
 * (`CodeBuildSimulation`), its Step Functions actions the deployed workflows, its approvals the
 * journey's approver. `ListPipelineExecutions` and `StartPipelineExecution` serve the patch
 * rebuild workflow.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { AwsError } from '../aws-api';
import { resolve } from '../template-resolution';
import { WorkflowRunner } from '../workflows';
import { CodeBuildSimulation } from './codebuild';
import { CloudFormationSimulation, SimulatedStack } from '../world/cloudformation';

/** A commit of the journey's repository: the files its build leaves (under `dist/`). */
export interface Commit {
  readonly id: string;
  readonly message: string;
  readonly files: Record<string, string>;
}

export type StageOutcome = 'Succeeded' | 'Failed' | 'Skipped';

export interface PipelineExecution {
  readonly id: string;
  readonly revision: string;
  readonly trigger: 'Push' | 'StartPipelineExecution' | 'Rollback';
  status: 'InProgress' | 'Succeeded' | 'Failed';
  readonly stages: Record<string, StageOutcome>;
  /** Each stage's input artifacts and the variables it saw, for a later rollback. */
  readonly stageInputs: Record<string, { artifacts: Record<string, string>; variables: Record<string, string> }>;
  readonly variables: Record<string, string>;
  readonly artifacts: Record<string, string>;
  /** Each action that ran, with the variables it exported, as ListActionExecutions lists them. */
  readonly actions: Array<{ stageName: string; actionName: string; status: 'Succeeded' | 'Failed'; outputVariables: Record<string, string> }>;
  /** Why the execution failed. */
  failure?: string;
  readonly startTime: Date;
}

/** Decides a manual approval: the stage and the approval's text. */
export type Approver = (stageName: string, summary: string) => boolean;

interface Action {
  readonly Name: string;
  readonly ActionTypeId: { Provider: string };
  readonly Configuration?: Record<string, any>;
  readonly InputArtifacts?: Array<{ Name: string }>;
  readonly OutputArtifacts?: Array<{ Name: string }>;
  readonly Namespace?: string;
  readonly RunOrder?: number;
}

interface Rule {
  readonly Name: string;
  readonly RuleTypeId: { Provider: string };
  readonly Configuration?: Record<string, string>;
}

interface Stage {
  readonly Name: string;
  readonly Actions: Action[];
  readonly BeforeEntry?: { Conditions: Array<{ Result: string; Rules: Rule[] }> };
  readonly OnFailure?: { Result: string };
}

export class PipelineSimulation {
  public readonly repository: Commit[] = [];
  public readonly executions: PipelineExecution[] = [];
  /** Manual approvals asked, per stage. */
  public readonly approvalsAsked: Record<string, number> = {};
  private readonly queue: Array<{ revision: string; trigger: PipelineExecution['trigger'] }> = [];
  private count = 0;

  public constructor(
    private readonly stack: SimulatedStack,
    private readonly logicalId: string,
    private readonly cloudFormation: CloudFormationSimulation,
    private readonly workflows: WorkflowRunner,
    private readonly codeBuild: CodeBuildSimulation,
    private readonly now: () => Date,
  ) {}

  /** Decides each manual approval: approves all unless a journey says otherwise. */
  public approver: Approver = () => true;

  public get name(): string {
    return String(this.cloudFormation.context(this.stack).physical(this.logicalId));
  }

  private get stages(): Stage[] {
    return resolve(this.stack.assembly.template.Resources[this.logicalId].Properties!.Stages, this.cloudFormation.context(this.stack));
  }

  /** A push to the branch: the source action's change detection starts an execution on it. */
  public push(commit: Commit): void {
    this.repository.push(commit);
    this.queue.push({ revision: commit.id, trigger: 'Push' });
  }

  /** Runs queued executions one after another (the pipeline is QUEUED), including those started meanwhile. */
  public async drain(): Promise<PipelineExecution[]> {
    const ran: PipelineExecution[] = [];
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      ran.push(await this.execute(next.revision, next.trigger));
    }
    return ran;
  }

  public handle = (action: string, request: any): unknown => {
    if (request.PipelineName !== undefined && request.PipelineName !== this.name || request.Name !== undefined && request.Name !== this.name) {
      throw new AwsError('CodePipeline.PipelineNotFoundException', `Account does not have a pipeline with name ${request.PipelineName ?? request.Name}`);
    }
    switch (action) {
      case 'listPipelineExecutions': {
        const stage = request.Filter?.SucceededInStage?.StageName;
        const summaries = [...this.executions].reverse()
          .filter((execution) => execution.trigger !== 'Rollback' && (stage === undefined || execution.stages[stage] === 'Succeeded'))
          .slice(0, request.MaxResults ?? 100)
          .map((execution) => ({
            PipelineExecutionId: execution.id,
            Status: execution.status,
            StartTime: execution.startTime.toISOString(),
            SourceRevisions: [{
              ActionName: this.sourceAction().Name, RevisionId: execution.revision, RevisionSummary: this.commit(execution.revision).message,
            }],
            Trigger: { TriggerType: execution.trigger === 'Push' ? 'CloudWatchEvent' : 'StartPipelineExecution' },
          }));
        return { PipelineExecutionSummaries: summaries };
      }
      case 'listActionExecutions': {
        const execution = this.executions.find((candidate) => candidate.id === request.Filter?.PipelineExecutionId);
        return {
          ActionExecutionDetails: (execution?.actions ?? []).map((ran, index) => ({
            PipelineExecutionId: execution!.id,
            ActionExecutionId: `${execution!.id}-${index}`,
            StageName: ran.stageName,
            ActionName: ran.actionName,
            Status: ran.status,
            Output: { OutputVariables: ran.outputVariables },
          })),
        };
      }
      case 'startPipelineExecution': {
        const source = this.sourceAction().Name;
        const override = (request.SourceRevisions ?? []).find((revision: any) => revision.ActionName === source);
        if (override && override.RevisionType !== 'COMMIT_ID') {
          throw new AwsError('CodePipeline.InvalidRequestException', `Source action ${source} takes COMMIT_ID overrides, got ${override.RevisionType}`);
        }
        const revision = override?.RevisionValue ?? this.repository[this.repository.length - 1].id;
        this.commit(revision);
        this.queue.push({ revision, trigger: 'StartPipelineExecution' });
        return { PipelineExecutionId: `queued-${this.queue.length}` };
      }
      default: throw new Error(`CodePipeline ${action} is not simulated`);
    }
  };

  private sourceAction(): Action {
    const action = this.stages[0].Actions.find((candidate) => candidate.ActionTypeId.Provider === 'CodeStarSourceConnection');
    if (!action) throw new Error('The journeys expect a connection source in the first stage');
    return action;
  }

  private commit(revision: string): Commit {
    const commit = this.repository.find((candidate) => candidate.id === revision);
    if (!commit) throw new AwsError('CodePipeline.InvalidRequestException', `No commit ${revision} in the repository`);
    return commit;
  }

  private async execute(revision: string, trigger: PipelineExecution['trigger']): Promise<PipelineExecution> {
    this.count += 1;
    const id = `00000000-0000-4000-8000-${String(this.count).padStart(12, '0')}`;
    const execution: PipelineExecution = {
      id,
      revision,
      trigger,
      status: 'InProgress',
      stages: {},
      stageInputs: {},
      variables: { 'codepipeline.PipelineExecutionId': id },
      artifacts: {},
      actions: [],
      startTime: this.now(),
    };
    this.executions.push(execution);
    for (const stage of this.stages) {
      const outcome = await this.runStage(stage, execution);
      execution.stages[stage.Name] = outcome;
      if (outcome === 'Failed') {
        execution.status = 'Failed';
        if (stage.OnFailure?.Result === 'ROLLBACK') await this.rollBack(stage, execution);
        return execution;
      }
    }
    execution.status = 'Succeeded';
    return execution;
  }

  private async runStage(stage: Stage, execution: PipelineExecution): Promise<StageOutcome> {
    execution.stageInputs[stage.Name] = { artifacts: { ...execution.artifacts }, variables: { ...execution.variables } };
    const condition = stage.BeforeEntry?.Conditions[0];
    if (condition && !condition.Rules.every((rule) => this.ruleHolds(rule, execution.variables))) {
      if (condition.Result === 'SKIP') return 'Skipped';
      execution.failure = `stage ${stage.Name}: its entry condition failed`;
      return 'Failed';
    }
    const orders = [...new Set(stage.Actions.map((action) => action.RunOrder ?? 1))].sort((a, b) => a - b);
    for (const order of orders) {
      for (const action of stage.Actions.filter((candidate) => (candidate.RunOrder ?? 1) === order)) {
        const before = { ...execution.variables };
        const failure = await this.runAction(stage, action, execution);
        const prefix = `${action.Namespace}.`;
        execution.actions.push({
          stageName: stage.Name,
          actionName: action.Name,
          status: failure ? 'Failed' : 'Succeeded',
          outputVariables: action.Namespace === undefined ? {} : Object.fromEntries(Object.entries(execution.variables)
            .filter(([name, value]) => name.startsWith(prefix) && before[name] !== value).map(([name, value]) => [name.slice(prefix.length), value])),
        });
        if (failure) {
          execution.failure = `stage ${stage.Name}, action ${action.Name}: ${failure}`;
          return 'Failed';
        }
      }
    }
    return 'Succeeded';
  }

  /** CodePipeline's stage rollback: the stage runs again with the last execution that succeeded in it. */
  private async rollBack(stage: Stage, failed: PipelineExecution): Promise<void> {
    const last = [...this.executions].reverse().find((execution) => execution !== failed && execution.stages[stage.Name] === 'Succeeded');
    if (!last) return;
    this.count += 1;
    const inputs = last.stageInputs[stage.Name];
    const rollback: PipelineExecution = {
      id: `00000000-0000-4000-8000-${String(this.count).padStart(12, '0')}`,
      revision: last.revision,
      trigger: 'Rollback',
      status: 'InProgress',
      stages: {},
      stageInputs: {},
      variables: { ...inputs.variables },
      artifacts: { ...inputs.artifacts },
      actions: [],
      startTime: this.now(),
    };
    this.executions.push(rollback);
    rollback.stages[stage.Name] = await this.runStage(stage, rollback);
    rollback.status = rollback.stages[stage.Name] === 'Succeeded' ? 'Succeeded' : 'Failed';
  }

  private ruleHolds(rule: { RuleTypeId: { Provider: string }; Configuration?: Record<string, string> }, variables: Record<string, string>): boolean {
    switch (rule.RuleTypeId.Provider) {
      // The journeys' releases all start inside their windows.
      case 'DeploymentWindow': return true;
      case 'VariableCheck': {
        const value = substitute(rule.Configuration!.Variable, variables);
        const expected = rule.Configuration!.Value;
        switch (rule.Configuration!.Operator) {
          case 'EQ': return value === expected;
          case 'NE': return value !== expected;
          case 'CONTAINS': return value.includes(expected);
          case 'MATCHES': return new RegExp(expected).test(value);
          default: throw new Error(`VariableCheck operator ${rule.Configuration!.Operator}`);
        }
      }
      default: throw new Error(`Rule ${rule.RuleTypeId.Provider} is not simulated`);
    }
  }

  /** Runs one action; returns why it failed. */
  private async runAction(stage: Stage, action: Action, execution: PipelineExecution): Promise<string | undefined> {
    const configuration = action.Configuration ?? {};
    const input = action.InputArtifacts?.[0] && execution.artifacts[action.InputArtifacts[0].Name];
    const setVariables = (values: Record<string, string>) => {
      if (action.Namespace) Object.entries(values).forEach(([name, value]) => { execution.variables[`${action.Namespace}.${name}`] = value; });
    };
    const setOutput = (folder: string) => {
      if (action.OutputArtifacts?.[0]) execution.artifacts[action.OutputArtifacts[0].Name] = folder;
    };
    switch (action.ActionTypeId.Provider) {
      case 'CodeStarSourceConnection': {
        const commit = this.commit(execution.revision);
        const folder = mkdtempSync(join(tmpdir(), 'journey-source-'));
        for (const [path, content] of Object.entries(commit.files)) {
          mkdirSync(dirname(join(folder, path)), { recursive: true });
          writeFileSync(join(folder, path), content);
        }
        setOutput(folder);
        setVariables({
          CommitId: commit.id,
          CommitMessage: commit.message,
          BranchName: configuration.BranchName,
          FullRepositoryName: configuration.FullRepositoryId,
          ConnectionArn: configuration.ConnectionArn,
        });
        return undefined;
      }
      case 'CodeBuild': {
        const project = this.project(configuration.ProjectName);
        const variables = [...project.environmentVariables, ...JSON.parse(configuration.EnvironmentVariables ?? '[]')];
        const environment = Object.fromEntries(variables.map((variable: any) =>
          [variable.name ?? variable.Name, substitute(String(variable.value ?? variable.Value), execution.variables)]));
        try {
          const result = this.codeBuild.run(project.buildSpec, input, environment);
          setOutput(result.output);
          setVariables(result.variables);
        } catch (error) {
          return (error as Error).message;
        }
        return undefined;
      }
      case 'StepFunctions': {
        const arn = configuration.StateMachineArn;
        const stateMachineInput = configuration.InputType === 'FilePath' ? JSON.parse(readFileSync(join(input!, configuration.Input), 'utf8'))
          : configuration.Input !== undefined ? JSON.parse(substitute(configuration.Input, execution.variables)) : {};
        const run = await this.workflows.run(arn, stateMachineInput);
        setVariables({ ExecutionArn: run.executionArn, StateMachineArn: arn });
        if (run.status !== 'SUCCEEDED') return `${run.error}: ${run.cause}`;
        if (action.OutputArtifacts?.[0]) {
          const folder = mkdtempSync(join(tmpdir(), 'journey-output-'));
          writeFileSync(join(folder, 'output.json'), JSON.stringify(run.output));
          setOutput(folder);
        }
        return undefined;
      }
      case 'Manual': {
        this.approvalsAsked[stage.Name] = (this.approvalsAsked[stage.Name] ?? 0) + 1;
        return this.approver(stage.Name, substitute(configuration.CustomData ?? '', execution.variables)) ? undefined : 'the approval was rejected';
      }
      default:
        throw new Error(`Action provider ${action.ActionTypeId.Provider} is not simulated`);
    }
  }

  private project(name: string): { buildSpec: string; environmentVariables: any[] } {
    const context = this.cloudFormation.context(this.stack);
    const entry = Object.entries(this.stack.assembly.template.Resources)
      .find(([logicalId, resource]) => resource.Type === 'AWS::CodeBuild::Project' && context.physical(logicalId) === name);
    if (!entry) throw new Error(`No CodeBuild project ${name} in ${this.stack.stackName}`);
    const properties = resolve(entry[1].Properties, context);
    return { buildSpec: properties.Source.BuildSpec, environmentVariables: properties.Environment?.EnvironmentVariables ?? [] };
  }
}

/** CodePipeline variables (`#{namespace.name}`) in an action's configuration. */
function substitute(text: string, variables: Record<string, string>): string {
  return text.replace(/#\{([^}]+)\}/g, (match, name: string) => {
    if (!(name in variables)) throw new Error(`Variable ${match} is not set when the action runs`);
    return variables[name];
  });
}
