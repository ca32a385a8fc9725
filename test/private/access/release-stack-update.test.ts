import { aws_ssm as ssm } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TaskFailure, TaskFake, runLocally, stateMachineDefinition } from '../../../scripts/lib/local-state-machine';
import { validateDefinition } from '../../../scripts/lib/state-machines';
import { ENVIRONMENT, deploymentStack } from '../../helpers/deployment-stack';

const TOKEN = '0f2c7a8e-1b2c-4d5e-8f90-123456789abc';
const STACK_ID = `arn:aws:cloudformation:${ENVIRONMENT.region}:${ENVIRONMENT.account}:stack/WebProd/6a7e8feb-b491-4cf7-a9f1-bf3703467718`;

/** The express state machine of the deployment's release stack update, and the deployment's template. */
function stackUpdate(configure?: Parameters<typeof deploymentStack>[1]) {
  const { template, deployment } = deploymentStack({}, configure);
  const json = template.toJSON();
  const [logicalId] = Object.entries<any>(json.Resources)
    .find(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties.StateMachineType === 'EXPRESS')!;
  return { template, json, deployment, logicalId, definition: stateMachineDefinition(json, logicalId) };
}

function describing(...parameterKeys: string[]): TaskFake {
  return () => ({
    Stacks: [{
      StackId: STACK_ID,
      StackName: 'WebProd',
      StackStatus: 'UPDATE_COMPLETE',
      CreationTime: '2025-01-01T12:00:00Z',
      Parameters: parameterKeys.map((key) => ({ ParameterKey: key, ParameterValue: `/parameter/of/${key}` })),
    }],
  });
}

describe('ReleaseStackUpdate', () => {
  test('given a token, then it updates the stack with its previous template, every previous parameter value and the release service role, and nothing else', async () => {
    const { definition, deployment, json, logicalId } = stackUpdate();

    const execution = await runLocally(definition, { clientRequestToken: TOKEN }, {
      DescribeStack: describing('WebLedgerAmi1', 'WebLedgerVersion2', 'BootstrapVersion'),
      UpdateStack: () => ({ StackId: STACK_ID }),
    });

    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { stackId: STACK_ID } });
    expect(execution.calls.DescribeStack).toEqual([{ StackName: 'WebProd' }]);
    expect(execution.calls.UpdateStack).toEqual([{
      StackName: 'WebProd',
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'WebLedgerAmi1', UsePreviousValue: true },
        { ParameterKey: 'WebLedgerVersion2', UsePreviousValue: true },
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      RoleARN: expect.stringMatching(new RegExp(`^arn:aws:iam::${ENVIRONMENT.account}:role/WebProd-Web-ReleaseStackUpdate-ServiceRole-[A-F0-9]{8}$`)),
      DisableRollback: false,
      ClientRequestToken: TOKEN,
    }]);
    // Release workflows in any account name it by this literal ARN.
    expect(deployment.releaseTarget.stackUpdateStateMachineArn)
      .toMatch(new RegExp(`^arn:.*:states:eu-west-1:111111111111:stateMachine:${json.Resources[logicalId].Properties.StateMachineName}$`));
  });

  test('given anything in the input besides the token (a template, parameters, a role), then none of it reaches the update', async () => {
    const { definition } = stackUpdate();

    const execution = await runLocally(definition, {
      clientRequestToken: TOKEN,
      TemplateBody: '{"Resources":{}}',
      Parameters: [{ ParameterKey: 'WebLedgerAmi1', ParameterValue: 'ami-0badbadbadbadbad0' }],
      RoleARN: `arn:aws:iam::${ENVIRONMENT.account}:role/cdk-hnb659fds-cfn-exec-role`,
    }, {
      DescribeStack: describing('WebLedgerAmi1'),
      UpdateStack: () => ({ StackId: STACK_ID }),
    });

    const update = execution.calls.UpdateStack[0] as any;
    expect(Object.keys(update).sort()).toEqual(['Capabilities', 'ClientRequestToken', 'DisableRollback', 'Parameters', 'RoleARN', 'StackName', 'UsePreviousTemplate']);
    expect(update.Parameters).toEqual([{ ParameterKey: 'WebLedgerAmi1', UsePreviousValue: true }]);
    expect(update.RoleARN).toContain('ReleaseStackUpdate-ServiceRole');
  });

  test('given CloudFormation refuses the update, then the execution fails with its error and message, which the release reads', async () => {
    const { definition } = stackUpdate();
    const refusal = 'No updates are to be performed. (Service: CloudFormation, Status Code: 400, Error Code: ValidationError)';

    const execution = await runLocally(definition, { clientRequestToken: TOKEN }, {
      DescribeStack: describing('WebLedgerAmi1'),
      UpdateStack: () => {
        throw new TaskFailure('CloudFormation.CloudFormationException', refusal);
      },
    });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'CloudFormation.CloudFormationException', cause: refusal });
  });

  test('given the synthesized workflow, then it is a valid express state machine with logging and tracing', async () => {
    const { json, logicalId, definition } = stackUpdate();

    expect(json.Resources[logicalId].Properties).toMatchObject({
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    expect(await validateDefinition(definition)).toEqual([]);
  });

  test('given its role, then it may update only this stack and only as the release service role, pass only that role, and read the SSM parameters the stack resolves', () => {
    const { template, json, logicalId } = stackUpdate((stack) => {
      // A parameter of the user's own, which CloudFormation resolves on every update too.
      ssm.StringParameter.valueForStringParameter(stack, '/web/prod/feature-flags');
      return {};
    });
    const roleLogicalId = json.Resources[logicalId].Properties.RoleArn['Fn::GetAtt'][0];
    const policy = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .find((candidate) => candidate.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))!;
    const statements = policy.Properties.PolicyDocument.Statement;
    const serviceRole = { arn: serviceRoleArn(template) };

    expect(statements.slice(0, 3)).toEqual([
      { Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: expect.anything() },
      {
        Effect: 'Allow',
        Action: 'cloudformation:UpdateStack',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:eu-west-1:111111111111:stack/WebProd/*']] },
        Condition: { ArnEquals: { 'cloudformation:RoleArn': serviceRole.arn } },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: serviceRole.arn,
        Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      },
    ]);
    const parameterNames = statements[3].Resource.map((arn: any) => arn['Fn::Join'][1][2].replace(':ssm:eu-west-1:111111111111:parameter', ''));
    expect(statements[3].Action).toBe('ssm:GetParameters');
    expect(parameterNames.sort()).toEqual([
      '/cdk-bootstrap/hnb659fds/version',
      '/immutable-servers/web/prod/release/ami',
      '/immutable-servers/web/prod/release/architecture',
      '/immutable-servers/web/prod/release/commit-id',
      '/immutable-servers/web/prod/release/commit-message',
      '/immutable-servers/web/prod/release/content-hash',
      '/immutable-servers/web/prod/release/fingerprint',
      '/immutable-servers/web/prod/release/instance-type',
      '/immutable-servers/web/prod/release/pipeline-execution-id',
      '/immutable-servers/web/prod/release/version',
      '/web/prod/feature-flags',
    ]);
  });
});

/** The ARN of the release service role (the role CloudFormation may assume), as the policies name it: from its literal name. */
function serviceRoleArn(template: Template): unknown {
  const roles = Object.values<any>(template.findResources('AWS::IAM::Role'))
    .filter((role) => JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('cloudformation.amazonaws.com'));
  expect(roles).toHaveLength(1);
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ENVIRONMENT.account}:role/${roles[0].Properties.RoleName}`]] };
}
