import { App, Stack, aws_iam as iam, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { sdkTaskContracts } from '../../../scripts/lib/state-machine-contracts';
import { workflowStack } from '../../helpers/release-workflow';

/** A template with one state machine calling `service:action` with `parameters`, its role granted `grant`. */
function machineCalling(service: string, action: string, parameters: Record<string, unknown>, grant?: string): Record<string, any> {
  const stack = new Stack(new App(), 'Workflow');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  if (grant) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [grant], resources: ['*'] }));
  const call = new tasks.CallAwsService(stack, 'Call', { service, action, parameters, iamResources: ['*'] });
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(call), role: role.withoutPolicyUpdates() });
  return Template.fromStack(stack).toJSON();
}

describe('sdkTaskContracts', () => {
  test('given a task that fits the model, the reference and its role, then it has no problem', () => {
    const template = machineCalling('ssm', 'getParameter', { Name: sfn.JsonPath.stringAt('$.name') }, 'ssm:GetParameter');
    expect(sdkTaskContracts(template)).toEqual([{ stateMachine: expect.stringMatching(/^Machine/), state: 'Call', api: 'ssm:GetParameter', problems: [] }]);
  });

  test('given a misspelled member, a missing required member and a literal outside an enum, then each is named', () => {
    const template = machineCalling('ssm', 'putParameter', { 'Nmae.$': '$.name', 'Value': 'x', 'Type': 'Text' }, 'ssm:PutParameter');
    expect(sdkTaskContracts(template)[0].problems).toEqual([
      expect.stringMatching(/^PutParameter\.Nmae: no such member/),
      "PutParameter.Type: 'Text' is not one of String, StringList, SecureString",
      'PutParameter.Name: required, missing',
    ]);
  });

  test('given an operation the service does not have, or a role without the action, then it is a problem', () => {
    expect(sdkTaskContracts(machineCalling('ssm', 'getParameterz', {}, 'ssm:*'))[0].problems).toEqual(expect.arrayContaining([
      'ssm has no operation GetParameterz', 'ssm:GetParameterz is not an action of the IAM Service Authorization Reference',
    ]));
    expect(sdkTaskContracts(machineCalling('ssm', 'getParameter', { Name: 'a' }, 'ssm:GetParameters'))[0].problems)
      .toEqual(['the state machine\'s role has no statement that allows ssm:GetParameter']);
  });

  test('given the release workflow, then every one of its tasks fits', () => {
    const contracts = sdkTaskContracts(Template.fromStack(workflowStack().stack).toJSON());
    expect(contracts.length).toBeGreaterThan(20);
    expect(contracts.filter((contract) => contract.problems.length > 0)).toEqual([]);
  });
});
