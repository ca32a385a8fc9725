/**
 * Auto Scaling's launching lifecycle hooks: an instance a group with such a hook launches waits in
 * Pending:Wait; Auto Scaling puts the documented `EC2 Instance-launch Lifecycle Action` event on
 * EventBridge for each hook, and the instance goes InService only once every hook's action is
 * completed with CONTINUE. ABANDON, or no completion (the heartbeat timeout runs out and the hook's
 * default result applies), fails the launch: Auto Scaling terminates the instance.
 *
 * A hook is a resource of its own that names its group, so CloudFormation creates it after the
 * group: instances a group launches while its stack is created, or while an update that adds the
 * hook updates the group, pass no hook (`SimulatedStack.lifecycleHooks` holds the ones that exist).
 *
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html
 * @see https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html
 */
import { randomUUID } from 'crypto';
import { AwsError, Endpoint } from '../aws-api';
import { resolve } from '../template-resolution';
import { autoScalingGroupArn, CloudFormationSimulation, SimulatedGroup, SimulatedStack } from './cloudformation';
import { EventBridgeSimulation } from './event-bridge';

const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';

interface LaunchHook {
  readonly name: string;
  readonly defaultResult: 'CONTINUE' | 'ABANDON';
  readonly notificationMetadata?: string;
}

/** A lifecycle action waiting for its completion. */
interface PendingAction {
  readonly at: Endpoint;
  readonly groupName: string;
  readonly hookName: string;
  readonly instanceId: string;
  result?: 'CONTINUE' | 'ABANDON';
}

/** What the launching hooks decided over a journey. */
export interface LaunchHookCounts {
  continued: number;
  abandoned: number;
  heartbeats: number;
}

/** A launch a hook abandoned: Auto Scaling terminates the instance and the launch fails. */
export class LaunchAbandoned extends Error {}

export class LaunchHookSimulation {
  public readonly counts: LaunchHookCounts = { continued: 0, abandoned: 0, heartbeats: 0 };
  private readonly pending = new Map<string, PendingAction>();

  constructor(private readonly cloudFormation: CloudFormationSimulation, private readonly events: EventBridgeSimulation,
    private readonly now: () => Date) {}

  /**
   * An instance the group launched: it waits in Pending:Wait while each launching hook's event is
   * delivered; resolves once every hook continued, throws `LaunchAbandoned` otherwise.
   */
  public async launching(stack: SimulatedStack, group: SimulatedGroup, instanceId: string): Promise<void> {
    for (const hook of this.hooksOf(stack, group)) {
      const token = randomUUID();
      const action: PendingAction = { at: stack, groupName: group.name, hookName: hook.name, instanceId };
      this.pending.set(token, action);
      await this.events.put(stack, {
        'version': '0',
        'id': randomUUID(),
        'detail-type': 'EC2 Instance-launch Lifecycle Action',
        'source': 'aws.autoscaling',
        'account': stack.account,
        'time': this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        'region': stack.region,
        'resources': [autoScalingGroupArn(stack, group.name)],
        'detail': {
          LifecycleActionToken: token,
          AutoScalingGroupName: group.name,
          LifecycleHookName: hook.name,
          EC2InstanceId: instanceId,
          LifecycleTransition: LAUNCHING,
          ...hook.notificationMetadata === undefined ? {} : { NotificationMetadata: hook.notificationMetadata },
          Origin: 'EC2',
          Destination: 'AutoScalingGroup',
        },
      });
      this.pending.delete(token);
      // Every execution the event started has ended: an action nobody completed times out to the hook's default result.
      const result = action.result ?? hook.defaultResult;
      if (result === 'ABANDON') {
        this.counts.abandoned += 1;
        throw new LaunchAbandoned(`lifecycle hook ${hook.name} abandoned the launch of ${instanceId}${action.result ? '' : ' (no completion before its timeout)'}`);
      }
      this.counts.continued += 1;
    }
  }

  /** `CompleteLifecycleAction`, by token or by instance. */
  public complete(request: any, at: Endpoint): unknown {
    this.actionOf(request, at).result = request.LifecycleActionResult;
    return {};
  }

  /** `RecordLifecycleActionHeartbeat`: the action stays pending (every look of a workflow is immediate here). */
  public heartbeat(request: any, at: Endpoint): unknown {
    this.actionOf(request, at);
    this.counts.heartbeats += 1;
    return {};
  }

  /**
   * The group's launching hooks that exist: those the group declares (`LifecycleHookSpecificationList`,
   * part of the group from its creation or update on, so of the template the stack is being brought
   * to) and the `AWS::AutoScaling::LifecycleHook` resources CloudFormation has created.
   */
  private hooksOf(stack: SimulatedStack, group: SimulatedGroup): LaunchHook[] {
    const context = this.cloudFormation.context(stack);
    const resources = stack.assembly.template.Resources;
    const declared: any[] = resolve(resources[group.logicalId].Properties?.LifecycleHookSpecificationList, context) ?? [];
    const separate = Object.entries(resources)
      .filter(([logicalId, resource]) => resource.Type === 'AWS::AutoScaling::LifecycleHook' && stack.lifecycleHooks.has(logicalId)
        && resource.Properties?.AutoScalingGroupName?.Ref === group.logicalId)
      .map(([logicalId, resource]) => ({ ...resolve(resource.Properties, context), LifecycleHookName: String(context.physical(logicalId)) }));
    return [...declared, ...separate]
      .filter((properties) => properties.LifecycleTransition === LAUNCHING)
      .map((properties) => ({
        name: String(properties.LifecycleHookName),
        defaultResult: properties.DefaultResult ?? 'ABANDON',
        notificationMetadata: properties.NotificationMetadata,
      }));
  }

  /** The pending action a request names, as Auto Scaling finds it (its token, or its instance), or Auto Scaling's refusal. */
  private actionOf(request: any, at: Endpoint): PendingAction {
    const found = [...this.pending.entries()].find(([token, action]) => action.at.account === at.account && action.at.region === at.region
      && action.groupName === request.AutoScalingGroupName && action.hookName === request.LifecycleHookName
      && (request.LifecycleActionToken === undefined ? action.instanceId === request.InstanceId : token === request.LifecycleActionToken)
      && (request.InstanceId === undefined || action.instanceId === request.InstanceId));
    if (!found || found[1].result !== undefined) {
      throw new AwsError('AutoScaling.ValidationErrorException', `No active Lifecycle Action found with token ${request.LifecycleActionToken} for instance ${request.InstanceId}`);
    }
    return found[1];
  }
}
