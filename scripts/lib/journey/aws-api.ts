/**
 * Every AWS call a journey's workflows make goes through here: checked against the operation's
 * input shape in AWS's service model and against the calling role's IAM statements, answered by
 * the emulator or a simulation, and the answer checked against the output shape. A mismatch is a
 * contract violation: recorded with the workflow, state, API and member, and fatal to the journey.
 */
import { IamAuthorizer } from './authorization';
import { checkRequest, checkResponse, operationName } from './service-models';

/** Who calls: a workflow's state, as a role in an account and region. */
export interface Caller {
  readonly workflow: string;
  readonly state: string;
  readonly roleArn: string;
  readonly account: string;
  readonly region: string;
}

/** Where a call lands. */
export interface Endpoint {
  readonly account: string;
  readonly region: string;
}

/** A service's simulation (or emulator client): answers an action in an account and region. */
export type ServiceHandler = (action: string, request: any, endpoint: Endpoint) => Promise<unknown> | unknown;

/**
 * An error a service returns, named as a Step Functions SDK integration names it
 * (`Ssm.ParameterNotFoundException`).
 */
export class AwsError extends Error {
  constructor(public readonly error: string, message: string) {
    super(message);
    this.name = error;
  }
}

/** A request AWS would refuse for its shape or its permissions, or a simulated answer it could not give. */
export class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolation';
  }
}

export interface CallRecord {
  readonly caller: Caller;
  readonly api: string;
  readonly outcome: 'OK' | string;
}

export class AwsApi {
  public readonly calls: CallRecord[] = [];
  public readonly violations: string[] = [];

  constructor(private readonly services: Record<string, ServiceHandler>, private readonly authorizer: IamAuthorizer) {}

  public async call(caller: Caller, service: string, action: string, request: unknown): Promise<unknown> {
    const api = `${service}:${operationName(action)}`;
    const where = `${caller.workflow}, state ${caller.state}, ${api}`;
    const inputProblems = checkRequest(service, action, request);
    if (inputProblems.length > 0) this.violate(`${where}: the request does not match AWS's model: ${inputProblems.join('; ')}`);
    const denial = await this.authorizer.denial(caller, service, action, request);
    if (denial) this.violate(`${where}: ${denial}`);
    const handler = this.services[service];
    if (!handler) this.violate(`${where}: no simulation of ${service}`);
    try {
      const response = await handler(action, request, { account: caller.account, region: caller.region });
      const outputProblems = checkResponse(service, action, response);
      if (outputProblems.length > 0) this.violate(`${where}: the simulated response does not match AWS's model: ${outputProblems.join('; ')}`);
      this.calls.push({ caller, api, outcome: 'OK' });
      return response;
    } catch (error) {
      if (error instanceof ContractViolation) throw error;
      this.calls.push({ caller, api, outcome: (error as Error).name });
      throw error;
    }
  }

  private violate(message: string): never {
    this.violations.push(message);
    throw new ContractViolation(message);
  }
}
