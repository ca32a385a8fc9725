import {
  Duration, Stack,
  aws_iam as iam, aws_logs as logs, aws_stepfunctions as sfn, aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeNagFinding, nagResourceReference } from '../nag/nag-acknowledgement';
import { executionLoggingStatement, stackScopedLogGroupName } from '../shared/state-machine-logging';

/**
 * Key of the tag that marks an instance someone opened a Session Manager session on. Its value is
 * the session id (or `true` when the event names none); the instance is replaced after the grace
 * period, so the fleet returns to instances nobody has touched.
 */
export const TAINTED_TAG_KEY = 'immutable-servers:tainted';

/** Where the CloudTrail `StartSession` event names the instance, as Session Manager's `target`. */
const TARGET_PATH = '$.detail.requestParameters.target';
const SESSION_ID_PATH = '$.detail.responseElements.sessionId';

/** Every SDK call is one short request; a call that hangs ends the execution instead of waiting. */
const TASK_TIMEOUT = sfn.Timeout.duration(Duration.minutes(1));

/** Room beyond the grace period for the calls and their retries. */
const EXECUTION_MARGIN = Duration.minutes(30);

/**
 * Auto Scaling and EC2 are query APIs: through SDK integrations, throttling and errors that their
 * models do not name (such as ValidationError) arrive as the generic `<Service>.<Service>Exception`.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html#use-awssdk-integ
 */
const AUTO_SCALING_ERROR = 'AutoScaling.AutoScalingException';
const EC2_ERROR = 'Ec2.Ec2Exception';

export interface TaintWorkflowProps {
  /** Name of the group whose instances are tainted and replaced. */
  readonly autoScalingGroupName: string;
  /** ARN of that group: the only group the workflow may terminate instances in. */
  readonly autoScalingGroupArn: string;
  /** How long a tainted instance stays in service, so the session can finish its work. */
  readonly gracePeriod: Duration;
  /** How long the workflow's execution logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * A Step Functions standard workflow, SDK integrations only, that receives a CloudTrail
 * `StartSession` event and, when the session's target is an instance of this group, tags it as
 * tainted, waits the grace period and terminates it in its group without decrementing the
 * desired capacity, so that Auto Scaling launches a pristine replacement. Sessions on other
 * instances end the execution at once; an instance already gone at termination is a success.
 */
export class TaintWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TaintWorkflowProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Taints and replaces instances of an Auto Scaling group after Session Manager sessions',
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions asks for the /aws/vendedlogs/ prefix, which keeps log groups out of the
      // account's size-limited CloudWatch Logs resource policy.
      logGroupName: stackScopedLogGroupName(this, '/aws/vendedlogs/states/'),
      retention: props.logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `Tags an instance of ${props.autoScalingGroupName} as tainted after a Session Manager session, then replaces it`,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.gracePeriod.plus(EXECUTION_MARGIN),
      // CDK would grant each task's action without conditions; the role's whole policy is below.
      role: role.withoutPolicyUpdates(),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
      tracingEnabled: true,
    });
    this.stateMachine.node.addDependency(role);
    grantWorkflowPermissions(role, props);
  }

  private definition(props: TaintWorkflowProps): sfn.IChainable {
    const notOurs = new sfn.Succeed(this, 'NotInThisGroup', { comment: 'The session was on an instance outside this group' });
    const taint = this.taint(this.tagInstance(this.replacement(props.gracePeriod)));
    return this.describeInstance('DescribeInstance', '$.autoScaling').next(new sfn.Choice(this, 'InThisGroup?')
      // Rules are evaluated in order, so the second only sees an instance that is present.
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.autoScaling.instances[0]')), notOurs)
      .when(sfn.Condition.stringEquals('$.autoScaling.instances[0].AutoScalingGroupName', props.autoScalingGroupName), taint)
      .otherwise(notOurs));
  }

  /** The tag's value, at `$.taint.value`: the session id, or `true` when the event names none. */
  private taint(next: sfn.IChainable): sfn.IChainable {
    return new sfn.Choice(this, 'HasSessionId?')
      .when(sfn.Condition.isPresent(SESSION_ID_PATH), new sfn.Pass(this, 'TaintWithSessionId', {
        parameters: { value: sfn.JsonPath.stringAt(SESSION_ID_PATH) },
        resultPath: '$.taint',
      }).next(next))
      .otherwise(new sfn.Pass(this, 'TaintWithoutSessionId', {
        result: sfn.Result.fromObject({ value: 'true' }),
        resultPath: '$.taint',
      }).next(next));
  }

  private tagInstance(next: sfn.IChainable): sfn.IChainable {
    const tag = new tasks.CallAwsService(this, 'TagInstance', {
      service: 'ec2',
      action: 'createTags',
      parameters: {
        Resources: sfn.JsonPath.array(sfn.JsonPath.stringAt(TARGET_PATH)),
        Tags: [{ Key: TAINTED_TAG_KEY, Value: sfn.JsonPath.stringAt('$.taint.value') }],
      },
      iamResources: [instanceArns(this)],
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: TASK_TIMEOUT,
    });
    tag.addRetry({ errors: [EC2_ERROR], maxAttempts: 3 });
    // The tag tells operators why the instance goes away; the replacement is what matters, so a
    // tag that cannot be written (the instance is already gone, say) does not stop it.
    tag.addCatch(next, { errors: ['States.TaskFailed'], resultPath: '$.tagError' });
    return tag.next(next);
  }

  /**
   * Waits the grace period, then terminates the instance in its group. When termination fails,
   * the instance is described again: one that has left the group or is terminating is a success.
   */
  private replacement(gracePeriod: Duration): sfn.IChainable {
    const terminate = this.autoScalingCall('TerminateInstance', 'terminateInstanceInAutoScalingGroup', {
      InstanceId: sfn.JsonPath.stringAt(TARGET_PATH),
      // The group launches a replacement, so capacity never drops below what the release set.
      ShouldDecrementDesiredCapacity: false,
    }, '$.termination');
    terminate.addRetry({ errors: ['AutoScaling.ResourceContentionException'], maxAttempts: 3 });
    const alreadyGone = new sfn.Succeed(this, 'AlreadyGone', { comment: 'The instance left the group before it could be terminated' });
    terminate.addCatch(this.describeInstance('DescribeAfterFailure', '$.afterFailure').next(new sfn.Choice(this, 'InstanceGone?')
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.afterFailure.instances[0]')), alreadyGone)
      .when(sfn.Condition.stringMatches('$.afterFailure.instances[0].LifecycleState', 'Terminat*'), alreadyGone)
      .otherwise(this.failure())), { errors: ['States.TaskFailed'], resultPath: '$.terminationError' });
    terminate.next(new sfn.Succeed(this, 'Replaced', { comment: 'Auto Scaling terminates the instance and launches a replacement' }));
    // A Wait state of zero seconds would only clutter the execution history.
    return gracePeriod.toSeconds() > 0
      ? new sfn.Wait(this, 'WaitGracePeriod', { time: sfn.WaitTime.duration(gracePeriod) }).next(terminate)
      : terminate;
  }

  /** Ends the execution with a message that names the instance, the reason and what to do. */
  private failure(): sfn.IChainable {
    // Composed in a Pass state: a Fail state's CausePath takes intrinsics in Step Functions, but
    // not in the local runner that tests this definition.
    return new sfn.Pass(this, 'DescribeFailure', {
      parameters: {
        cause: sfn.JsonPath.format(
          'Could not terminate tainted instance {}, which is still in its Auto Scaling group; terminate it by hand. TerminateInstanceInAutoScalingGroup said: {}',
          sfn.JsonPath.stringAt(TARGET_PATH), sfn.JsonPath.stringAt('$.terminationError.Cause')),
      },
      resultPath: '$.failure',
    }).next(new sfn.Fail(this, 'TerminationFailed', { error: 'TaintedInstanceNotReplaced', causePath: '$.failure.cause' }));
  }

  /** The session target's Auto Scaling instance records, at `instances`: empty when no group has it. */
  private describeInstance(id: string, resultPath: string): tasks.CallAwsService {
    return this.autoScalingCall(id, 'describeAutoScalingInstances', {
      InstanceIds: sfn.JsonPath.array(sfn.JsonPath.stringAt(TARGET_PATH)),
    }, resultPath, { instances: sfn.JsonPath.listAt('$.AutoScalingInstances') });
  }

  /** An Auto Scaling call, retried with backoff when throttled. */
  private autoScalingCall(id: string, action: string, parameters: Record<string, unknown>, resultPath: string,
    resultSelector?: Record<string, unknown>): tasks.CallAwsService {
    const call = new tasks.CallAwsService(this, id, {
      service: 'autoscaling',
      action,
      parameters,
      // Only read by CDK, which the immutable role ignores: grantWorkflowPermissions scopes each call.
      iamResources: ['*'],
      resultSelector,
      resultPath,
      taskTimeout: TASK_TIMEOUT,
    });
    call.addRetry({
      errors: [AUTO_SCALING_ERROR], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 5, jitterStrategy: sfn.JitterType.FULL,
    });
    return call;
  }
}

