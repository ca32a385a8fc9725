/**
 * Runs a deployed state machine of the simulated world through aws-local-stepfunctions: its
 * definition resolved as CloudFormation would have deployed it, every AWS SDK Task answered
 * through the contract-checked `AwsApi` as the state machine's role (or the role its `Credentials`
 * name, once the assumption is allowed), JSONata Pass states evaluated by the JSONata engine and
 * `States.Hash` computed with node:crypto (aws-local-stepfunctions 3.0.0 gets SHA-256 wrong for
 * inputs of 56 bytes or more).
 */
import { createHash, randomUUID } from 'crypto';
import { IamAuthorizer } from './authorization';
import { AwsApi, AwsError, ContractViolation } from './aws-api';
import { resolve } from './template-resolution';
import { LocalExecution, TaskFailure, TaskFake, allStates, mapAllStates, runLocally, withJsonataPassStatesAsTasks } from '../local-state-machine';
import { AslDefinition } from '../state-machines';
import { CloudFormationSimulation, SimulatedStack } from './world/cloudformation';

const SDK_TASK = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/;
const SHA256_OF_FORMAT = /^States\.Hash\(States\.Format\('((?:[^'\\]|\\.)*)'((?:, *\$[.A-Za-z0-9_[\]]+)*)\), 'SHA-256'\)$/;

export interface WorkflowExecution extends LocalExecution {
  readonly executionArn: string;
  readonly input: unknown;
}

export interface DeployedStateMachine {
  readonly stack: SimulatedStack;
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
}

export class WorkflowRunner {
  public readonly executions = new Map<string, WorkflowExecution>();

  constructor(private readonly cloudFormation: CloudFormationSimulation, private readonly api: AwsApi, private readonly authorizer: IamAuthorizer,
    private readonly now: () => Date) {}

  /** Every state machine of every deployed stack. */
  public stateMachines(): DeployedStateMachine[] {
    return [...this.cloudFormation.stacks.values()].flatMap((stack) => Object.entries(stack.assembly.template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
      .map(([logicalId]) => {
        const context = this.cloudFormation.context(stack);
        return { stack, logicalId, arn: String(context.physical(logicalId)), name: String(context.physical(logicalId, 'Name')) };
      }));
  }

  public stateMachine(arn: string): DeployedStateMachine {
    const found = this.stateMachines().find((machine) => machine.arn === arn);
    if (!found) throw new Error(`No deployed state machine ${arn}`);
    return found;
  }

  /** The definition as deployed: intrinsics resolved, substitutions made. */
  public definitionOf(machine: DeployedStateMachine): AslDefinition {
    const properties = machine.stack.assembly.template.Resources[machine.logicalId].Properties!;
    const context = this.cloudFormation.context(machine.stack);
    const text = properties.Definition !== undefined
      ? JSON.stringify(resolve(properties.Definition, context))
      : String(resolve(properties.DefinitionString, context));
    const substitutions: Record<string, unknown> = resolve(properties.DefinitionSubstitutions ?? {}, context);
    return JSON.parse(text.replace(/\$\{([^}]+)\}/g, (match, name: string) => (Object.hasOwn(substitutions, name) ? String(substitutions[name]) : match)));
  }

  public roleOf(machine: DeployedStateMachine): string {
    const properties = machine.stack.assembly.template.Resources[machine.logicalId].Properties!;
    return String(resolve(properties.RoleArn, this.cloudFormation.context(machine.stack)));
  }

