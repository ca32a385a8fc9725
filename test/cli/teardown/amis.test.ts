import { DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { findAmis } from '../../../src/cli/teardown/amis';
import { LeftoverKind } from '../../../src/cli/teardown/leftover';
import { APPLICATION_TAG_KEY } from '../../../src/private/shared/release-tags';
import { BUILD } from '../../helpers/teardown-accounts';
import { TeardownWorld } from '../../helpers/teardown-world';

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
    const web = await world.ami(BUILD, 'web');
    await world.ami(BUILD, 'api');

    const found = await findAmis(ec2, BUILD, 'web');

    expect(found.map((leftover) => [leftover.kind, leftover.id])).toEqual([[LeftoverKind.AMI, web.imageId], [LeftoverKind.SNAPSHOT, web.snapshotId]]);
    expect(found[1].after).toEqual([found[0]]);
  });

  test('given a snapshot whose deletion EC2 refuses while its AMI exists, then it cannot go first: the order is the AMI\'s, then its snapshot\'s', async () => {
    const web = await world.ami(BUILD, 'web');
    const [ami, snapshot] = await findAmis(ec2, BUILD, 'web');

    await expect(snapshot.remove()).rejects.toThrow(/InvalidSnapshot.InUse|in use/);
    await ami.remove();
    await snapshot.remove();

    expect(await world.amiIds(BUILD)).toEqual([]);
    expect(await world.existingSnapshots(BUILD, [web.snapshotId])).toEqual([]);
  });

  test('given a run stopped after deregistering an AMI, then the next run finds its snapshot by the application tag it put on it', async () => {
    const web = await world.ami(BUILD, 'web');
    const [ami] = await findAmis(ec2, BUILD, 'web');
    await ami.remove();

    const found = await findAmis(ec2, BUILD, 'web');

    expect(found.map((leftover) => [leftover.kind, leftover.id, leftover.foundBy]))
      .toEqual([[LeftoverKind.SNAPSHOT, web.snapshotId, `tag ${APPLICATION_TAG_KEY}=web (its AMI is gone)`]]);
    const { Snapshots: [tagged] = [] } = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [web.snapshotId] }));
    expect(tagged.Tags).toEqual([{ Key: APPLICATION_TAG_KEY, Value: 'web' }]);
  });
});
