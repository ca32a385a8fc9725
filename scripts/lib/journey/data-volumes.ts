/**
 * A stateful environment's data volumes as EC2 describes them, and the fleet invariants over them:
 * no volume attached to two instances, no instance InService without exactly one data volume. A
 * journey checks them after every step, and each time an instance goes InService.
 *
 * The tag keys are the construct's (src/private/shared/data-volume-tags.ts), repeated here so that
 * a change there shows up as a journey that no longer finds its volumes.
 */
import { Endpoint } from './aws-api';
import { MotoClients } from './world/moto-services';

const DATA_VOLUME_OF_TAG_KEY = 'immutable-servers:data-volume-of';
const DATA_VOLUME_SLOT_TAG_KEY = 'immutable-servers:data-volume-slot';
const DATA_VOLUME_USED_TAG_KEY = 'immutable-servers:data-volume-used';
const BEFORE_RELEASE_TAG_KEY = 'immutable-servers:before-release';

/** A data volume of an environment, as EC2 describes it. */
export interface DataVolume {
  readonly id: string;
  readonly slot: number;
  /** Whether it carries the tag the handover sets once an instance attached it: it may hold data. */
  readonly used: boolean;
  /** `available` or `in-use`. */
  readonly state: string;
  /** The instance it is attached to, if any. */
  readonly attachedTo?: string;
}

/** The volumes tagged as a stack's data volumes, by slot. */
export async function dataVolumesOf(moto: MotoClients, at: Endpoint, stackName: string): Promise<DataVolume[]> {
  const { Volumes } = await moto.send('ec2', 'DescribeVolumes', { Filters: [{ Name: `tag:${DATA_VOLUME_OF_TAG_KEY}`, Values: [stackName] }] }, at);
  return (Volumes as any[]).map((volume) => {
    const tags = tagsOf(volume);
    return {
      id: volume.VolumeId,
      slot: Number(tags[DATA_VOLUME_SLOT_TAG_KEY]),
      used: tags[DATA_VOLUME_USED_TAG_KEY] !== undefined,
      state: volume.State,
      ...volume.Attachments?.length ? { attachedTo: volume.Attachments[0].InstanceId } : {},
    };
  }).sort((a, b) => a.slot - b.slot);
}

/** The EBS volumes of each instance, as EC2 describes its block device mappings: instance id to volume ids. */
export async function blockDevicesOf(moto: MotoClients, at: Endpoint, instanceIds: string[]): Promise<Record<string, string[]>> {
  if (instanceIds.length === 0) return {};
  return blockDevices(moto, at, { InstanceIds: instanceIds });
}

async function blockDevices(moto: MotoClients, at: Endpoint, request: unknown): Promise<Record<string, string[]>> {
  const { Reservations } = await moto.send('ec2', 'DescribeInstances', request, at);
  return Object.fromEntries(Reservations.flatMap((reservation: any) => reservation.Instances)
    .map((instance: any) => [instance.InstanceId, (instance.BlockDeviceMappings ?? []).map((mapping: any) => mapping.Ebs?.VolumeId)]));
}

/** How many snapshots of a stack's data volumes were taken before each release version. */
export async function dataSnapshotsOf(moto: MotoClients, at: Endpoint, stackName: string): Promise<Record<string, number>> {
  const { Snapshots } = await moto.send('ec2', 'DescribeSnapshots', { Filters: [{ Name: `tag:${DATA_VOLUME_OF_TAG_KEY}`, Values: [stackName] }] }, at);
  const counts: Record<string, number> = {};
  for (const snapshot of Snapshots as any[]) {
    const version = tagsOf(snapshot)[BEFORE_RELEASE_TAG_KEY] ?? 'untagged';
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return counts;
}

export interface Fleet {
  readonly at: Endpoint;
  readonly stackName: string;
  readonly groupName: string;
  /** How many volumes the stack made. */
  readonly volumes: number;
  /** The group's InService instances. */
  readonly inService: string[];
}

/**
 * Between steps, when nothing is launching: EC2 finds every volume the stack made; no volume is
 * attached to two instances, as the volumes say and as the instances' block devices say (moto
 * would keep a second attachment in the first instance's); every attached volume is on an
 * InService instance of the group; every InService instance holds exactly one data volume.
 */
export async function fleetViolations(moto: MotoClients, fleet: Fleet): Promise<string[]> {
  const volumes = await dataVolumesOf(moto, fleet.at, fleet.stackName);
  const problems = volumes.length === fleet.volumes ? [] : [`its stack made ${fleet.volumes}, EC2 finds ${volumes.length} tagged as its`];
  problems.push(...holdingViolations(volumes, await blockDevicesOf(moto, fleet.at, fleet.inService), fleet.inService));
  const inService = new Set(fleet.inService);
  for (const volume of volumes) {
    if (volume.attachedTo !== undefined && !inService.has(volume.attachedTo)) {
      problems.push(`volume ${volume.id} (slot ${volume.slot}) is attached to ${volume.attachedTo}, which is not an InService instance of the group`);
    }
    if ((volume.attachedTo === undefined) !== (volume.state === 'available')) {
      problems.push(`volume ${volume.id} (slot ${volume.slot}) is ${volume.state} but attached to ${volume.attachedTo ?? 'nothing'}`);
    }
  }
  return problems;
}

/**
 * The moment an instance goes InService, while other launches of the group may still be waiting
 * in Pending:Wait: it holds exactly one data volume, and no two of the group's running instances
 * (InService or waiting) share one.
 */
export async function inServiceViolations(moto: MotoClients, fleet: Fleet, instanceId: string): Promise<string[]> {
  const volumes = await dataVolumesOf(moto, fleet.at, fleet.stackName);
  const running = await blockDevices(moto, fleet.at, {
    Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: [fleet.groupName] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }],
  });
  return holdingViolations(volumes, running, [instanceId]).map((problem) => `as ${instanceId} went InService: ${problem}`);
}

/** Each of `inService` holds exactly one of the volumes, and no volume is held by two of the instances `devices` describes. */
function holdingViolations(volumes: DataVolume[], devices: Record<string, string[]>, inService: string[]): string[] {
  const problems: string[] = [];
  const dataOf = (instance: string) => (devices[instance] ?? []).filter((id) => volumes.some((volume) => volume.id === id));
  for (const instance of inService) {
    const data = dataOf(instance);
    if (data.length !== 1) problems.push(`instance ${instance} is InService with ${data.length} data volumes (${data.join(', ') || 'none'})`);
  }
  const holders = new Map<string, string[]>();
  for (const instance of Object.keys(devices)) {
    for (const id of dataOf(instance)) holders.set(id, [...holders.get(id) ?? [], instance]);
  }
  for (const [id, held] of holders) {
    if (held.length > 1) problems.push(`volume ${id} is attached to ${held.join(' and ')}`);
  }
  return problems;
}

function tagsOf(resource: { Tags?: Array<{ Key: string; Value: string }> }): Record<string, string> {
  return Object.fromEntries((resource.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
}
