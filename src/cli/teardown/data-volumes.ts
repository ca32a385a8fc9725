import {
  DeleteSnapshotCommand, DeleteVolumeCommand, DescribeVolumesCommand, EC2Client, Snapshot, Volume,
  paginateDescribeSnapshots, paginateDescribeVolumes,
} from '@aws-sdk/client-ec2';
import { tagValue } from './ec2-tags';
import { LeftAlone, Leftover, LeftoverKind } from './leftover';
import { Location } from './location';
import { DATA_VOLUME_TAG_KEYS } from '../../private/shared/data-volume-tags';
import { APPLICATION_TAG_KEY, RELEASE_TAG_KEYS } from '../../private/shared/release-tags';

/** What to look for in one account and region. */
export interface DataVolumeScope {
  /** The assembly's stacks here: a deployment's volumes are tagged with its stack's name. */
  readonly stackNames: string[];
  /** The assembly's applications: a volume tagged with another's is not this assembly's. */
  readonly applications: string[];
  /**
   * Volumes that deleted stacks of the assembly retained (DELETE_SKIPPED) and the library's
   * constructs made, by id: found even when their tags were changed since.
   */
  readonly recordedVolumes: ReadonlyArray<{ readonly volumeId: string; readonly stackName: string }>;
}

/** The one EBS state in which a volume can be deleted: attached to no instance. */
const AVAILABLE = 'available';

/**
 * The data volumes of the assembly's deployments (`RollingAsgDeployment.dataVolume`, one per slot,
 * retained by default when their stack goes) in one account and region, and the snapshots each
 * release took of them before it wrote anything (tagged with the stack and the version released).
 * These hold the application's data: the deletion keeps them unless data deletion was asked for
 * (`isData`), and a volume still attached to an instance is never deleted (`keptBecause`).
 *
 * A volume is the assembly's when it is tagged with the name of one of its stacks here and with
 * one of its applications, or when a deleted stack of the assembly retained it and the library
 * made it. A volume tagged with an assembly's stack but another application is left alone, listed.
 * A snapshot is the assembly's when a release tagged it with one of its stacks here, unless it is
 * of a volume left alone; snapshots of the volumes made otherwise (by you, by AWS Backup) are not
 * looked for.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-deleting-volume.html
 */
export async function findDataVolumes(ec2: EC2Client, location: Location, scope: DataVolumeScope): Promise<Array<Leftover | LeftAlone>> {
  if (scope.stackNames.length === 0 && scope.recordedVolumes.length === 0) return [];
  const found: Array<Leftover | LeftAlone> = [];
  const volumes = new Map<string, Leftover>();
  /** Volumes tagged with a stack of the assembly but another application, by id: their snapshots are not ours either. */
  const foreign = new Map<string, string>();
  const stackFilter = [{ Name: `tag:${DATA_VOLUME_TAG_KEYS.stack}`, Values: scope.stackNames }];
  const add = (volume: Volume, foundBy: string) => {
    if (volumes.has(volume.VolumeId!)) return;
    const leftover = dataVolume(ec2, location, volume, foundBy);
    volumes.set(volume.VolumeId!, leftover);
    found.push(leftover);
  };
  if (scope.stackNames.length > 0) {
    for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters: stackFilter })) {
      for (const volume of page.Volumes ?? []) {
        const stackName = tagValue(volume.Tags, DATA_VOLUME_TAG_KEYS.stack)!;
        const application = tagValue(volume.Tags, APPLICATION_TAG_KEY);
        if (application !== undefined && scope.applications.includes(application)) {
          add(volume, `tags ${DATA_VOLUME_TAG_KEYS.stack}=${stackName}, ${APPLICATION_TAG_KEY}=${application}`);
        } else if (!scope.recordedVolumes.some((recorded) => recorded.volumeId === volume.VolumeId)) {
          const why = `tagged ${DATA_VOLUME_TAG_KEYS.stack}=${stackName}, but ${application === undefined ? 'with no application' : `of application ${application}`}, not of this assembly`;
          foreign.set(volume.VolumeId!, why);
          found.push({ kind: LeftoverKind.DATA_VOLUME, location, id: volume.VolumeId!, why });
        }
      }
    }
  }
  const recorded = scope.recordedVolumes.filter((candidate) => !volumes.has(candidate.volumeId));
  if (recorded.length > 0) {
    // A filter, not VolumeIds: a volume deleted since is not there to find, rather than an error.
    const filter = [{ Name: 'volume-id', Values: recorded.map((candidate) => candidate.volumeId) }];
    for await (const page of paginateDescribeVolumes({ client: ec2 }, { Filters: filter })) {
      for (const volume of page.Volumes ?? []) {
        const stackName = recorded.find((candidate) => candidate.volumeId === volume.VolumeId)!.stackName;
        add(volume, `kept by stack ${stackName} when it was deleted`);
      }
    }
  }
  if (scope.stackNames.length > 0) {
    const snapshotFilter = [...stackFilter, { Name: 'tag-key', Values: [DATA_VOLUME_TAG_KEYS.beforeRelease] }];
    for await (const page of paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ['self'], Filters: snapshotFilter })) {
      for (const snapshot of page.Snapshots ?? []) {
        const ofForeign = foreign.get(snapshot.VolumeId ?? '');
        if (ofForeign !== undefined) {
          found.push({ kind: LeftoverKind.DATA_SNAPSHOT, location, id: snapshot.SnapshotId!, why: `a snapshot of ${snapshot.VolumeId}, which is ${ofForeign}` });
        } else {
          found.push(dataSnapshot(ec2, location, snapshot, volumes.get(snapshot.VolumeId ?? '')));
        }
      }
    }
  }
  return found;
}

