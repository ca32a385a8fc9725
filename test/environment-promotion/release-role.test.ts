import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { allStates, stateMachineDefinition } from '../../scripts/lib/local-state-machine';
import { EnvironmentPromotion } from '../../src';
import { resourcesOfType } from '../helpers/deployment-stack';
import { awsSolutionsFindings } from '../helpers/nag';
import { PIPELINE_ENV, PROD_ENV, QA_ENV, environmentStack, pipelineWithSource, templateOf, workflowsStack, workflowsTemplate } from '../helpers/promotion-app';

/** qa (eu-west-1) and prod (us-east-1), each with a dedicated release role trusting the pipeline account. */
function promotedWithReleaseRoles() {
  const app = new App();
  const pipelineStack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
  const releaseRole = { trustedAccounts: [PIPELINE_ENV.account] };
  const qa = environmentStack(app, 'qa', QA_ENV, { releaseRole }).deployment;
  const prod = environmentStack(app, 'prod', PROD_ENV, { releaseRole }).deployment;
  const promotion = new EnvironmentPromotion(pipelineStack, 'Promotion', { environments: [{ name: 'qa', deployment: qa }, { name: 'prod', deployment: prod }] });
  const { pipeline, releaseManifest } = pipelineWithSource(pipelineStack, { crossAccountKeys: false });
  promotion.addToPipeline(pipeline, { releaseManifest });
  return { app, pipelineStack, qa, prod, promotion };
}

function roleNameIn(template: Template): string {
  return resourcesOfType(template, 'AWS::IAM::Role').find((role) => role.Properties.Description?.startsWith('Releases AMIs into stack'))!.Properties.RoleName;
}

