/**
 * The Auto Scaling API over the simulated groups of the deployed stacks, as the taint workflow and
 * the data volume handover call it, and `SetDesiredCapacity` as an operator (or a scaling policy)
 * would call it.
 */
import { AwsError, Endpoint } from '../aws-api';
import { CloudFormationSimulation, SimulatedGroup, SimulatedStack, autoScalingGroupArn } from './cloudformation';
import { LaunchHookSimulation } from './launch-hooks';

export class AutoScalingSimulation {
  constructor(private readonly cloudFormation: CloudFormationSimulation, private readonly launchHooks: LaunchHookSimulation) {}

  /**
   * `SetDesiredCapacity`: the group launches (through its lifecycle hooks) or terminates instances
   * until it has that many. Outside the group's bounds it is refused, as Auto Scaling refuses it.
   */
  public async setDesiredCapacity(at: Endpoint, groupName: string, desired: number): Promise<void> {
    const found = [...this.cloudFormation.stacks.values()].filter((stack) => stack.account === at.account && stack.region === at.region)
      .flatMap((stack) => [...stack.groups.values()].map((group) => ({ stack, group }))).find(({ group }) => group.name === groupName);
    if (!found) throw new AwsError('AutoScaling.ValidationErrorException', `AutoScalingGroup name not found - ${groupName}`);
    const { stack, group } = found;
    if (desired < group.minSize || desired > group.maxSize) {
      throw new AwsError('AutoScaling.ValidationErrorException',
        `New SetDesiredCapacity value ${desired} is ${desired < group.minSize ? 'below min' : 'above max'} value ${desired < group.minSize ? group.minSize : group.maxSize} for the AutoScalingGroup.`);
    }
    group.desired = desired;
    await this.cloudFormation.scale(stack, group);
  }

  /** The tags of a group in an account and region, by its name, as IAM reads them for `aws:ResourceTag`. */
  public groupTags(at: Endpoint, groupName: string): Record<string, string> {
    for (const stack of this.cloudFormation.stacks.values()) {
      if (stack.account !== at.account || stack.region !== at.region) continue;
      const group = [...stack.groups.values()].find((candidate) => candidate.name === groupName);
      if (group) return Object.fromEntries(this.cloudFormation.groupTags(stack, group).map((tag) => [tag.Key, tag.Value]));
    }
    return {};
  }

  /** The stack and group of an instance in an account and region. */
  public groupOf(at: Endpoint, instanceId: string): { stack: SimulatedStack; group: SimulatedGroup } | undefined {
    for (const stack of this.cloudFormation.stacks.values()) {
      if (stack.account !== at.account || stack.region !== at.region) continue;
      for (const group of stack.groups.values()) {
        if (group.instances.some((instance) => instance.id === instanceId)) return { stack, group };
      }
    }
    return undefined;
  }


  public handle = async (action: string, request: any, at: Endpoint): Promise<unknown> => {
    switch (action) {
      case 'describeAutoScalingInstances':
        return {
          AutoScalingInstances: (request.InstanceIds as string[]).flatMap((id) => {
            const found = this.groupOf(at, id);
            if (!found) return [];
            const instance = found.group.instances.find((candidate) => candidate.id === id)!;
            return [{
              InstanceId: id,
              InstanceType: instance.instanceType,
              AutoScalingGroupName: found.group.name,
              AvailabilityZone: `${at.region}a`,
              LifecycleState: 'InService',
              HealthStatus: 'HEALTHY',
              ProtectedFromScaleIn: false,
              ImageId: instance.ami,
            }];
          }),
        };
      case 'terminateInstanceInAutoScalingGroup': {
        const found = this.groupOf(at, request.InstanceId);
        if (!found) throw new AwsError('AutoScaling.AutoScalingException', `Instance Id not found - No managed instance found for instance ID: ${request.InstanceId}`);
        if (request.ShouldDecrementDesiredCapacity) await this.cloudFormation.removeInstance(found.stack, request.InstanceId);
        else await this.cloudFormation.replaceInstance(found.stack, request.InstanceId);
        return {
          Activity: {
            ActivityId: `activity-${request.InstanceId}`,
            AutoScalingGroupName: found.group.name,
            Cause: `Terminating ${request.InstanceId}: requested by the taint workflow`,
            StartTime: new Date().toISOString(),
            StatusCode: 'InProgress',
            AutoScalingGroupARN: autoScalingGroupArn(at, found.group.name),
          },
        };
      }
      case 'describeScalingActivities': {
        const group = [...this.cloudFormation.stacks.values()].filter((stack) => stack.account === at.account && stack.region === at.region)
          .flatMap((stack) => [...stack.groups.values()]).find((candidate) => candidate.name === request.AutoScalingGroupName);
        // Auto Scaling lists up to 100 by default.
        return { Activities: (group?.activities ?? []).slice(0, 100).map((activity) => ({ ...activity, AutoScalingGroupName: group!.name })) };
      }
      case 'completeLifecycleAction': return this.launchHooks.complete(request, at);
      case 'recordLifecycleActionHeartbeat': return this.launchHooks.heartbeat(request, at);
      default: throw new Error(`Auto Scaling ${action} is not simulated`);
    }
  };
}
