import { DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { findAmis } from '../../../src/cli/teardown/amis';
import { ImageGroup } from '../../../src/cli/teardown/footprint';
import { Leftover, LeftoverKind, isLeftover } from '../../../src/cli/teardown/leftover';
import { APPLICATION_TAG_KEY } from '../../../src/private/shared/release-tags';
import { BUILD } from '../../helpers/teardown-accounts';
import { TeardownWorld } from '../../helpers/teardown-world';

const GROUP = 'webpipeline-webimage-562b863c';
const group: ImageGroup = { application: 'web', name: GROUP, location: BUILD, amiLocations: [BUILD], amiIdParameters: [] };
/** An image of the group's recipe, as Image Builder names it in the Ec2ImageBuilderArn tag of its AMIs. */
const IMAGE = `arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}:image/${GROUP}-5c337258f891/1.0.0/1`;
const FOUND_BY = `tag ${APPLICATION_TAG_KEY}=web, made by image recipe ${GROUP}`;

/** What findAmis finds to delete. */
async function leftovers(): Promise<Leftover[]> {
  return (await findAmis(ec2, BUILD, 'web', [group])).filter(isLeftover);
}

let world: TeardownWorld;
let ec2: EC2Client;
beforeAll(async () => {
  world = await TeardownWorld.start();
  ec2 = world.client(EC2Client, BUILD);
});
afterAll(async () => {
  await world?.stop();
});
beforeEach(async () => {
  await world.reset();
});

describe('findAmis', () => {
  test('given AMIs of two applications, then those tagged with the application are found, each before its snapshot, which waits for it', async () => {
    const web = await world.ami(BUILD, 'web', IMAGE);
    await world.ami(BUILD, 'api', `arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}:image/apipipeline-apiimage-11111111-5c337258f891/1.0.0/1`);

    const found = await leftovers();

    expect(found.map((leftover) => [leftover.kind, leftover.id])).toEqual([[LeftoverKind.AMI, web.imageId], [LeftoverKind.SNAPSHOT, web.snapshotId]]);
    expect(found[1].after).toEqual([found[0]]);
  });

  test('given a snapshot whose deletion EC2 refuses while its AMI exists, then it cannot go first: the order is the AMI\'s, then its snapshot\'s', async () => {
    const web = await world.ami(BUILD, 'web', IMAGE);
    const [ami, snapshot] = await leftovers();

    await expect(snapshot.remove()).rejects.toThrow(/InvalidSnapshot.InUse|in use/);
    await ami.remove();
    await snapshot.remove();

    expect(await world.amiIds(BUILD)).toEqual([]);
    expect(await world.existingSnapshots(BUILD, [web.snapshotId])).toEqual([]);
  });

  test('given a run stopped after deregistering an AMI, then the next run finds its snapshot by the application and image tags it put on it', async () => {
    const web = await world.ami(BUILD, 'web', IMAGE);
    const [ami] = await leftovers();
    await ami.remove();

    const found = await leftovers();

    expect(found.map((leftover) => [leftover.kind, leftover.id, leftover.foundBy]))
      .toEqual([[LeftoverKind.SNAPSHOT, web.snapshotId, `${FOUND_BY} (its AMI is gone)`]]);
    const { Snapshots: [tagged] = [] } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [web.snapshotId] }));
    expect(tagged.Tags).toEqual(expect.arrayContaining([{ Key: APPLICATION_TAG_KEY, Value: 'web' }, { Key: 'Ec2ImageBuilderArn', Value: IMAGE }]));
  });

  test('given AMIs tagged web that another assembly\'s recipe made, in the same account, then they are left alone, saying which image made them', async () => {
    const otherImage = `arn:aws:imagebuilder:${BUILD.region}:${BUILD.account}:image/otherpipeline-webimage-11111111-5c337258f891/1.0.0/1`;
    const other = await world.ami(BUILD, 'web', otherImage);
    // The same recipe name, but built in another account: copied here from another assembly's build account.
    const copied = await world.ami(BUILD, 'web', `arn:aws:imagebuilder:${BUILD.region}:999999999999:image/${GROUP}-5c337258f891/1.0.0/1`);

    const found = await findAmis(ec2, BUILD, 'web', [group]);

    expect(found.filter(isLeftover)).toEqual([]);
    expect(found.map((alone) => alone.id).sort()).toEqual([other.imageId, copied.imageId].sort());
    expect(found).toContainEqual(expect.objectContaining({ id: other.imageId, why: `tagged ${APPLICATION_TAG_KEY}=web, but made by ${otherImage}, not by a recipe of this assembly` }));
  });

  test('given an AMI tagged web that Image Builder did not make, then it is not found', async () => {
    await world.ami(BUILD, 'web', undefined);

    expect(await findAmis(ec2, BUILD, 'web', [group])).toEqual([]);
  });
});
