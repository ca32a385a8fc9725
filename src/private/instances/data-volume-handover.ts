import { Duration, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DATA_VOLUME_TAG_KEYS } from '../shared/data-volume-tags';
import { explainFailure, failAsExplained, sdkCall } from '../shared/sdk-call';

/**
 * Device names the volume is attached as, in the form EC2's device naming recommends for each
 * operating system; Nitro instances show it as an NVMe disk, which the instance finds by its model.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/device_naming.html
 */
export const DATA_VOLUME_DEVICES = { linux: '/dev/xvdf', windows: 'xvdf' } as const;

/** How Auto Scaling describes the activity that terminates an instance, before the instance's id. */
const TERMINATION_DESCRIPTION = 'Terminating EC2 instance: ';

/** How often the workflow looks for a free volume while the instance waits in Pending:Wait. */
const LOOK_INTERVAL = Duration.seconds(15);
/** How often it reads the attachment's state. */
const ATTACH_POLL_INTERVAL = Duration.seconds(3);
const ATTACH_POLLS = 40;

export interface DataVolumeHandoverProps {
  /** The deployment's volumes, by their tags: its id, and the generation of the volumes in the stack now. */
  readonly deploymentId: string;
  readonly generation: string;
  /** The slots the group has now (its maximum capacity): volumes of slots it had before are left alone. */
  readonly slots: number;
  /**
   * How long a launching instance waits for a volume to become free (the previous instance's to be
   * detached as it terminates) before it is abandoned and the launch fails.
   */
  readonly waitForVolume: Duration;
  /** Device name the volume is attached as: one of `DATA_VOLUME_DEVICES`. */
  readonly device: string;
}

/**
 * The states of the launching lifecycle hook's workflow, started by the hook's EventBridge event
 * (`detail` names the instance, group, hook and token): finds the deployment's current volumes,
 * chooses one (`choose`: the predecessor's, else one that has held data before a fresh one, then the
 * lowest slot), attaches it, waits until it is attached and lets the launch continue. While none is
 * free (the instance it belonged to is still terminating) it looks again, recording a heartbeat so
 * the hook does not time out.
 * `AttachVolume` refuses a volume attached elsewhere, so two launches never share one: the one that
 * loses looks again. No free volume in time, or a volume that does not attach, abandons the launch,
 * so that the instance never starts its service without data.
 */
export class DataVolumeHandoverDefinition {
  constructor(private readonly scope: Construct, private readonly props: DataVolumeHandoverProps) {}

