import { IamAuthorizer, RoleDirectory } from '../../../../scripts/lib/journey/authorization';
import { AwsApi, Caller, ContractViolation } from '../../../../scripts/lib/journey/aws-api';
import { PolicyStatement } from '../../../../scripts/lib/journey/iam-policy';

const ROLE = 'arn:aws:iam::222222222222:role/web-qa-release';
const caller: Caller = { workflow: 'web-qa-Release', state: 'ReadLedger', roleArn: ROLE, account: '222222222222', region: 'eu-west-1' };

function api(statements: PolicyStatement[], response: unknown = { Parameters: [], InvalidParameters: [] }): AwsApi {
  const roles: RoleDirectory = {
    statementsOf: (arn) => (arn === ROLE ? statements : undefined),
    trustOf: () => [],
    managedPoliciesOf: () => [],
    stackArn: (at, name) => `arn:aws:cloudformation:${at.region}:${at.account}:stack/${name}/1`,
    autoScalingGroupArnOf: () => 'unused',
    resourceTags: async () => ({}),
  };
  return new AwsApi({ ssm: () => response }, new IamAuthorizer(roles));
}

const readLedger: PolicyStatement = {
  Effect: 'Allow', Action: 'ssm:GetParameters', Resource: 'arn:aws:ssm:eu-west-1:222222222222:parameter/immutable-servers/web/qa/release/*',
};