describe('RollingAsgDeployment releaseRole with EnvironmentPromotion', () => {
  test('given a dedicated release role, then the deployment\'s stack has a role of literal name, trusting the pipeline account, scoped to this environment', () => {
    const { app, qa } = promotedWithReleaseRoles();
    const template = templateOf(app, 'Web-qa');
    const roleName = roleNameIn(template);

    expect(qa.releaseTarget.releaseRoleArn).toContain(`:iam::${QA_ENV.account}:role/${roleName}`);
    const role = resourcesOfType(template, 'AWS::IAM::Role').find((resource) => resource.Properties.RoleName === roleName)!;
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal)).toContain(`:iam::${PIPELINE_ENV.account}:root`);
    const statements = JSON.stringify(resourcesOfType(template, 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('ReleaseRole')).map((policy) => policy.Properties.PolicyDocument));
    expect(statements).toContain(`:cloudformation:${QA_ENV.region}:${QA_ENV.account}:stack/Web-qa/*`);
    expect(statements).toContain(`parameter${qa.releaseTarget.amiParameterName}`);
    expect(statements).toContain('cloudwatch:DescribeAlarms');
  });

  test('given dedicated release roles, then the workflows run in the pipeline account, in each environment\'s region, and no stack is added to the environments\' accounts', () => {
    const { app, promotion } = promotedWithReleaseRoles();
    const stacks = app.synth().stacks.map((stack) => [stack.stackName, stack.environment.account, stack.environment.region]);

    expect(stacks.filter(([name]) => name.startsWith('Pipeline')).sort()).toEqual([
      ['Pipeline', PIPELINE_ENV.account, PIPELINE_ENV.region],
      ['Pipeline-Release-111111111111-us-east-1', PIPELINE_ENV.account, PROD_ENV.region],
    ]);
    const [machine] = resourcesOfType(workflowsTemplate(promotion, 'qa'), 'AWS::StepFunctions::StateMachine');
    expect(JSON.stringify(machine.Properties.DefinitionString)).toContain('Releases an AMI into qa');
    expect(workflowsStack(promotion, 'prod').nestedStackParent!.stackName).toBe('Pipeline-Release-111111111111-us-east-1');
  });

  test('given a dedicated release role, then every call to the environment is made with it, and the workflow\'s own role may only assume it', () => {
    const { app, promotion } = promotedWithReleaseRoles();
    const template = workflowsTemplate(promotion, 'qa');
    const roleName = roleNameIn(templateOf(app, 'Web-qa'));
    const tasks = allStates(stateMachineDefinition(template.toJSON())).filter(([, state]) => state.Type === 'Task');

    expect(tasks.length).toBeGreaterThan(10);
    expect(new Set(tasks.map(([, task]) => task.Credentials.RoleArn))).toEqual(new Set([`arn:aws:iam::${QA_ENV.account}:role/${roleName}`]));
    const workflowPolicy = resourcesOfType(template, 'AWS::IAM::Policy').find((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes('sts:AssumeRole'))!;
    expect(workflowPolicy.Properties.PolicyDocument.Statement[0]).toEqual({
      Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${QA_ENV.account}:role/${roleName}`]] },
    });
  });

  test('given dedicated release roles, then nothing is exported or imported across stacks', () => {
    const { app } = promotedWithReleaseRoles();

    for (const stack of app.synth().stacks) {
      expect(JSON.stringify(stack.template)).not.toContain('Fn::ImportValue');
    }
  });

  test('given a dedicated release role, then cdk-nag finds nothing on it', () => {
    const { app } = promotedWithReleaseRoles();

    expect(awsSolutionsFindings(app).filter((finding) => finding.path.includes('/ReleaseRole/'))).toEqual([]);
  });

  test('given a dedicated release role, then it trusts the release and soak workflow roles of its environment by their ARNs, not their whole account', () => {
    const app = new App();
    const pipelineStack = new Stack(app, 'Pipeline', { env: PIPELINE_ENV });
    const qa = environmentStack(app, 'qa', QA_ENV, { releaseRole: { trustedAccounts: [PIPELINE_ENV.account] } }).deployment;
    const promotion = new EnvironmentPromotion(pipelineStack, 'Promotion', { environments: [{ name: 'qa', deployment: qa, soakPeriod: Duration.minutes(30) }] });
    const qaStack = Stack.of(qa);
    const role = resourcesOfType(templateOf(app, 'Web-qa'), 'AWS::IAM::Role').find((resource) => resource.Properties.RoleName === roleNameIn(templateOf(app, 'Web-qa')))!;

    expect(promotion.environments[0].workflowRoleArns).toHaveLength(2);
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${PIPELINE_ENV.account}:root`]] } },
      Condition: { ArnEquals: { 'aws:PrincipalArn': promotion.environments[0].workflowRoleArns.map((arn) => qaStack.resolve(arn)) } },
    }]);
    // The workflows' roles carry those names.
    const workflowRoleNames = resourcesOfType(workflowsTemplate(promotion, 'qa'), 'AWS::IAM::Role').map((resource) => resource.Properties.RoleName);
    expect(promotion.environments[0].workflowRoleArns.map((arn) => arn.split('/').pop())).toEqual(workflowRoleNames);
  });

  test('given a promotion in an account the release role does not trust, then synthesis fails naming the account and the fix', () => {
    const app = new App();
    const qa = environmentStack(app, 'qa', QA_ENV, { releaseRole: { trustedAccounts: ['444444444444'] } }).deployment;

    expect(() => new EnvironmentPromotion(new Stack(app, 'Pipeline', { env: PIPELINE_ENV }), 'Promotion', { environments: [{ name: 'qa', deployment: qa }] }))
      .toThrow(/The workflows of environment qa of Pipeline\/Promotion: workflow role .* is in account 111111111111, which releaseRole.trustedAccounts of Web-qa\/Web \(444444444444\) does not list: add 111111111111 to trustedAccounts/);
  });

  test('given a release role that no workflow of this app releases into, then synthesis fails saying how to trust another app\'s workflows', () => {
    const app = new App();
    environmentStack(app, 'qa', QA_ENV, { releaseRole: { trustedAccounts: [PIPELINE_ENV.account] } });

    expect(() => app.synth()).toThrow('The release role of Web-qa/Web is trusted by no release workflow: release into it from an EnvironmentPromotion in this app, '
      + 'or list the workflow roles of another app\'s promotion in releaseRole.trustedWorkflowRoleArns');
  });

  test.each([
    ['arn:aws:iam::444444444444:role/Pipeline-Promotion-qa-Release-Role', /workflow role arn:aws:iam::444444444444:role\/Pipeline-Promotion-qa-Release-Role is in account 444444444444, which releaseRole.trustedAccounts .* does not list/],
    ['arn:aws:iam::111111111111:user/release', /workflow role must be the ARN of an IAM role \(arn:aws:iam::<12-digit account>:role\/<name>\), got 'arn:aws:iam::111111111111:user\/release'/],
    [`arn:aws:iam::111111111111:role/${'a'.repeat(65)}`, /workflow role names a role of 65 characters, but IAM role names have at most 64/],
  ])('given the workflow role %s of another app, then synthesis fails naming it and what is wrong', (roleArn, message) => {
    expect(() => environmentStack(new App(), 'qa', QA_ENV, { releaseRole: { trustedAccounts: [PIPELINE_ENV.account], trustedWorkflowRoleArns: [roleArn] } }))
      .toThrow(message);
  });

  test.each([
    [[], 'releaseRole.trustedAccounts must name at least one account: the one whose release workflows assume the role'],
    [['11111111111'], "releaseRole.trustedAccounts must be 12-digit account ids, got '11111111111'"],
  ])('given trusted accounts %j, then synthesis fails saying what is wrong', (trustedAccounts, message) => {
    expect(() => environmentStack(new App(), 'qa', QA_ENV, { releaseRole: { trustedAccounts } })).toThrow(message);
  });
});