  public chain(): sfn.IChainable {
    const looks = Math.max(1, Math.ceil(this.props.waitForVolume.toSeconds() / LOOK_INTERVAL.toSeconds()));
    const abandon = this.abandon();
    const find = sdkCall(this.scope, 'FindVolumes', {
      service: 'ec2',
      action: 'describeVolumes',
      parameters: {
        Filters: [
          { Name: `tag:${DATA_VOLUME_TAG_KEYS.deployment}`, Values: [this.props.deploymentId] },
          { Name: `tag:${DATA_VOLUME_TAG_KEYS.generation}`, Values: [this.props.generation] },
        ],
      },
      resultSelector: { 'volumes.$': '$.Volumes' },
      resultPath: '$.found',
    });
    const lookAgain = new sfn.Choice(this.scope, 'LookAgain?')
      .when(sfn.Condition.numberLessThan('$.looks.count', looks), this.heartbeat()
        .next(new sfn.Wait(this.scope, 'WaitForFreeVolume', { time: sfn.WaitTime.duration(LOOK_INTERVAL) }))
        .next(new sfn.Pass(this.scope, 'CountLook', { parameters: { 'count.$': 'States.MathAdd($.looks.count, 1)' }, resultPath: '$.looks' }))
        .next(find))
      .otherwise(this.explainNoVolume().next(abandon));
    const attach = sdkCall(this.scope, 'AttachVolume', {
      service: 'ec2',
      action: 'attachVolume',
      parameters: {
        Device: this.props.device,
        InstanceId: sfn.JsonPath.stringAt('$.detail.EC2InstanceId'),
        VolumeId: sfn.JsonPath.stringAt('$.choice.VolumeId'),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    // Taken by another launch in the meantime (VolumeInUse, IncorrectState): look again.
    attach.addCatch(lookAgain, { errors: ['States.TaskFailed'], resultPath: '$.attachError' });
    find.next(this.findTerminations()).next(this.choose()).next(new sfn.Choice(this.scope, 'FreeVolume?')
      .when(sfn.Condition.isPresent('$.choice.VolumeId'), attach.next(this.waitUntilAttached(abandon)))
      .otherwise(lookAgain));
    return new sfn.Pass(this.scope, 'StartLooking', { result: sfn.Result.fromObject({ count: 1 }), resultPath: '$.looks' }).next(find);
  }

  /**
   * The group's recent activities, newest first (in-progress ones before all others, as
   * DescribeScalingActivities lists them): which instances terminated, and in which order.
   */
  private findTerminations(): sfn.TaskStateBase {
    return sdkCall(this.scope, 'FindTerminations', {
      service: 'autoscaling',
      action: 'describeScalingActivities',
      parameters: { AutoScalingGroupName: sfn.JsonPath.stringAt('$.detail.AutoScalingGroupName') },
      resultSelector: { 'activities.$': '$.Activities' },
      resultPath: '$.terminations',
    });
  }

  /**
   * JSONata: JSONPath cannot sort, nor read a tag's value by its key. The volume of the instance
   * that terminated last is this launch's, its predecessor's: taken once free, waited for while the
   * predecessor still holds it. Without one (a scale-out, or volumes handed over before this rule),
   * a free volume that has held data before a fresh one, then the lowest slot. So a release after a
   * scale-in hands each instance's volume to its replacement, not the volume the scale-in freed.
   */
  private choose(): sfn.Pass {
    return sfn.Pass.jsonata(this.scope, 'ChooseVolume', {
      comment: 'The predecessor\'s volume once free; else a free volume that has held data before a fresh one, then the lowest slot',
      outputs: '{% $merge([$states.input, {"choice": ('
        + '$tag := function($volume, $key) { $lookup($merge($volume.Tags.{ Key: Value }), $key) }; '
        + `$volumes := $states.input.found.volumes[$number($tag($, "${DATA_VOLUME_TAG_KEYS.slot}")) <= ${this.props.slots}]; `
        + `$terminated := $states.input.terminations.activities[$contains(Description, "${TERMINATION_DESCRIPTION}")]`
        + `.$substringAfter(Description, "${TERMINATION_DESCRIPTION}"); `
        + '$recency := function($volume) { $map($terminated, function($instance, $index) { '
        + `$instance = $tag($volume, "${DATA_VOLUME_TAG_KEYS.instance}") ? $index })[0] }; `
        + '$predecessor := $sort([$volumes[$exists($recency($))]], function($a, $b) { $recency($a) > $recency($b) })[0]; '
        + `$rank := function($volume) { ($exists($tag($volume, "${DATA_VOLUME_TAG_KEYS.used}")) ? 0 : 100000) + $number($tag($volume, "${DATA_VOLUME_TAG_KEYS.slot}")) }; `
        + '$predecessor ? ($predecessor.State = "available" ? $predecessor : { "waitingFor": $predecessor.VolumeId }) '
        + ': $sort([$volumes[State = "available"]], function($a, $b) { $rank($a) > $rank($b) })[0]'
        + ')}]) %}',
    });
  }

  private waitUntilAttached(abandon: sfn.IChainable): sfn.IChainable {
    const poll = sdkCall(this.scope, 'ReadAttachment', {
      service: 'ec2',
      action: 'describeVolumes',
      parameters: { VolumeIds: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.choice.VolumeId')) },
      // The attachments, not the first one's state: a selector path that matches nothing fails the task.
      resultSelector: { 'attachments.$': '$.Volumes[0].Attachments' },
      resultPath: '$.attachment',
    });
    const mark = sdkCall(this.scope, 'MarkVolumeUsed', {
      service: 'ec2',
      action: 'createTags',
      parameters: {
        Resources: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.choice.VolumeId')),
        Tags: [
          { Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' },
          { Key: DATA_VOLUME_TAG_KEYS.instance, Value: sfn.JsonPath.stringAt('$.detail.EC2InstanceId') },
        ],
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const proceed = this.complete('LetLaunchContinue', 'CONTINUE').next(new sfn.Succeed(this.scope, 'VolumeHandedOver'));
    const notAttached = explainFailure(this.scope, 'ExplainNotAttached', 'DataVolumeNotAttached',
      `Volume {} did not attach to instance {} within ${ATTACH_POLLS * ATTACH_POLL_INTERVAL.toSeconds()} seconds: the launch is abandoned.`,
      '$.choice.VolumeId', '$.detail.EC2InstanceId').next(abandon);
    const wait = new sfn.Wait(this.scope, 'WaitForAttachment', { time: sfn.WaitTime.duration(ATTACH_POLL_INTERVAL) });
    wait.next(poll).next(new sfn.Pass(this.scope, 'CountPoll', { parameters: { 'count.$': 'States.MathAdd($.polls.count, 1)' }, resultPath: '$.polls' }))
      .next(new sfn.Choice(this.scope, 'Attached?')
        .when(sfn.Condition.and(sfn.Condition.isPresent('$.attachment.attachments[0].State'),
          sfn.Condition.stringEquals('$.attachment.attachments[0].State', 'attached')), mark.next(proceed))
        .when(sfn.Condition.numberLessThan('$.polls.count', ATTACH_POLLS), wait)
        .otherwise(notAttached));
    return new sfn.Pass(this.scope, 'StartPolling', { result: sfn.Result.fromObject({ count: 0 }), resultPath: '$.polls' }).next(wait);
  }

  private heartbeat(): sfn.TaskStateBase {
    return sdkCall(this.scope, 'RecordHeartbeat', {
      service: 'autoscaling',
      action: 'recordLifecycleActionHeartbeat',
      parameters: this.lifecycleAction(),
      resultPath: sfn.JsonPath.DISCARD,
    });
  }

  private explainNoVolume(): sfn.Pass {
    return explainFailure(this.scope, 'ExplainNoVolume', 'NoDataVolumeFree',
      `No data volume of ${this.props.deploymentId} was free for instance {} within ${this.props.waitForVolume.toHumanString()}: `
      + 'every one is attached to another instance. The launch is abandoned; the group tries again.', '$.detail.EC2InstanceId');
  }

  private abandon(): sfn.IChainable {
    return this.complete('AbandonLaunch', 'ABANDON').next(failAsExplained(this.scope, 'LaunchAbandoned'));
  }

  private complete(id: string, result: 'CONTINUE' | 'ABANDON'): sfn.TaskStateBase {
    return sdkCall(this.scope, id, {
      service: 'autoscaling',
      action: 'completeLifecycleAction',
      parameters: { ...this.lifecycleAction(), LifecycleActionResult: result },
      resultPath: sfn.JsonPath.DISCARD,
    });
  }

  private lifecycleAction(): Record<string, string> {
    return {
      AutoScalingGroupName: sfn.JsonPath.stringAt('$.detail.AutoScalingGroupName'),
      LifecycleHookName: sfn.JsonPath.stringAt('$.detail.LifecycleHookName'),
      LifecycleActionToken: sfn.JsonPath.stringAt('$.detail.LifecycleActionToken'),
      InstanceId: sfn.JsonPath.stringAt('$.detail.EC2InstanceId'),
    };
  }
}
