import { App, Duration, Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalExecution, TaskFailure, TaskFake, runLocally, stateMachineDefinition, withJsonataPassStatesAsTasks } from '../../../scripts/lib/local-state-machine';
import { DATA_VOLUME_DEVICES, DataVolumeHandoverDefinition } from '../../../src/private/instances/data-volume-handover';
import { DATA_VOLUME_TAG_KEYS } from '../../../src/private/shared/data-volume-tags';

const STACK = 'WebProd';
const INSTANCE = 'i-0123456789abcdef0';
/** The EventBridge event of the launching lifecycle hook. */
const EVENT = {
  'version': '0',
  'detail-type': 'EC2 Instance-launch Lifecycle Action',
  'source': 'aws.autoscaling',
  'detail': {
    LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
    AutoScalingGroupName: 'web-prod',
    LifecycleHookName: 'data-volume',
    EC2InstanceId: INSTANCE,
    LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
  },
};

function definition(waitForVolume = Duration.minutes(1)) {
  const stack = new Stack(new App(), 'Stack');
  const handover = new DataVolumeHandoverDefinition(stack, { stackName: STACK, waitForVolume, device: DATA_VOLUME_DEVICES.linux });
  new sfn.StateMachine(stack, 'Handover', { definitionBody: sfn.DefinitionBody.fromChainable(handover.chain()) });
  return withJsonataPassStatesAsTasks(stateMachineDefinition(Template.fromStack(stack).toJSON()));
}

interface Volume {
  readonly id: string;
  readonly slot: number;
  readonly state: 'available' | 'in-use';
  readonly used?: boolean;
}

