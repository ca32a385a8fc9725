import {
  CreateTagsCommand, DeleteSnapshotCommand, DeregisterImageCommand, EC2Client, Image, Snapshot, Tag,
  paginateDescribeImages, paginateDescribeSnapshots,
} from '@aws-sdk/client-ec2';
import { tagValue } from './ec2-tags';
import { ImageGroup } from './footprint';
import { recipeNamePattern } from './image-builder';
import { LeftAlone, Leftover, LeftoverKind } from './leftover';
import { Location, locationKey } from './location';
import { APPLICATION_TAG_KEY } from '../../private/shared/release-tags';

/**
 * The tags Image Builder adds to every AMI it outputs, its distributed copies included: `CreatedBy`
 * and `Ec2ImageBuilderArn`, the ARN of the Image Builder image the AMI was made by
 * (`arn:<partition>:imagebuilder:<region>:<account>:image/<image name>/<version>/<build>`).
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/tag-resources.html
 */
const CREATED_BY = { key: 'CreatedBy', value: 'EC2 Image Builder' };
const IMAGE_ARN_TAG = 'Ec2ImageBuilderArn';
const IMAGE_ARN = /^arn:[^:]+:imagebuilder:([^:]+):(\d{12}):image\/([^/]+)\//;

/**
 * The application's AMIs in one account and region, and their snapshots. Every copy of every AMI a
 * recipe distributes carries the application tag (`ApplicationImageRecipe`), in-use ones included:
 * once the stacks are gone nothing runs them.
 *
 * The application tag alone does not make an AMI this assembly's: another app of the same name may
 * share the account. So an AMI must also carry the tags Image Builder puts on what it makes, and its
 * `Ec2ImageBuilderArn` must name an image of one of the assembly's recipes of the application: built
 * in the recipe's account and region, and named as the recipe names its images. Tagged AMIs that
 * fail this are left alone, and listed so.
 *
 * Snapshots whose AMI is gone are found too: before it deregisters an AMI, the command tags its
 * snapshots with the application and the AMI's `Ec2ImageBuilderArn`, so that a run stopped between
 * the two finds them again, by the same test.
 */
export async function findAmis(ec2: EC2Client, location: Location, application: string, groups: ImageGroup[]): Promise<Array<Leftover | LeftAlone>> {
  const tagFilter = [{ Name: `tag:${APPLICATION_TAG_KEY}`, Values: [application] }];
  const foundBy = `tag ${APPLICATION_TAG_KEY}=${application}, made by image recipe ${groups.map((group) => group.name).join(', ')}`;
  const ours = (tags: Tag[] | undefined) => builtByGroup(tags, groups);
  const images: Image[] = [];
  const leftAlone: LeftAlone[] = [];
  // Deprecated and disabled AMIs too: the image lifecycle policy deprecates before it deletes.
  const imageFilters = [...tagFilter, { Name: `tag:${CREATED_BY.key}`, Values: [CREATED_BY.value] }];
  for await (const page of paginateDescribeImages({ client: ec2 }, { Owners: ['self'], Filters: imageFilters, IncludeDeprecated: true, IncludeDisabled: true })) {
    for (const image of page.Images ?? []) {
      if (ours(image.Tags)) {
        images.push(image);
      } else {
        leftAlone.push({ kind: LeftoverKind.AMI, location, id: image.ImageId!, why: `tagged ${APPLICATION_TAG_KEY}=${application}, but made by ${tagValue(image.Tags, IMAGE_ARN_TAG) ?? 'an unknown image'}, not by a recipe of this assembly` });
      }
    }
  }
  const tagged: Snapshot[] = [];
  for await (const page of paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ['self'], Filters: [...tagFilter, { Name: 'tag-key', Values: [IMAGE_ARN_TAG] }] })) {
    tagged.push(...(page.Snapshots ?? []).filter((candidate) => ours(candidate.Tags)));
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
          const tags = [{ Key: APPLICATION_TAG_KEY, Value: application }, { Key: IMAGE_ARN_TAG, Value: tagValue(image.Tags, IMAGE_ARN_TAG) }];
          await ec2.send(new CreateTagsCommand({ Resources: snapshotIds, Tags: tags }));
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
  return [...leftovers, ...leftAlone];
}

/** Whether the tags name an image of one of the groups, made in the group's account and region. */
function builtByGroup(tags: Tag[] | undefined, groups: ImageGroup[]): boolean {
  const match = IMAGE_ARN.exec(tagValue(tags, IMAGE_ARN_TAG) ?? '');
  if (!match) return false;
  const [, region, account, imageName] = match;
  return groups.some((group) => locationKey(group.location) === locationKey({ account, region }) && recipeNamePattern(group.name).test(imageName));
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
