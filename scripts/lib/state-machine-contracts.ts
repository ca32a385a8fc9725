/**
 * A static contract check of every AWS SDK Task of every state machine in a template, before any
 * value is known: the operation exists in AWS's service model and its `Parameters` fit the input
 * shape (member names as Step Functions takes them, required members, literal values), the IAM
 * action exists in the Service Authorization Reference, and the state machine's own role has a
 * statement that allows it (a Task with `Credentials` calls as another role, which the journeys
 * check with the real request instead).
 */
import { PolicyStatement, isKnownAction, wildcardMatch } from './journey/iam-policy';
import { checkParameters, operationName } from './journey/service-models';
import { allStates } from './local-state-machine';
import { stateMachinesInTemplate } from './state-machines';

const SDK_TASK = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/;
/** IAM's service prefix where it differs from the SDK's service name. */
const IAM_PREFIX: Record<string, string> = { resourcegroupstaggingapi: 'tag', sfn: 'states' };

/** One AWS SDK Task, and what is wrong with it (nothing, ideally). */
export interface SdkTaskContract {
  readonly stateMachine: string;
  readonly state: string;
  readonly api: string;
  readonly problems: string[];
}

export function sdkTaskContracts(template: { Resources?: Record<string, any> }): SdkTaskContract[] {
  return stateMachinesInTemplate(template).flatMap(({ logicalId, definition }) => {
    const statements = roleStatements(template, template.Resources![logicalId].Properties?.RoleArn);
    return allStates(definition).flatMap(([state, task]) => {
      const sdk = task.Type === 'Task' ? SDK_TASK.exec(task.Resource) : null;
      if (!sdk) return [];
      const [, service, action] = sdk;
      const iamAction = `${IAM_PREFIX[service] ?? service}:${operationName(action)}`;
      const problems = [
        ...checkParameters(service, action, task.Parameters ?? task.Arguments),
        ...isKnownAction(iamAction) ? [] : [`${iamAction} is not an action of the IAM Service Authorization Reference`],
        ...task.Credentials !== undefined || statements === undefined || statements.some((statement) => allows(statement, iamAction)) ? []
          : [`the state machine's role has no statement that allows ${iamAction}`],
      ];
      return [{ stateMachine: logicalId, state, api: `${service}:${operationName(action)}`, problems }];
    });
  });
}

/** The statements of the policies attached to the role a `RoleArn` names by `Fn::GetAtt`; undefined when it is not in the template. */
function roleStatements(template: { Resources?: Record<string, any> }, roleArn: any): PolicyStatement[] | undefined {
  const role = roleArn?.['Fn::GetAtt']?.[0];
  if (!role || !template.Resources?.[role]) return undefined;
  return Object.values<any>(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && (resource.Properties.Roles ?? []).some((reference: any) => reference?.Ref === role))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .concat((template.Resources[role].Properties.Policies ?? []).flatMap((policy: any) => policy.PolicyDocument.Statement));
}

function allows(statement: PolicyStatement, action: string): boolean {
  const actions = statement.Action === undefined ? [] : Array.isArray(statement.Action) ? statement.Action : [statement.Action];
  return statement.Effect === 'Allow' && actions.some((pattern) => wildcardMatch(pattern, action, true));
}
