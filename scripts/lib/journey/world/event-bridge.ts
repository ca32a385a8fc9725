/**
 * EventBridge's default bus of each account and region, for the events AWS services put there
 * (today: Auto Scaling's lifecycle actions). An event starts the state machine targets of every
 * enabled rule of the deployed stacks, in its account and region, whose pattern matches it, with
 * the whole event as input, as EventBridge does for a target without an input transformation. The
 * target's role must trust EventBridge and allow `states:StartExecution` on the state machine, or
 * EventBridge could not start it: a refusal is a contract violation. Delivery is immediate and the
 * execution runs to its end before `put` returns (AWS delivers at least once, best-effort, later).
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
import { IamAuthorizer } from '../authorization';
import { Endpoint } from '../aws-api';
import { resolve } from '../template-resolution';
import { WorkflowExecution, WorkflowRunner } from '../workflows';
import { CloudFormationSimulation } from './cloudformation';

/** An event as EventBridge delivers it. */
export interface BusEvent {
  readonly 'version': '0';
  readonly 'id': string;
  readonly 'detail-type': string;
  readonly 'source': string;
  readonly 'account': string;
  readonly 'time': string;
  readonly 'region': string;
  readonly 'resources': string[];
  readonly 'detail': Record<string, unknown>;
}

export class EventBridgeSimulation {
  constructor(private readonly cloudFormation: CloudFormationSimulation, private readonly workflows: () => WorkflowRunner,
    private readonly authorizer: () => IamAuthorizer, private readonly violate: (violation: string) => void) {}

  /** Puts an event on the default bus of `at`; returns the executions its rules started. */
  public async put(at: Endpoint, event: BusEvent): Promise<WorkflowExecution[]> {
    const executions: WorkflowExecution[] = [];
    for (const stack of this.cloudFormation.stacks.values()) {
      if (stack.account !== at.account || stack.region !== at.region) continue;
      const context = this.cloudFormation.context(stack);
      for (const [logicalId, rule] of Object.entries(stack.assembly.template.Resources)) {
        if (rule.Type !== 'AWS::Events::Rule' || rule.Properties?.EventPattern === undefined) continue;
        const properties = resolve(rule.Properties, context);
        if ((properties.State ?? 'ENABLED') !== 'ENABLED' || !matches(properties.EventPattern, event)) continue;
        for (const target of properties.Targets ?? []) {
          if (target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined) {
            throw new Error(`Rule ${logicalId} of ${stack.stackName} transforms its input, which the journeys do not simulate`);
          }
          const refused = this.refusal(String(target.RoleArn), String(target.Arn));
          if (refused) {
            this.violate(`EventBridge, rule ${logicalId} of ${stack.stackName}: ${refused}`);
            continue;
          }
          executions.push(await this.workflows().run(String(target.Arn), event));
        }
      }
    }
    return executions;
  }

  /** Why EventBridge could not start the state machine with the target's role, or undefined when it can. */
  private refusal(roleArn: string, stateMachineArn: string): string | undefined {
    if (!stateMachineArn.includes(':states:')) return `target ${stateMachineArn} is not a state machine, the only target the journeys run`;
    return this.authorizer().trustDenial(roleArn, 'events.amazonaws.com', ['events.amazonaws.com'], {})
      ?? this.authorizer().refusal(roleArn, [{ action: 'states:StartExecution', resource: stateMachineArn }]);
  }
}

/**
 * Whether an event matches a pattern: every field of the pattern must match, a list of values
 * matches any of them (literal values, `prefix`, `exists`), `$or` any of its patterns.
 */
export function matches(pattern: Record<string, unknown>, event: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as Array<Record<string, unknown>>).some((alternative) => matches(alternative, event));
    const value = (event as Record<string, unknown> | undefined)?.[key];
    if (!Array.isArray(expected)) return typeof value === 'object' && value !== null && matches(expected as Record<string, unknown>, value);
    const values = Array.isArray(value) ? value : [value];
    return expected.some((candidate) => matchesValue(candidate, values, value !== undefined));
  });
}

function matchesValue(candidate: unknown, values: unknown[], present: boolean): boolean {
  if (candidate === null || typeof candidate !== 'object') return values.includes(candidate);
  const [[operator, operand]] = Object.entries(candidate);
  switch (operator) {
    case 'exists': return operand === present;
    case 'prefix': return values.some((value) => typeof value === 'string' && value.startsWith(String(operand)));
    default: throw new Error(`Event pattern operator ${operator} is not simulated`);
  }
}