describe('every call is checked before the simulation answers it', () => {
  test('an allowed, well-formed call is answered and recorded', async () => {
    const calls = api([readLedger]);
    await expect(calls.call(caller, 'ssm', 'getParameters', { Names: ['/immutable-servers/web/qa/release/ami'] })).resolves.toEqual({ Parameters: [], InvalidParameters: [] });
    expect(calls.calls).toEqual([{ caller, api: 'ssm:GetParameters', outcome: 'OK' }]);
    expect(calls.violations).toEqual([]);
  });

  test('a call the role may not make is a violation naming the workflow, state, API, resource and role', async () => {
    const calls = api([readLedger]);
    await expect(calls.call(caller, 'ssm', 'getParameters', { Names: ['/immutable-servers/web/prod/release/ami'] })).rejects.toThrow(ContractViolation);
    expect(calls.violations).toEqual([
      'web-qa-Release, state ReadLedger, ssm:GetParameters: IAM refuses ssm:GetParameters on arn:aws:ssm:eu-west-1:222222222222:parameter/immutable-servers/web/prod/release/ami '
      + `for ${ROLE} (IMPLICIT_DENY)`,
    ]);
  });

  test('a request that does not match the model is a violation before IAM is asked', async () => {
    const calls = api([readLedger]);
    await expect(calls.call(caller, 'ssm', 'getParameters', { Name: '/immutable-servers/web/qa/release/ami' })).rejects.toThrow(ContractViolation);
    expect(calls.violations[0]).toMatch(/^web-qa-Release, state ReadLedger, ssm:GetParameters: the request does not match AWS's model: GetParameters\.Name: no such member/);
  });

  test('a simulated answer AWS could not give is a violation too', async () => {
    const calls = api([readLedger], { Parameters: [{ Name: '/a', Value: 'b', Version: 'seven' }] });
    await expect(calls.call(caller, 'ssm', 'getParameters', { Names: ['/immutable-servers/web/qa/release/ami'] })).rejects.toThrow(ContractViolation);
    expect(calls.violations[0]).toMatch(/the simulated response does not match AWS's model: GetParameters output\.Parameters\[0\]\.Version: expected an integer/);
  });

  test('an action missing from the Service Authorization Reference is a violation', async () => {
    const calls = api([{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    await expect(calls.call(caller, 'ssm', 'getParameterz', {})).rejects.toThrow(ContractViolation);
    expect(calls.violations[0]).toContain('ssm has no operation GetParameterz');
  });
});

describe('a release\'s stack update is checked as AWS checks it', () => {
  const stackArn = 'arn:aws:cloudformation:eu-west-1:222222222222:stack/web-qa/1';
  const serviceRole = 'arn:aws:iam::222222222222:role/web-qa-release-service';
  const update = { StackName: 'web-qa', UsePreviousTemplate: true, RoleARN: serviceRole };
  const updateWithServiceRole: PolicyStatement = {
    Effect: 'Allow', Action: 'cloudformation:UpdateStack', Resource: stackArn, Condition: { ArnEquals: { 'cloudformation:RoleArn': serviceRole } },
  };
  const passServiceRole: PolicyStatement = {
    Effect: 'Allow', Action: 'iam:PassRole', Resource: serviceRole, Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
  };
  function stackApi(statements: PolicyStatement[]): AwsApi {
    const roles: RoleDirectory = {
      statementsOf: (arn) => (arn === ROLE ? statements : undefined),
      trustOf: () => [],
      managedPoliciesOf: () => [],
      stackArn: () => stackArn,
      autoScalingGroupArnOf: () => 'unused',
      resourceTags: async () => ({}),
    };
    return new AwsApi({ cloudformation: () => ({ StackId: stackArn }), sfn: () => ({}) }, new IamAuthorizer(roles));
  }

  test('an update that names a service role needs iam:PassRole on it, for CloudFormation', async () => {
    await expect(stackApi([updateWithServiceRole, passServiceRole]).call(caller, 'cloudformation', 'updateStack', update)).resolves.toEqual({ StackId: stackArn });
    const calls = stackApi([updateWithServiceRole]);
    await expect(calls.call(caller, 'cloudformation', 'updateStack', update)).rejects.toThrow(ContractViolation);
    expect(calls.violations[0]).toContain(`IAM refuses iam:PassRole on ${serviceRole}`);
  });

  test('an update without the service role the statement requires is refused', async () => {
    const calls = stackApi([updateWithServiceRole, passServiceRole]);
    await expect(calls.call(caller, 'cloudformation', 'updateStack', { StackName: 'web-qa', UsePreviousTemplate: true })).rejects.toThrow(ContractViolation);
    expect(calls.violations[0]).toContain(`IAM refuses cloudformation:UpdateStack on ${stackArn}`);
  });

  test('starting a stack update workflow is checked on that state machine', async () => {
    const machine = 'arn:aws:states:eu-west-1:222222222222:stateMachine:web-qa-release-stack-update';
    const calls = stackApi([{ Effect: 'Allow', Action: 'states:StartSyncExecution', Resource: machine }]);
    await expect(calls.call(caller, 'sfn', 'startSyncExecution', { StateMachineArn: `${machine}-other`, Input: '{}' })).rejects.toThrow(ContractViolation);
    expect(calls.violations[0]).toContain(`IAM refuses states:StartSyncExecution on ${machine}-other`);
  });
});

describe('a Task\'s Credentials role is assumed only as its trust policy allows', () => {
  const releaseRole = 'arn:aws:iam::333333333333:role/web-prod-release';
  const workflowRole = 'arn:aws:iam::111111111111:role/Pipeline-Promotion-prod-Release-Role';
  const authorizer = new IamAuthorizer({
    statementsOf: () => [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: releaseRole }],
    trustOf: () => [{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: 'arn:aws:iam::111111111111:root' },
      Condition: { ArnEquals: { 'aws:PrincipalArn': [workflowRole] } },
    }],
    managedPoliciesOf: () => [],
    stackArn: () => 'unused',
    autoScalingGroupArnOf: () => 'unused',
    resourceTags: async () => ({}),
  });

  test('the workflow role the trust policy names may assume it', () => {
    expect(authorizer.assumeRoleDenial(workflowRole, releaseRole)).toBeUndefined();
  });

  test('another role of the same account may not: the condition is evaluated, not only the principal', () => {
    expect(authorizer.assumeRoleDenial('arn:aws:iam::111111111111:role/Other', releaseRole))
      .toBe(`the trust policy of ${releaseRole} does not trust arn:aws:iam::111111111111:role/Other`);
  });
});

describe('a role a service assumes is trusted only as its trust policy says', () => {
  const lifecycleRole = 'arn:aws:iam::222222222222:role/Ec2ImageBuilderCrossAccountLifecycleAccess';
  const authorizer = new IamAuthorizer({
    statementsOf: () => [],
    trustOf: () => [{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { Service: 'imagebuilder.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': ['111111111111'] }, ArnLike: { 'aws:SourceArn': ['arn:aws:imagebuilder:*:111111111111:image/*/*/*'] } },
    }],
    managedPoliciesOf: () => [],
    stackArn: () => 'unused',
    autoScalingGroupArnOf: () => 'unused',
    resourceTags: async () => ({}),
  });
  const imageOf = (account: string) => ({ 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:imagebuilder:eu-west-1:${account}:image/web/1.0.0/1` });

  test('the service, for an image of the account the conditions name, may assume it', () => {
    expect(authorizer.trustDenial(lifecycleRole, 'imagebuilder.amazonaws.com', ['imagebuilder.amazonaws.com'], imageOf('111111111111'))).toBeUndefined();
  });

  test('the service, for an image of another account, may not; nor may another service', () => {
    expect(authorizer.trustDenial(lifecycleRole, 'imagebuilder.amazonaws.com', ['imagebuilder.amazonaws.com'], imageOf('444444444444')))
      .toBe(`the trust policy of ${lifecycleRole} does not trust imagebuilder.amazonaws.com`);
    expect(authorizer.trustDenial(lifecycleRole, 'ec2.amazonaws.com', ['ec2.amazonaws.com'], imageOf('111111111111'))).toBeDefined();
  });
});
