/**
 * Test harness for Step Functions workflows: validates an Amazon States Language definition with
 * `asl-validator` and executes it locally with `aws-local-stepfunctions`, every Task state
 * replaced by a fake that records its inputs. Waits and retry intervals are shortened to zero so
 * that paths with polling and backoff run in milliseconds; task `TimeoutSeconds` are kept, so a
 * timeout path takes as long as the definition says.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
import jsonata = require('jsonata');
import { AslDefinition, stateMachinesInTemplate, validateDefinition } from './state-machines';

// aws-local-stepfunctions ships CommonJS under `require` but declares its types as an ES module;
// load the CommonJS build and borrow the module's types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ExecutionError, ExecutionTimeoutError, StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions', { with: { 'resolution-mode': 'import' } });

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+); this machine runs Node 20.
const promiseConstructor = Promise as unknown as { withResolvers?: () => unknown };
promiseConstructor.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
};

/** What a fake task does with its input: return the task's result, or throw a `TaskFailure`. */
export type TaskFake = (input: any) => unknown;

/** Makes a fake task fail with a Step Functions error name, as a service integration would. */
export class TaskFailure extends Error {
  constructor(public readonly error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

export interface LocalExecution {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output?: unknown;
  /** Error name of a failed execution, e.g. `States.Timeout` or a Fail state's `Error`. */
  readonly error?: string;
  /** Cause of a failed execution. */
  readonly cause?: string;
  /** Inputs each Task state received, by state name, in call order. */
  readonly calls: Record<string, unknown[]>;
}

/**
 * The definition of the state machine in a synthesized template, intrinsics flattened.
 *
 * @param logicalId which state machine, when the template has more than one
 */
export function stateMachineDefinition(template: { Resources?: Record<string, any> }, logicalId?: string): AslDefinition {
  const machines = stateMachinesInTemplate(template).filter((machine) => logicalId === undefined || machine.logicalId === logicalId);
  if (machines.length !== 1) {
    throw new Error(`Expected exactly one state machine${logicalId ? ` named ${logicalId}` : ''}, found ${machines.map((machine) => machine.logicalId).join(', ') || 'none'}`);
  }
  return machines[0].definition;
}

export interface LocalRunOptions {
  /**
   * How long every Wait state waits, in real milliseconds, whatever its definition says: a
   * measurement of how waits add up (in sequence or in parallel branches).
   *
   * @default 0
   */
  readonly waitMilliseconds?: number;
}

/**
 * Runs a valid definition locally. Every Task state (in branches and map iterations too) must have
 * a fake: an unfaked task would call real AWS.
 */
export async function runLocally(definition: AslDefinition, input: unknown, fakes: Record<string, TaskFake>,
  options: LocalRunOptions = {}): Promise<LocalExecution> {
  const errors = validationErrors(definition);
  if (errors.length > 0) {
    throw new Error(`Invalid state machine definition:\n${errors.join('\n')}`);
  }
  const states = allStates(definition);
  const unfaked = states.filter(([name, state]) => state.Type === 'Task' && !(name in fakes)).map(([name]) => name);
  if (unfaked.length > 0) {
    throw new Error(`No fake for Task states: ${unfaked.join(', ')}`);
  }

  const calls: Record<string, unknown[]> = {};
  const taskResourceLocalHandlers = Object.fromEntries(Object.entries(fakes).map(([name, fake]) => [name, async (taskInput: any) => {
    (calls[name] ??= []).push(taskInput);
    return fake(taskInput);
  }]));
  const waitTimeOverrides = Object.fromEntries(states.filter(([, state]) => state.Type === 'Wait').map(([name]) => [name, options.waitMilliseconds ?? 0]));
  const retryIntervalOverrides = Object.fromEntries(states.filter(([, state]) => state.Retry).map(([name]) => [name, 0]));

  // Validated above, once per definition: the runner's own validation would compile the schema again on every run.
  const execution = new StateMachine(definition as any, { validationOptions: { noValidate: true } }).run(input as any, {
    overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as any, waitTimeOverrides, retryIntervalOverrides },
  });
  try {
    return { status: 'SUCCEEDED', output: await execution.result, calls };
  } catch (failure) {
    if (failure instanceof ExecutionTimeoutError) {
      return { status: 'TIMED_OUT', error: 'States.Timeout', calls };
    }
    if (failure instanceof ExecutionError) {
      const cause = (failure as Error).cause as Error;
      return { status: 'FAILED', error: cause.name, cause: cause.message, calls };
    }
    throw failure;
  }
}

/** asl-validator's errors, once per distinct definition: validating compiles its schema, which dominates a run. */
const validated = new Map<string, string[]>();
function validationErrors(definition: AslDefinition): string[] {
  const text = JSON.stringify(definition);
  let errors = validated.get(text);
  if (!errors) {
    errors = validateDefinition(definition);
    validated.set(text, errors);
  }
  return errors;
}

/** Every state by name, including those inside Parallel branches and Map iterations. */
export function allStates(definition: AslDefinition): Array<[string, any]> {
  return Object.entries<any>(definition.States ?? {}).flatMap(([name, state]) => [
    [name, state] as [string, any],
    ...(state.Branches ?? []).flatMap(allStates),
    ...[state.ItemProcessor, state.Iterator].filter(Boolean).flatMap(allStates),
  ]);
}

/**
 * aws-local-stepfunctions runs JSONPath only: each JSONata Pass state (also inside Parallel
 * branches and Map iterations) becomes a local Task that evaluates its `Output` with the JSONata
 * engine, with the same transitions, and with `$states.context.State` telling when the state was
 * entered (`now`). Any other JSONata state cannot run locally.
 */
export function withJsonataPassStatesAsTasks(definition: AslDefinition, now: () => Date = () => new Date()):
{ definition: AslDefinition; fakes: Record<string, TaskFake> } {
  const fakes: Record<string, TaskFake> = {};
  const converted = mapAllStates(definition, (name, state) => {
    if (state.QueryLanguage !== 'JSONata') return state;
    if (state.Type !== 'Pass') {
      throw new Error(`JSONata state ${name} is a ${state.Type} state; the local runner evaluates JSONata Pass states only`);
    }
    const { QueryLanguage: _language, Output: output, Comment: _comment, ...transitions } = state;
    const expression = jsonata(/^\{%([\s\S]*)%\}$/.exec(output)![1]);
    fakes[name] = (stateInput) => expression.evaluate({}, {
      states: { input: stateInput, context: { State: { Name: name, EnteredTime: now().toISOString() } } },
    });
    return { ...transitions, Type: 'Task', Resource: `arn:aws:states:::local:jsonata:${name}` };
  });
  return { definition: converted, fakes };
}

/**
 * The definition with every state, also those of Parallel branches and Map iterations, replaced by
 * what `replace` makes of it (after its own branches and iterations are).
 */
export function mapAllStates(definition: AslDefinition, replace: (name: string, state: any) => any): AslDefinition {
  const mapMachine = (machine: AslDefinition): AslDefinition => ({
    ...machine,
    States: Object.fromEntries(Object.entries<any>(machine.States ?? {}).map(([name, state]) => [name, replace(name, {
      ...state,
      ...state.Branches ? { Branches: state.Branches.map(mapMachine) } : {},
      ...state.ItemProcessor ? { ItemProcessor: mapMachine(state.ItemProcessor) } : {},
      ...state.Iterator ? { Iterator: mapMachine(state.Iterator) } : {},
    })])),
  });
  return mapMachine(definition);
}
