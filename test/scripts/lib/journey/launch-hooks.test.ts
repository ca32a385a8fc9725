import { stackContext } from '../../../../scripts/lib/journey/deployed-roles';
import { CloudFormationSimulation, SimulatedGroup, SimulatedStack } from '../../../../scripts/lib/journey/world/cloudformation';
import { BusEvent, EventBridgeSimulation, matches } from '../../../../scripts/lib/journey/world/event-bridge';
import { LaunchAbandoned, LaunchHookSimulation } from '../../../../scripts/lib/journey/world/launch-hooks';

const at = { account: '111111111111', region: 'eu-west-1' };
const assembly = {
  stackName: 'web-dev',
  ...at,
  template: {
    Resources: {
      Group: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { AutoScalingGroupName: 'web-dev-group' } },
      Hook: {
        Type: 'AWS::AutoScaling::LifecycleHook',
        Properties: { AutoScalingGroupName: { Ref: 'Group' }, LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', DefaultResult: 'ABANDON' },
      },
    },
  },
};
const group = { logicalId: 'Group', name: 'web-dev-group' } as SimulatedGroup;

/** Launching hooks whose EventBridge hands each event to `workflow`, as a rule's state machine would get it. */
function hooks(workflow: (event: BusEvent, simulation: LaunchHookSimulation) => void, existingHooks = ['Hook']) {
  const stack = { ...at, stackName: 'web-dev', assembly, lifecycleHooks: new Set(existingHooks) } as unknown as SimulatedStack;
  const cloudFormation = { context: () => stackContext(assembly) } as unknown as CloudFormationSimulation;
  const delivered: BusEvent[] = [];
  const events = {
    put: async (_at: unknown, event: BusEvent) => {
      delivered.push(event);
      workflow(event, simulation);
      return [];
    },
  } as unknown as EventBridgeSimulation;
  const simulation: LaunchHookSimulation = new LaunchHookSimulation(cloudFormation, events, () => new Date('2027-01-04T09:00:00.000Z'));
  return { launch: () => simulation.launching(stack, group, 'i-0123456789abcdef0'), delivered, simulation };
}

const complete = (result: string) => (event: BusEvent, simulation: LaunchHookSimulation) => simulation.complete({
  AutoScalingGroupName: event.detail.AutoScalingGroupName,
  LifecycleHookName: event.detail.LifecycleHookName,
  LifecycleActionToken: event.detail.LifecycleActionToken,
  InstanceId: event.detail.EC2InstanceId,
  LifecycleActionResult: result,
}, at);

describe('launching lifecycle hooks', () => {
  test('an instance goes InService once its action is completed with CONTINUE, after the documented event', async () => {
    const { launch, delivered, simulation } = hooks(complete('CONTINUE'));
    await expect(launch()).resolves.toBeUndefined();
    expect(delivered).toEqual([expect.objectContaining({
      'detail-type': 'EC2 Instance-launch Lifecycle Action',
      'source': 'aws.autoscaling',
      'time': '2027-01-04T09:00:00Z',
      'resources': [expect.stringMatching(/^arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:.*:autoScalingGroupName\/web-dev-group$/)],
      'detail': {
        LifecycleActionToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
        AutoScalingGroupName: 'web-dev-group',
        LifecycleHookName: expect.stringMatching(/^web-dev-Hook-/),
        EC2InstanceId: 'i-0123456789abcdef0',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        Origin: 'EC2',
        Destination: 'AutoScalingGroup',
      },
    })]);
    expect(simulation.counts).toEqual({ continued: 1, abandoned: 0, heartbeats: 0 });
  });

  test('ABANDON fails the launch', async () => {
    const { launch, simulation } = hooks(complete('ABANDON'));
    await expect(launch()).rejects.toThrow(LaunchAbandoned);
    expect(simulation.counts.abandoned).toBe(1);
  });

  test('an action nobody completes times out to the hook\'s default result', async () => {
    const { launch } = hooks(() => undefined);
    await expect(launch()).rejects.toThrow(/abandoned the launch of i-0123456789abcdef0 \(no completion before its timeout\)/);
  });

  test('a heartbeat keeps the action; completing it twice, or an unknown token, is refused', async () => {
    const { launch, simulation } = hooks((event, hooked) => {
      const { AutoScalingGroupName, LifecycleHookName, EC2InstanceId } = event.detail;
      const action = { AutoScalingGroupName, LifecycleHookName, InstanceId: EC2InstanceId };
      hooked.heartbeat({ ...action, LifecycleActionToken: event.detail.LifecycleActionToken }, at);
      expect(() => hooked.heartbeat({ ...action, LifecycleActionToken: '00000000-0000-4000-8000-000000000000' }, at)).toThrow(/No active Lifecycle Action/);
      complete('CONTINUE')(event, hooked);
      expect(() => complete('CONTINUE')(event, hooked)).toThrow(/No active Lifecycle Action/);
    });
    await launch();
    expect(simulation.counts).toEqual({ continued: 1, abandoned: 0, heartbeats: 1 });
  });

  test('instances launched before CloudFormation has created the hook (it is created after its group) pass none', async () => {
    const { launch, delivered } = hooks(complete('ABANDON'), []);
    await expect(launch()).resolves.toBeUndefined();
    expect(delivered).toEqual([]);
  });
});

describe('event patterns', () => {
  const event = { 'source': 'aws.autoscaling', 'detail-type': 'EC2 Instance-launch Lifecycle Action', 'detail': { AutoScalingGroupName: 'g', LifecycleHookName: 'h' } };

  test('every field must match one of its values, nested fields too', () => {
    expect(matches({ 'source': ['aws.autoscaling'], 'detail-type': ['EC2 Instance-launch Lifecycle Action'], 'detail': { LifecycleHookName: ['h'] } }, event)).toBe(true);
    expect(matches({ detail: { LifecycleHookName: ['other'] } }, event)).toBe(false);
    expect(matches({ detail: { Missing: ['h'] } }, event)).toBe(false);
  });

  test('prefix, exists and $or', () => {
    expect(matches({ source: [{ prefix: 'aws.' }] }, event)).toBe(true);
    expect(matches({ detail: { errorCode: [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { AutoScalingGroupName: [{ exists: false }] } }, event)).toBe(false);
    expect(matches({ detail: { $or: [{ LifecycleHookName: ['x'] }, { AutoScalingGroupName: ['g'] }] } }, event)).toBe(true);
  });
});
