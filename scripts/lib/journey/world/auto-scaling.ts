/** The Auto Scaling API over the simulated groups of the deployed stacks, as the taint workflow calls it. */
import { AwsError, Endpoint } from '../aws-api';
import { CloudFormationSimulation, SimulatedGroup, SimulatedStack, autoScalingGroupArn } from './cloudformation';

export class AutoScalingSimulation {
  constructor(private readonly cloudFormation: CloudFormationSimulation) {}

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
        await this.cloudFormation.replaceInstance(found.stack, request.InstanceId);
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
      default: throw new Error(`Auto Scaling ${action} is not simulated`);
    }
  };
}
