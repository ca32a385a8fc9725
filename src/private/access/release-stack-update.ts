import {
  ArnFormat, CfnParameter, Lazy, Names, Stack,
  aws_iam as iam, aws_logs as logs, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ReleaseServiceRole, ReleaseServiceRoleProps } from './release-service-role';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { sdkCall } from '../shared/sdk-call';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

/** Capabilities the environment stack's own deploys use; UpdateStack must acknowledge them again. */
export const UPDATE_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];

/** The prefix of CloudFormation parameter types that Systems Manager resolves on every update. */
const SSM_PARAMETER_TYPE = 'AWS::SSM::Parameter::Value<';

/**
 * The only way a release changes an environment's stack: an Express workflow in the environment's
 * account and region that updates the stack with its previous template and every parameter's
 * previous value, as the release service role. Its execution input is
 * `{ "clientRequestToken": "<token>" }` and nothing else reaches the update, so whoever may start
 * it can make CloudFormation resolve the ledger again, and nothing more: no template, no
 * parameter value, no stack policy, no role of their choosing, no disabled rollback. Release
 * workflows start it synchronously (`StartSyncExecution`) and hold no `cloudformation:UpdateStack`
 * themselves; the workflow's own role may update this stack only with the service role.
 *
 * A failed update ends the execution with CloudFormation's error and message ("No updates are to
 * be performed" when the stack already runs the ledger's release).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html
 */
export class ReleaseStackUpdate extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** The workflow's ARN, from its literal name: what release workflows in any account start. */
  public readonly stateMachineArn: string;
  /** The service role CloudFormation updates the stack with. */
  public readonly serviceRole: ReleaseServiceRole;

  constructor(scope: Construct, id: string, props: ReleaseServiceRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.serviceRole = new ReleaseServiceRole(this, 'ServiceRole', props);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Updates stack ${stack.stackName} with its previous template and parameters, as its release service role only`,
    });
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.EXPRESS,
      comment: `Updates stack ${stack.stackName} with its previous template and parameter values, so that it resolves its release ledger again`,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(stack.stackName)),
      role: role.withoutPolicyUpdates(),
      logs: {
        destination: new logs.LogGroup(this, 'Logs', {
          logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
          retention: logs.RetentionDays.ONE_YEAR,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(role);
    stackUpdateStatements(this, this.serviceRole.roleArn).forEach((statement) => role.addToPrincipalPolicy(statement));
    role.addToPrincipalPolicy(executionLoggingStatement());
    acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
      'Only CloudWatch Logs vended log delivery and X-Ray trace uploads, which support no resource-level permissions');
    acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, stackArn(stack))}]`,
      `The wildcard in a stack ARN stands for the stack id; the name pins it to stack ${stack.stackName}, and UpdateStack only with the release service role`);
    this.stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private definition(stackName: string): sfn.IChainable {
    const describe = sdkCall(this, 'DescribeStack', {
      service: 'cloudformation',
      action: 'describeStacks',
      parameters: { StackName: stackName },
      resultPath: '$.stack',
      resultSelector: { 'parameterKeys.$': '$.Stacks[0].Parameters[*].ParameterKey' },
    });
    const keep = new sfn.Map(this, 'KeepParameterValues', {
      comment: 'Every parameter of the stack keeps its previous value; SSM parameter types resolve again',
      itemsPath: '$.stack.parameterKeys',
      itemSelector: { 'ParameterKey.$': '$$.Map.Item.Value', 'UsePreviousValue': true },
      resultPath: '$.stack.parameters',
    }).itemProcessor(new sfn.Pass(this, 'KeepParameterValue'));
    const update = sdkCall(this, 'UpdateStack', {
      service: 'cloudformation',
      action: 'updateStack',
      parameters: {
        StackName: stackName,
        UsePreviousTemplate: true,
        Parameters: sfn.JsonPath.listAt('$.stack.parameters'),
        Capabilities: UPDATE_CAPABILITIES,
        RoleARN: this.serviceRole.roleArn,
        DisableRollback: false,
        // Marks the update's stack events, and makes a retried update idempotent.
        ClientRequestToken: sfn.JsonPath.stringAt('$.clientRequestToken'),
      },
      resultPath: '$.update',
      resultSelector: { 'stackId.$': '$.StackId' },
    });
    return describe.next(keep).next(update).next(new sfn.Pass(this, 'UpdateStarted', { outputPath: '$.update' }));
  }
}

/**
 * The workflow role's statements: read the stack, update it only as the service role, pass only
 * that role, and read the SSM parameters the stack resolves, as CloudFormation reads them with the
 * caller's permissions (aws/aws-cdk#20959).
 */
function stackUpdateStatements(scope: IConstruct, serviceRoleArn: string): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  return [
    new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stackArn(stack)] }),
    new iam.PolicyStatement({
      actions: ['cloudformation:UpdateStack'],
      resources: [stackArn(stack)],
      conditions: { ArnEquals: { 'cloudformation:RoleArn': serviceRoleArn } },
    }),
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [serviceRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      actions: ['ssm:GetParameters'],
      resources: Lazy.uncachedList({ produce: () => resolvedParameterArns(stack) }),
    }),
  ];
}

/** Every instance of the stack by its name: the id after it is the stack's UUID. */
function stackArn(stack: Stack): string {
  return stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stack.stackName}/*` });
}

/**
 * Every SSM parameter the stack's parameters of SSM types name by default (the ledger, the CDK
 * bootstrap version, any of the user's), read when the template is: the synthesizer adds its own.
 */
function resolvedParameterArns(stack: Stack): string[] {
  const names = stack.node.findAll()
    .filter((construct): construct is CfnParameter => construct instanceof CfnParameter && Stack.of(construct) === stack)
    .filter((parameter) => parameter.type.startsWith(SSM_PARAMETER_TYPE) && typeof parameter.default === 'string')
    .map((parameter) => parameter.default as string);
  return [...new Set(names)].map((name) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') }));
}
