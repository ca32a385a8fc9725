import { App, Duration, Stack, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalExecution, TaskFailure, TaskFake, runLocally, stateMachineDefinition, withJsonataPassStatesAsTasks } from '../../../scripts/lib/local-state-machine';
import { DATA_VOLUME_DEVICES, DataVolumeHandoverDefinition } from '../../../src/private/instances/data-volume-handover';
import { DATA_VOLUME_TAG_KEYS } from '../../../src/private/shared/data-volume-tags';

const DEPLOYMENT = 'WebProd-data-volume-0123abcd';
const GENERATION = 'eu-west-1a/aws/ebs';
/** The group's maximum capacity. */
const SLOTS = 4;
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
  const handover = new DataVolumeHandoverDefinition(stack, {
    deploymentId: DEPLOYMENT, generation: GENERATION, slots: SLOTS, waitForVolume, device: DATA_VOLUME_DEVICES.linux,
  });
  new sfn.StateMachine(stack, 'Handover', { definitionBody: sfn.DefinitionBody.fromChainable(handover.chain()) });
  return withJsonataPassStatesAsTasks(stateMachineDefinition(Template.fromStack(stack).toJSON()));
}

interface Volume {
  readonly id: string;
  readonly slot: number;
  readonly state: 'available' | 'in-use';
  readonly used?: boolean;
  /** The instance it was last handed to. */
  readonly instance?: string;
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
        { Key: DATA_VOLUME_TAG_KEYS.deployment, Value: DEPLOYMENT },
        { Key: DATA_VOLUME_TAG_KEYS.generation, Value: GENERATION },
        { Key: DATA_VOLUME_TAG_KEYS.slot, Value: String(volume.slot) },
        ...volume.used ? [{ Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' }] : [],
        ...volume.instance ? [{ Key: DATA_VOLUME_TAG_KEYS.instance, Value: volume.instance }] : [],
      ],
    })),
  });
}

/** DescribeScalingActivities of the group, newest first: the instances that `terminated`, each with a launch between them. */
function activities(...terminated: string[]): TaskFake {
  return () => ({
    Activities: terminated.flatMap((instance, index) => [
      { ActivityId: `launch-${index}`, Description: `Launching a new EC2 instance: i-0new${index}`, StatusCode: 'MidLifecycleAction', StartTime: '2026-12-07T08:00:00Z' },
      { ActivityId: `terminate-${index}`, Description: `Terminating EC2 instance: ${instance}`, StatusCode: index === 0 ? 'InProgress' : 'Successful', StartTime: '2026-12-07T07:00:00Z' },
    ]),
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
    FindTerminations: activities(),
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
    // Only this deployment's volumes of this generation: not another deployment's of the stack, nor those a change of zone or key retained.
    expect(execution.calls.FindVolumes).toEqual([{
      Filters: [{ Name: 'tag:immutable-servers:data-volume-deployment', Values: [DEPLOYMENT] }, { Name: 'tag:immutable-servers:data-volume-generation', Values: [GENERATION] }],
    }]);
    expect(execution.calls.AttachVolume).toEqual([{ Device: '/dev/xvdf', InstanceId: INSTANCE, VolumeId: 'vol-used3' }]);
    expect(execution.calls.MarkVolumeUsed).toEqual([{
      Resources: ['vol-used3'],
      Tags: [{ Key: DATA_VOLUME_TAG_KEYS.used, Value: 'true' }, { Key: DATA_VOLUME_TAG_KEYS.instance, Value: INSTANCE }],
    }]);
    expect(execution.calls.LetLaunchContinue).toEqual([{ ...LIFECYCLE_ACTION, LifecycleActionResult: 'CONTINUE' }]);
    expect(execution.calls.AbandonLaunch).toBeUndefined();
  });

  test('given a volume a scale-in left free, then a release\'s replacement waits for its predecessor\'s volume and takes it, not the free one', async () => {
    const parked = { id: 'vol-parked1', slot: 1, used: true, instance: 'i-0scaledin' };
    const predecessors = { id: 'vol-replaced2', slot: 2, used: true, instance: 'i-0replaced' };
    const execution = await run({
      FindVolumes: volumeLooks(
        [{ ...parked, state: 'available' }, { ...predecessors, state: 'in-use' }, { id: 'vol-other3', slot: 3, state: 'in-use', used: true, instance: 'i-0other' }],
        [{ ...parked, state: 'available' }, { ...predecessors, state: 'available' }, { id: 'vol-other3', slot: 3, state: 'in-use', used: true, instance: 'i-0other' }],
      ),
      // The replaced instance terminated last (in progress, listed first); the scaled-in one before.
      FindTerminations: activities('i-0replaced', 'i-0scaledin'),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.calls.FindTerminations).toEqual([{ AutoScalingGroupName: 'web-prod' }, { AutoScalingGroupName: 'web-prod' }]);
    expect(execution.calls.RecordHeartbeat).toEqual([LIFECYCLE_ACTION]);
    expect(execution.calls.AttachVolume).toEqual([expect.objectContaining({ VolumeId: 'vol-replaced2' })]);
  });

  test('given volumes of two terminated instances, then the one whose instance terminated last is taken, whatever its slot', async () => {
    const execution = await run({
      FindVolumes: volumeLooks([
        { id: 'vol-older1', slot: 1, state: 'available', used: true, instance: 'i-0older' },
        { id: 'vol-newer3', slot: 3, state: 'available', used: true, instance: 'i-0newer' },
      ]),
      FindTerminations: activities('i-0newer', 'i-0older'),
    });

    expect(execution.calls.AttachVolume).toEqual([expect.objectContaining({ VolumeId: 'vol-newer3' })]);
  });

  test('given no recent termination names a volume\'s instance (a scale-out), then a volume that held data is taken before a fresh one', async () => {
    const execution = await run({
      FindVolumes: volumeLooks([
        { id: 'vol-fresh1', slot: 1, state: 'available' },
        { id: 'vol-parked2', slot: 2, state: 'available', used: true, instance: 'i-0longgone' },
      ]),
      FindTerminations: activities('i-0unrelated'),
    });

    expect(execution.calls.AttachVolume).toEqual([expect.objectContaining({ VolumeId: 'vol-parked2' })]);
  });

  test('given a used volume of a slot the group no longer has (its maximum capacity lowered), then it is left alone for a fresh one of a current slot', async () => {
    const execution = await run({
      FindVolumes: volumeLooks([
        { id: 'vol-retired5', slot: 5, state: 'available', used: true, instance: 'i-0longgone' },
        { id: 'vol-fresh2', slot: 2, state: 'available' },
      ]),
      FindTerminations: activities('i-0longgone'),
    });

    expect(execution.calls.AttachVolume).toEqual([expect.objectContaining({ VolumeId: 'vol-fresh2' })]);
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
    expect(execution.cause).toBe(`No data volume of ${DEPLOYMENT} was free for instance ${INSTANCE} within 1 minute: every one is attached to another instance. `
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