  /** Starts an execution and waits for it to end. */
  public async run(stateMachineArn: string, input: unknown): Promise<WorkflowExecution> {
    const machine = this.stateMachine(stateMachineArn);
    const roleArn = this.roleOf(machine);
    const jsonata = withJsonataPassStatesAsTasks(this.definitionOf(machine), this.now);
    const hashes = withHashesAsTasks(jsonata.definition);
    const fakes: Record<string, TaskFake> = { ...jsonata.fakes, ...hashes.fakes };
    for (const [name, state] of allStates(hashes.definition)) {
      if (state.Type !== 'Task' || name in fakes) continue;
      const sdk = SDK_TASK.exec(state.Resource);
      if (!sdk) throw new Error(`${machine.name}, state ${name}: Task resource ${state.Resource} is not an AWS SDK integration the journeys run`);
      fakes[name] = this.sdkTask(machine, name, roleArn, state.Credentials?.RoleArn, sdk[1], sdk[2]);
    }
    const execution = await runLocally(hashes.definition, input, fakes);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${randomUUID()}`;
    const result = { ...execution, executionArn, input };
    this.executions.set(executionArn, result);
    return result;
  }

  /**
   * Step Functions' API, as workflows call it: `StartSyncExecution` runs an express state machine of
   * the world to its end and answers as Step Functions does, with a failed execution's error and
   * cause in the response rather than as an error.
   */
  public handle = async (action: string, request: any): Promise<unknown> => {
    if (action !== 'startSyncExecution') throw new Error(`Step Functions ${action} is not simulated`);
    const machine = this.stateMachines().find((candidate) => candidate.arn === request.StateMachineArn);
    if (!machine) throw new AwsError('Sfn.StateMachineDoesNotExistException', `State Machine Does Not Exist: '${request.StateMachineArn}'`);
    const type = machine.stack.assembly.template.Resources[machine.logicalId].Properties?.StateMachineType;
    if (type !== 'EXPRESS') throw new AwsError('Sfn.StateMachineTypeNotSupportedException', 'This operation is not supported by this type of state machine');
    const started = this.now().toISOString();
    const execution = await this.run(machine.arn, JSON.parse(request.Input ?? '{}'));
    return {
      ExecutionArn: execution.executionArn,
      StateMachineArn: machine.arn,
      StartDate: started,
      StopDate: this.now().toISOString(),
      Status: execution.status,
      Input: request.Input ?? '{}',
      ...execution.status === 'SUCCEEDED' ? { Output: JSON.stringify(execution.output) } : { Error: execution.error, Cause: execution.cause },
    };
  };

  private sdkTask(machine: DeployedStateMachine, state: string, roleArn: string, credentialsRoleArn: string | undefined,
    service: string, action: string): TaskFake {
    return async (request) => {
      const callerRole = credentialsRoleArn ?? roleArn;
      if (credentialsRoleArn) {
        const denial = this.authorizer.assumeRoleDenial(roleArn, credentialsRoleArn);
        if (denial) {
          this.api.violations.push(`${machine.name}, state ${state}: sts:AssumeRole: ${denial}`);
          throw new TaskFailure('States.TaskFailed', denial);
        }
      }
      try {
        return await this.api.call({ workflow: machine.name, state, roleArn: callerRole, account: callerRole.split(':')[4], region: machine.stack.region }, service, action, request);
      } catch (error) {
        if (error instanceof AwsError) throw new TaskFailure(error.error, error.message);
        if (error instanceof ContractViolation) throw new TaskFailure('Journey.ContractViolation', error.message);
        throw error;
      }
    };
  }
}

/** Pass states (also in branches and iterations) that hash a `States.Format` with SHA-256 become local tasks that compute it exactly. */
function withHashesAsTasks(definition: AslDefinition): { definition: AslDefinition; fakes: Record<string, TaskFake> } {
  const fakes: Record<string, TaskFake> = {};
  const converted = mapAllStates(definition, (name, state) => {
    const entries = Object.entries<string>(state.Type === 'Pass' ? state.Parameters ?? {} : {});
    const hashed = entries.filter(([key, value]) => key.endsWith('.$') && SHA256_OF_FORMAT.test(value));
    if (hashed.length === 0) return state;
    if (hashed.length !== entries.length) throw new Error(`Pass state ${name} mixes a hash with other parameters, which the journeys do not evaluate`);
    const { Parameters: _parameters, Type: _type, Comment: _comment, ...transitions } = state;
    fakes[name] = (input) => Object.fromEntries(hashed.map(([key, value]) => {
      const [, template, paths] = SHA256_OF_FORMAT.exec(value)!;
      const args = paths.split(',').map((path) => path.trim()).filter(Boolean).map((path) => jsonPathValue(input, path));
      let index = 0;
      const text = template.replace(/\\(.)/g, '$1').replace(/\{\}/g, () => String(args[index++]));
      return [key.slice(0, -2), createHash('sha256').update(text).digest('hex')];
    }));
    return { ...transitions, Type: 'Task', Resource: `arn:aws:states:::local:hash:${name}` };
  });
  return { definition: converted, fakes };
}

function jsonPathValue(input: any, path: string): unknown {
  return path.slice(2).split('.').reduce((value, key) => value?.[key], input);
}
