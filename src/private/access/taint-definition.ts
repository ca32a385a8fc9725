import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TouchedInstances } from './touched-instances';
import { explainFailure, failAsExplained, sdkCall } from '../shared/sdk-call';

/**
 * Key of the tag that marks an instance someone got into. Its value is the CloudTrail event's name
 * and id (`SendCommand:<event id>`), to look the call up by; the instance is replaced after the
 * grace period, so the fleet returns to instances nobody has touched.
 */
export const TAINTED_TAG_KEY = 'immutable-servers:tainted';

/**
 * Tags and terminations a few at a time: a command on a large group stays within the APIs' rates,
 * and each call is short, so the last instance is not held up.
 */
const MAX_CONCURRENCY = 5;

export interface TaintDefinitionProps {
  /** The group whose instances are tainted and replaced; instances of other groups are left alone. */
  readonly autoScalingGroupName: string;
  /** How long tainted instances stay in service, so the session or command can finish its work. */
  readonly gracePeriod: Duration;
}

/**
 * The states of the taint workflow (JSONPath, apart from the JSONata states that filter and
 * collect instance ids): the EC2 instances a CloudTrail access event touched (`TouchedInstances`),
 * those of them in this group, then each tagged as tainted, the grace period, and each terminated
 * in its group without decrementing the desired capacity, so that Auto Scaling launches pristine
 * replacements. An instance already gone at termination is a success.
 */
export class TaintDefinition {
  constructor(private readonly scope: Construct, private readonly props: TaintDefinitionProps) {}

  public chain(): sfn.IChainable {
    const anyInstance = new sfn.Choice(this.scope, 'AnyInstance?');
    const touched = new TouchedInstances(this.scope, anyInstance);
    const afterPage = touched.nextPage(new sfn.Choice(this.scope, 'AnyInThisGroup?')
      .when(sfn.Condition.isPresent('$.ours[0]'), this.taintAndReplace())
      .otherwise(new sfn.Succeed(this.scope, 'NotInThisGroup', { comment: 'No instance the event touched is in this group' })));
    anyInstance
      .when(sfn.Condition.isPresent('$.candidates[0]'), this.keepThisGroup(afterPage))
      .otherwise(afterPage);
    return touched.chain();
  }

  /** Adds the candidates that are in this group to `$.ours`, across pages of a command's invocations. */
  private keepThisGroup(next: sfn.IChainable): sfn.IChainable {
    const describe = sdkCall(this.scope, 'DescribeTouched', {
      service: 'autoscaling',
      action: 'describeAutoScalingInstances',
      parameters: { InstanceIds: sfn.JsonPath.listAt('$.candidates') },
      resultSelector: { 'records.$': '$.AutoScalingInstances' },
      resultPath: '$.touched',
    });
    // The group's name is a JSON string literal, which is a JSONata string literal too.
    const group = JSON.stringify(this.props.autoScalingGroupName);
    return describe.next(sfn.Pass.jsonata(this.scope, 'KeepThisGroup', {
      comment: 'A JSONata state: JSONPath cannot append one list to another',
      outputs: `{% $merge([$states.input, {"ours": [$append($states.input.ours, $states.input.touched.records[AutoScalingGroupName = ${group}].InstanceId)]}]) %}`,
    })).next(next);
  }