/** DescribeVolumes by tag, answering each look with the next of `looks` (the last repeats). */
function volumeLooks(...looks: Volume[][]): TaskFake {
  let look = 0;
  return () => ({
    Volumes: looks[Math.min(look++, looks.length - 1)].map((volume) => ({
      VolumeId: volume.id,
      State: volume.state,
      Attachments: volume.state === 'in-use' ? [{ InstanceId: 'i-0fedcba9876543210', State: 'attached', VolumeId: volume.id }] : [],
      Tags: [
        { Key: DATA_VOLUME_TAG_KEYS.stack, Value: STACK },
        { Key: DATA_VOLUME_TAG_KEYS.slot, Value: String(volume.slot) },
        ...volume.used ? [{ Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' }] : [],
      ],
    })),
  });
}

/** DescribeVolumes of the chosen volume: attaching for `attachingPolls` polls, then attached. */
function attachment(attachingPolls = 1, finalState = 'attached'): TaskFake {
  let polls = 0;
  return ({ VolumeIds }) => ({
    Volumes: [{ VolumeId: VolumeIds[0], Attachments: [{ InstanceId: INSTANCE, State: polls++ < attachingPolls ? 'attaching' : finalState }] }],
  });
}

function run(fakes: Record<string, TaskFake>, local = definition()): Promise<LocalExecution> {
  return runLocally(local.definition, EVENT, {
    ...local.fakes,
    RecordHeartbeat: () => ({}),
    AttachVolume: ({ VolumeId }) => ({ VolumeId, InstanceId: INSTANCE, State: 'attaching', Device: '/dev/xvdf' }),
    ReadAttachment: attachment(),
    MarkVolumeUsed: () => ({}),
    LetLaunchContinue: () => ({}),
    AbandonLaunch: () => ({}),
    ...fakes,
  });
}

const LIFECYCLE_ACTION = { AutoScalingGroupName: 'web-prod', LifecycleHookName: 'data-volume', LifecycleActionToken: EVENT.detail.LifecycleActionToken, InstanceId: INSTANCE };

describe('data volume handover at launch', () => {
  test('given free volumes, then the one that held data is attached before a fresh one of a lower slot, marked used, and the launch continues', async () => {
    const execution = await run({
      FindVolumes: volumeLooks([
        { id: 'vol-fresh1', slot: 1, state: 'available' },
        { id: 'vol-taken2', slot: 2, state: 'in-use', used: true },
        { id: 'vol-used3', slot: 3, state: 'available', used: true },
      ]),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.FindVolumes).toEqual([{ Filters: [{ Name: 'tag:immutable-servers:data-volume-of', Values: [STACK] }] }]);
    expect(execution.calls.AttachVolume).toEqual([{ Device: '/dev/xvdf', InstanceId: INSTANCE, VolumeId: 'vol-used3' }]);
    expect(execution.calls.MarkVolumeUsed).toEqual([{ Resources: ['vol-used3'], Tags: [{ Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' }] }]);
    expect(execution.calls.LetLaunchContinue).toEqual([{ ...LIFECYCLE_ACTION, LifecycleActionResult: 'CONTINUE' }]);
    expect(execution.calls.AbandonLaunch).toBeUndefined();
  });

  test('given only fresh volumes (a scale-out), then the lowest slot is attached', async () => {
    const execution = await run({
      FindVolumes: volumeLooks([{ id: 'vol-fresh3', slot: 3, state: 'available' }, { id: 'vol-fresh2', slot: 2, state: 'available' }]),
    });

    expect(execution.calls.AttachVolume).toEqual([expect.objectContaining({ VolumeId: 'vol-fresh2' })]);
  });

  test('given every volume attached (the instance being replaced still terminating), then it waits with heartbeats and attaches the volume once freed', async () => {
    const execution = await run({
      FindVolumes: volumeLooks(
        [{ id: 'vol-a', slot: 1, state: 'in-use', used: true }],
        [{ id: 'vol-a', slot: 1, state: 'in-use', used: true }],
        [{ id: 'vol-a', slot: 1, state: 'available', used: true }],
      ),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.RecordHeartbeat).toEqual([LIFECYCLE_ACTION, LIFECYCLE_ACTION]);
    expect(execution.calls.AttachVolume).toEqual([expect.objectContaining({ VolumeId: 'vol-a' })]);
  });

  test('given another launch takes the chosen volume first, then AttachVolume\'s refusal makes it look again and take another: never two instances on one volume', async () => {
    const execution = await run({
      FindVolumes: volumeLooks(
        [{ id: 'vol-a', slot: 1, state: 'available', used: true }, { id: 'vol-b', slot: 2, state: 'available' }],
        [{ id: 'vol-a', slot: 1, state: 'in-use', used: true }, { id: 'vol-b', slot: 2, state: 'available' }],
      ),
      AttachVolume: ({ VolumeId }) => {
        if (VolumeId === 'vol-a') throw new TaskFailure('Ec2.Ec2Exception', `vol ${VolumeId} is already attached to an instance (Service: Ec2, Status Code: 400, Error Code: VolumeInUse)`);
        return { VolumeId, State: 'attaching' };
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    // EC2's unmodelled errors, throttling among them, arrive as Ec2.Ec2Exception, which every call retries five times first.
    expect((execution.calls.AttachVolume as any[]).map((call) => call.VolumeId)).toEqual([...Array(6).fill('vol-a'), 'vol-b']);
    expect(execution.calls.LetLaunchContinue).toHaveLength(1);
  });

  test('given no volume frees up in time, then the launch is abandoned and the execution fails saying why', async () => {
    const execution = await run({ FindVolumes: volumeLooks([{ id: 'vol-a', slot: 1, state: 'in-use', used: true }]) });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'NoDataVolumeFree' });
    expect(execution.cause).toBe(`No data volume of stack ${STACK} was free for instance ${INSTANCE} within 1 minute: every one is attached to another instance. `
      + 'The launch is abandoned; the group tries again.');
    expect(execution.calls.AbandonLaunch).toEqual([{ ...LIFECYCLE_ACTION, LifecycleActionResult: 'ABANDON' }]);
    expect(execution.calls.AttachVolume).toBeUndefined();
    expect(execution.calls.FindVolumes).toHaveLength(4);
  });

  test('given a volume that never finishes attaching, then the launch is abandoned', async () => {
    const execution = await run({ FindVolumes: volumeLooks([{ id: 'vol-a', slot: 1, state: 'available' }]), ReadAttachment: attachment(1000) });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'DataVolumeNotAttached' });
    expect(execution.calls.LetLaunchContinue).toBeUndefined();
    expect(execution.calls.AbandonLaunch).toHaveLength(1);
  });
});