/** The workflow role's whole policy, each statement as narrow as its API allows. */
function grantWorkflowPermissions(role: iam.Role, props: TaintWorkflowProps): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['autoscaling:DescribeAutoScalingInstances'],
    resources: ['*'],
  }));
  // Only this group's instances (Auto Scaling tags each with its group's name), and only the
  // tainted tag.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [instanceArns(role)],
    conditions: {
      'StringEquals': { 'aws:ResourceTag/aws:autoscaling:groupName': props.autoScalingGroupName },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TAINTED_TAG_KEY] },
    },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['autoscaling:TerminateInstanceInAutoScalingGroup'],
    resources: [props.autoScalingGroupArn],
  }));
  role.addToPrincipalPolicy(executionLoggingStatement());
  acknowledgeNagFinding(role, 'AwsSolutions-IAM5[Resource::*]',
    'DescribeAutoScalingInstances, CloudWatch Logs vended log delivery and X-Ray trace uploads support no resource-level permissions; the workflow can only read with them');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, instanceArns(role))}]`,
    'CreateTags is limited by condition to instances tagged aws:autoscaling:groupName with this group, and to the tainted tag key');
  acknowledgeNagFinding(role, `AwsSolutions-IAM5[Resource::${nagResourceReference(role, props.autoScalingGroupArn)}]`,
    'The wildcard in an Auto Scaling group ARN stands for the group UUID, which CloudFormation does not return; the group name pins it to this group');
}

/** Every EC2 instance in the stack's account and region, for statements narrowed by condition. */
export function instanceArns(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
}