  private taintAndReplace(): sfn.IChainable {
    const value = sfn.Pass.jsonata(this.scope, 'TaintValue', {
      comment: 'The tag\'s value: the event\'s name and CloudTrail id (JSONata, to leave out an id the event lacks)',
      outputs: '{% $merge([$states.input, {"taint": $join([$states.input.detail.eventName, $states.input.detail.eventID], ":")}]) %}',
    });
    const tagEach = new sfn.Map(this.scope, 'TagEach', {
      itemsPath: '$.ours',
      itemSelector: { 'instanceId.$': '$$.Map.Item.Value', 'value.$': '$.taint' },
      maxConcurrency: MAX_CONCURRENCY,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(this.tagInstance());
    const replaceEach = new sfn.Map(this.scope, 'ReplaceEach', {
      itemsPath: '$.ours',
      itemSelector: { 'instanceId.$': '$$.Map.Item.Value' },
      maxConcurrency: MAX_CONCURRENCY,
      resultPath: '$.replacements',
    }).itemProcessor(this.replaceInstance());
    const outcome = sfn.Pass.jsonata(this.scope, 'FirstFailure', {
      comment: 'The failure of the first instance that could not be replaced, if any: JSONPath cannot filter on a key\'s presence',
      outputs: '{% $merge([$states.input, {"failure": $states.input.replacements[$exists(failure)][0].failure}]) %}',
    }).next(new sfn.Choice(this.scope, 'EveryInstanceReplaced?')
      .when(sfn.Condition.isPresent('$.failure'), failAsExplained(this.scope, 'NotReplaced'))
      .otherwise(new sfn.Succeed(this.scope, 'Replaced', { comment: 'Auto Scaling terminates the instances and launches replacements' })));
    // A Wait state of zero seconds would only clutter the execution history.
    const grace = this.props.gracePeriod.toSeconds() > 0
      ? new sfn.Wait(this.scope, 'WaitGracePeriod', { time: sfn.WaitTime.duration(this.props.gracePeriod) }).next(replaceEach)
      : replaceEach;
    replaceEach.next(outcome);
    return value.next(tagEach).next(grace);
  }

  private tagInstance(): sfn.IChainable {
    const tag = sdkCall(this.scope, 'TagInstance', {
      service: 'ec2',
      action: 'createTags',
      parameters: {
        Resources: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.instanceId')),
        Tags: [{ Key: TAINTED_TAG_KEY, Value: sfn.JsonPath.stringAt('$.value') }],
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    // The tag tells operators why the instance goes away; the replacement is what matters, so a
    // tag that cannot be written (the instance is already gone, say) does not stop it.
    tag.addCatch(new sfn.Pass(this.scope, 'TagNotWritten', { comment: 'The instance is replaced all the same' }),
      { errors: ['States.TaskFailed'], resultPath: '$.tagError' });
    return tag;
  }

  /**
   * Terminates the instance in its group. When termination fails, the instance is described again:
   * one that has left the group or is terminating is a success; one still in service ends the
   * iteration with a `failure` that names it.
   */
  private replaceInstance(): sfn.IChainable {
    const terminate = sdkCall(this.scope, 'TerminateInstance', {
      service: 'autoscaling',
      action: 'terminateInstanceInAutoScalingGroup',
      // The group launches a replacement, so capacity returns to what the release set.
      parameters: { InstanceId: sfn.JsonPath.stringAt('$.instanceId'), ShouldDecrementDesiredCapacity: false },
      resultPath: sfn.JsonPath.DISCARD,
    });
    terminate.addRetry({ errors: ['AutoScaling.ResourceContentionException'], maxAttempts: 3 });
    const describe = sdkCall(this.scope, 'DescribeAfterFailure', {
      service: 'autoscaling',
      action: 'describeAutoScalingInstances',
      parameters: { InstanceIds: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.instanceId')) },
      resultSelector: { 'records.$': '$.AutoScalingInstances' },
      resultPath: '$.afterFailure',
    });
    const alreadyGone = new sfn.Succeed(this.scope, 'AlreadyGone', { comment: 'The instance left the group before it could be terminated' });
    terminate.addCatch(describe.next(new sfn.Choice(this.scope, 'InstanceGone?')
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.afterFailure.records[0]')), alreadyGone)
      .when(sfn.Condition.stringMatches('$.afterFailure.records[0].LifecycleState', 'Terminat*'), alreadyGone)
      .otherwise(explainFailure(this.scope, 'ExplainNotReplaced', 'TaintedInstanceNotReplaced',
        'Could not terminate tainted instance {}, which is still in its Auto Scaling group; terminate it by hand. '
        + 'TerminateInstanceInAutoScalingGroup said: {}', '$.instanceId', '$.terminationError.Cause'))),
    { errors: ['States.TaskFailed'], resultPath: '$.terminationError' });
    return terminate;
  }
}