function dataVolume(ec2: EC2Client, location: Location, volume: Volume, foundBy: string): Leftover {
  const volumeId = volume.VolumeId!;
  const slot = tagValue(volume.Tags, DATA_VOLUME_TAG_KEYS.slot);
  const environment = tagValue(volume.Tags, RELEASE_TAG_KEYS.environment);
  const attachedTo = attachments(volume);
  const detail = [
    environment === undefined ? undefined : `environment ${environment}`,
    slot === undefined ? undefined : `slot ${slot}`,
    `${volume.Size} GiB ${volume.VolumeType ?? ''}`.trimEnd(),
    volume.State,
    // The launching workflow tags a volume used once an instance has attached it; one it never did holds nothing.
    slot !== undefined && tagValue(volume.Tags, DATA_VOLUME_TAG_KEYS.used) === undefined ? 'never attached' : undefined,
  ].filter(Boolean).join(', ');
  return {
    kind: LeftoverKind.DATA_VOLUME,
    location,
    id: volumeId,
    foundBy,
    detail,
    sizeGiB: volume.Size,
    isData: true,
    keptBecause: volume.State === AVAILABLE ? undefined : inUse(volumeId, volume.State, attachedTo),
    remove: async () => {
      // Checked again at the deletion: an instance may have attached it since the search.
      const { Volumes: [now] = [] } = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: [volumeId] }] }));
      if (now === undefined) return 'already gone';
      if (now.State !== AVAILABLE) throw new Error(inUse(volumeId, now.State, attachments(now)));
      await ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
      return undefined;
    },
  };
}

/**
 * A release's snapshot of a data volume: after its volume, when the volume is found too, so that
 * a volume that is kept (attached, or its deletion failed) keeps its snapshots.
 */
function dataSnapshot(ec2: EC2Client, location: Location, snapshot: Snapshot, volume: Leftover | undefined): Leftover {
  const snapshotId = snapshot.SnapshotId!;
  const stackName = tagValue(snapshot.Tags, DATA_VOLUME_TAG_KEYS.stack);
  const version = tagValue(snapshot.Tags, DATA_VOLUME_TAG_KEYS.beforeRelease);
  // Short enough for the report's detail: the volume's size is on the volume's line.
  const detail = [
    `of ${snapshot.VolumeId ?? 'a volume'}${volume === undefined ? ' (gone)' : ''} before ${version}`,
    snapshot.StartTime?.toISOString().slice(0, 10),
  ].filter(Boolean).join(', ');
  return {
    kind: LeftoverKind.DATA_SNAPSHOT,
    location,
    id: snapshotId,
    foundBy: `tags ${DATA_VOLUME_TAG_KEYS.stack}=${stackName}, ${DATA_VOLUME_TAG_KEYS.beforeRelease}`,
    detail,
    isData: true,
    after: volume === undefined ? undefined : [volume],
    remove: async () => { await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })); },
  };
}

function inUse(volumeId: string, state: string | undefined, attachedTo: string[]): string {
  return `${volumeId} is ${state}${attachedTo.length > 0 ? `, attached to ${attachedTo.join(', ')}` : ''}: a data volume is deleted only once no instance has it attached (available)`;
}

function attachments(volume: Volume): string[] {
  return (volume.Attachments ?? []).flatMap((attachment) => attachment.InstanceId ?? []);
}
