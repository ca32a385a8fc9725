import {
  CreateTagsCommand, DeleteSnapshotCommand, DeregisterImageCommand, EC2Client, Image, Snapshot, paginateDescribeImages, paginateDescribeSnapshots,
} from '@aws-sdk/client-ec2';
import { Leftover, LeftoverKind } from './leftover';
import { Location } from './location';
import { APPLICATION_TAG_KEY } from '../../private/shared/release-tags';

/**
 * The application's AMIs in one account and region, and their snapshots. Every copy of every AMI a
 * recipe distributes carries the application tag (`ApplicationImageRecipe`), in-use ones included:
 * once the stacks are gone nothing runs them.
 *
 * Snapshots tagged with the application whose AMI is gone are found too: before it deregisters an
 * AMI, the command tags its snapshots, so that a run stopped between the two finds them again.
 */
export async function findAmis(ec2: EC2Client, location: Location, application: string): Promise<Leftover[]> {
  const tagFilter = [{ Name: `tag:${APPLICATION_TAG_KEY}`, Values: [application] }];
  const foundBy = `tag ${APPLICATION_TAG_KEY}=${application}`;
  const images: Image[] = [];
  // Deprecated and disabled AMIs too: the image lifecycle policy deprecates before it deletes.
  for await (const page of paginateDescribeImages({ client: ec2 }, { Owners: ['self'], Filters: tagFilter, IncludeDeprecated: true, IncludeDisabled: true })) {
    images.push(...page.Images ?? []);
  }
  const tagged: Snapshot[] = [];
  for await (const page of paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ['self'], Filters: tagFilter })) {
    tagged.push(...page.Snapshots ?? []);
  }

  const leftovers: Leftover[] = [];
  const snapshotsOfAmis = new Set<string>();
  for (const image of images) {
    const snapshotIds = (image.BlockDeviceMappings ?? []).flatMap((mapping) => mapping.Ebs?.SnapshotId ?? []);
    const ami: Leftover = {
      kind: LeftoverKind.AMI,
      location,
      id: image.ImageId!,
      foundBy,
      detail: image.Name,
      remove: async () => {
        if (snapshotIds.length > 0) {
          await ec2.send(new CreateTagsCommand({ Resources: snapshotIds, Tags: [{ Key: APPLICATION_TAG_KEY, Value: application }] }));
        }
        await ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId }));
      },
    };
    leftovers.push(ami);
    for (const snapshotId of snapshotIds) {
      snapshotsOfAmis.add(snapshotId);
      leftovers.push(snapshot(ec2, location, snapshotId, `snapshot of AMI ${image.ImageId}`, [ami]));
    }
  }
  for (const orphan of tagged.filter((candidate) => !snapshotsOfAmis.has(candidate.SnapshotId!))) {
    leftovers.push(snapshot(ec2, location, orphan.SnapshotId!, `${foundBy} (its AMI is gone)`));
  }
  return leftovers;
}

function snapshot(ec2: EC2Client, location: Location, snapshotId: string, foundBy: string, after?: Leftover[]): Leftover {
  return {
    kind: LeftoverKind.SNAPSHOT,
    location,
    id: snapshotId,
    foundBy,
    after,
    remove: async () => { await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })); },
  };
}
