import {
  Duration, Names, Stack, Token,
  aws_iam as iam, aws_logs as logs, aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import type { ReleaseTarget } from '../../release-target';
import { acknowledgeNagFinding } from '../nag/nag-acknowledgement';
import { literalRoleName, roleArnOf, validateRoleArn } from '../shared/role-arns';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

/** What every workflow acting on one environment is given. */
export interface TargetWorkflowProps {
  /** Name of the environment, as its deployment names it; it appears in the workflow's output. */
  readonly environmentName: string;

  /** The environment's stack, ledger and alarms: `RollingAsgDeployment.releaseTarget`. */
  readonly target: ReleaseTarget;

  /**
   * A role in the target's account that the workflow assumes for every call to the target (through
   * each Task state's `Credentials`). It needs the workflow's policy statements for the target and
   * must trust the workflow's `role`. Required when the target's account is not the workflow stack's.
   *
   * @see https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html
   * @default - the workflow's own role calls the target, which must be in its account and region
   */
  readonly releaseRoleArn?: string;

  /**
   * How long the workflow's execution logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** A standard workflow that calls one environment's account and region, and how it does so. */
export interface TargetWorkflowOptions {
  /** What the workflow does, e.g. `release`: it names the workflow in errors. */
  readonly purpose: string;
  readonly roleDescription: string;
  readonly comment: string;
  readonly target: ReleaseTarget;
  /** A role in the target's account, assumed through each Task's `Credentials`. */
  readonly releaseRoleArn?: string;
  readonly timeout: Duration;
  readonly logRetention?: logs.RetentionDays;
  /** Whether the logs hold each state's input and output, which dashboards can then query. */
  readonly logExecutionData?: boolean;
  /** The states, given the credentials their target-side calls run with. */
  readonly definition: (credentials: sfn.Credentials | undefined) => sfn.IChainable;
  /** What the target-side calls need, granted to the workflow's own role when no release role is given. */
  readonly grantTargetPermissions: (role: iam.Role) => void;
}

/** A workflow acting on one environment, as `createTargetWorkflow` makes it. */
export interface TargetWorkflow {
  readonly stateMachine: sfn.StateMachine;
  /** The state machine's literal name. */
  readonly stateMachineName: string;
  readonly role: iam.Role;
  /** The role's ARN, from its literal name: what a release role in another account trusts. */
  readonly roleArn: string;
  readonly logGroup: logs.ILogGroup;
}

/**
 * The state machine, its role and its execution logs. Its role's policy is written in full here
 * and by `grantTargetPermissions` (CDK would grant each task's action on `*`): either the
 * target-side permissions, or only `sts:AssumeRole` on the release role that holds them.
 */
export function createTargetWorkflow(scope: Construct, options: TargetWorkflowOptions): TargetWorkflow {
  validateTargetPlacement(scope, options.purpose, options.target, options.releaseRoleArn);
  // A literal name, so that a release role in the environment's account trusts it by its ARN.
  const roleName = literalRoleName(scope);
  const role = new iam.Role(scope, 'Role', {
    roleName,
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: options.roleDescription,
  });
  const credentials = options.releaseRoleArn === undefined ? undefined : {
    role: sfn.TaskRole.fromRole(iam.Role.fromRoleArn(scope, 'ReleaseRole', options.releaseRoleArn, { mutable: false })),
  };
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    logGroupName: stackScopedLogGroupName(scope, '/aws/vendedlogs/states/'),
    retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR,
  });
  // A literal name, so that a pipeline in any stack names it by a literal ARN: no export.
  const stateMachineName = Names.uniqueResourceName(scope, { maxLength: 80, separator: '-' });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName,
    comment: options.comment,
    definitionBody: sfn.DefinitionBody.fromChainable(options.definition(credentials)),
    stateMachineType: sfn.StateMachineType.STANDARD,
    timeout: options.timeout,
    role: role.withoutPolicyUpdates(),
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: options.logExecutionData },
    tracingEnabled: true,
  });
  stateMachine.node.addDependency(role);
  if (options.releaseRoleArn === undefined) {
    options.grantTargetPermissions(role);
  } else {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [options.releaseRoleArn] }));
  }
  role.addToPrincipalPolicy(executionLoggingStatement());
  acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
    'Only actions that support no resource-level permissions: CloudWatch Logs vended log delivery, X-Ray trace uploads, '
    + 'and the release workflow\'s EC2 describe calls, which read the released AMI\'s snapshots and whether other environments still run the AMI it replaced');
  return { stateMachine, stateMachineName, role, roleArn: roleArnOf(scope, roleName), logGroup };
}

/** Environment names as deployments use them. */
export function validateEnvironmentName(environmentName: string): void {
  if (!Token.isUnresolved(environmentName) && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(environmentName)) {
    throw new Error(`environmentName must be lowercase letters, digits and single '-' between them, got '${environmentName}'`);
  }
}

/**
 * Step Functions SDK integrations call their own region, and another account only through a role
 * of that account: errors naming the target, the workflow's stack and what to give.
 */
function validateTargetPlacement(scope: IConstruct, purpose: string, target: ReleaseTarget, releaseRoleArn: string | undefined): void {
  const stack = Stack.of(scope);
  const where = `stack ${target.stackName} (account ${target.account}, region ${target.region})`;
  // Tokens compare equal only when they are the same token, e.g. both stacks environment-agnostic.
  if (target.region !== stack.region) {
    throw new Error(`The ${purpose} workflow must be in the region of ${where}, but its stack is in region ${stack.region}: Step Functions SDK integrations cannot call another region`);
  }
  if (releaseRoleArn === undefined && target.account !== stack.account) {
    throw new Error(`Target account ${target.account} of ${where} is not the ${purpose} workflow's account ${stack.account}: give a releaseRoleArn in account ${target.account}`);
  }
  if (releaseRoleArn !== undefined && !Token.isUnresolved(releaseRoleArn)) {
    const roleAccount = validateRoleArn(releaseRoleArn, `releaseRoleArn of ${where}`);
    if (!Token.isUnresolved(target.account) && roleAccount !== target.account) {
      throw new Error(`releaseRoleArn ${releaseRoleArn} is in account ${roleAccount}, not in target account ${target.account} of ${where}`);
    }
  }
}
