import { readFileSync } from 'fs';
import { join } from 'path';
import { AttachVolumeCommand, EC2Client } from '@aws-sdk/client-ec2';
import { checkRequest } from '../../../scripts/lib/journey/service-models';
import { DataVolumeScope, findDataVolumes } from '../../../src/cli/teardown/data-volumes';
import { deleteInOrder } from '../../../src/cli/teardown/deletion';
import { LeftAlone, Leftover, LeftoverKind, isLeftover } from '../../../src/cli/teardown/leftover';
import { APPLICATION_TAG_KEY } from '../../../src/private/shared/release-tags';
import { BUILD } from '../../helpers/teardown-accounts';
import { TeardownWorld } from '../../helpers/teardown-world';

const STACK = 'Web-prod';
const SCOPE: DataVolumeScope = { stackNames: [STACK], applications: ['web'], recordedVolumes: [] };

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

/** The names of the commands the client sends from now on; with `inputs`, their inputs too. */
function commandsSentBy(client: EC2Client, inputs: Array<{ command: string; input: unknown }> = []): string[] {
  const sent: string[] = [];
  client.middlewareStack.add((next: any, context: any) => (args: any) => {
    sent.push(context.commandName);
    inputs.push({ command: context.commandName, input: args.input });
    return next(args);
  }, { step: 'initialize', name: 'recordCommands' });
  return sent;
}

/** The EC2 actions the README's teardown section says the credentials need. */
function ec2ActionsOfTheReadme(): string[] {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Tear an application down'), readme.indexOf('## Bad input'));
  const clause = /`ec2:[\s\S]*?(?=`imagebuilder:)/.exec(section)?.[0] ?? '';
  return [...clause.matchAll(/`(?:ec2:)?(\w+)`/g)].map((match) => match[1]);
}

async function leftovers(scope = SCOPE): Promise<Leftover[]> {
  return (await findDataVolumes(ec2, BUILD, scope)).filter(isLeftover);
}

describe('findDataVolumes', () => {
  test('given a deployment\'s two volumes and a release\'s snapshots of them, then each is found as data, with its slot, environment, size and state, each snapshot after its volume', async () => {
    const one = await world.dataVolume(BUILD, STACK, { slot: 1 });
    const two = await world.dataVolume(BUILD, STACK, { slot: 2 });
    const snapshots = [await world.dataSnapshot(BUILD, one.volumeId, STACK, '1.2.0'), await world.dataSnapshot(BUILD, two.volumeId, STACK, '1.2.0')];

    const found = await leftovers();

    expect(found.map((leftover) => [leftover.kind, leftover.id, leftover.isData])).toEqual([
      [LeftoverKind.DATA_VOLUME, one.volumeId, true],
      [LeftoverKind.DATA_VOLUME, two.volumeId, true],
      [LeftoverKind.DATA_SNAPSHOT, snapshots[0], true],
      [LeftoverKind.DATA_SNAPSHOT, snapshots[1], true],
    ]);
    expect(found[0].detail).toBe('environment prod, slot 1, 20 GiB gp3, available');
    expect(found[0].foundBy).toBe(`tags immutable-servers:data-volume-of=${STACK}, ${APPLICATION_TAG_KEY}=web`);
    expect(found[0].keptBecause).toBeUndefined();
    expect(found[2].detail).toMatch(new RegExp(`^of ${one.volumeId} before 1\\.2\\.0, \\d{4}-\\d{2}-\\d{2}$`));
    expect(found[2].after).toEqual([found[0]]);
    expect(found[3].after).toEqual([found[1]]);
  });

  test('given a volume attached to an instance, then it is found, saying it is kept because it is attached, and removing it is refused without calling DeleteVolume', async () => {
    const { volumeId, instanceId } = await world.dataVolume(BUILD, STACK, { attached: true });

    const client = world.client(EC2Client, BUILD);
    const sent = commandsSentBy(client);
    const [volume] = (await findDataVolumes(client, BUILD, SCOPE)).filter(isLeftover);

    expect(volume.detail).toBe('environment prod, slot 1, 20 GiB gp3, in-use');
    expect(volume.keptBecause).toBe(`${volumeId} is in-use, attached to ${instanceId}: a data volume is deleted only once no instance has it attached (available)`);
    await expect(volume.remove()).rejects.toThrow(`${volumeId} is in-use, attached to ${instanceId}`);
    expect(sent).not.toContain('DeleteVolumeCommand');
    expect((await world.volumeStates(BUILD))[volumeId]).toBe('in-use');
  });

  test('given a volume that was available when found and is attached by the time it is deleted, then its removal is refused', async () => {
    const { volumeId } = await world.dataVolume(BUILD, STACK);
    const [volume] = await leftovers();
    const attached = await world.dataVolume(BUILD, 'Other', { attached: true });
    // Attach the found volume to the instance the other one's is on: a second device.
    await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: attached.instanceId, Device: '/dev/sdg' }));

    await expect(volume.remove()).rejects.toThrow(`${volumeId} is in-use, attached to ${attached.instanceId}`);
    expect((await world.volumeStates(BUILD))[volumeId]).toBe('in-use');
  });

  test('given data volumes and snapshots, then only a deletion asked to delete data deletes them: volumes first, snapshots with them', async () => {
    const { volumeId } = await world.dataVolume(BUILD, STACK);
    const snapshotId = await world.dataSnapshot(BUILD, volumeId, STACK, '1.2.0');

    const spared = await deleteInOrder(await leftovers(), undefined);
    expect(spared.map((outcome) => [outcome.leftover.id, outcome.status])).toEqual([[volumeId, 'spared'], [snapshotId, 'spared']]);
    expect((await world.volumeStates(BUILD))[volumeId]).toBe('available');
    expect(await world.existingSnapshots(BUILD, [snapshotId])).toEqual([snapshotId]);

    const deleted = await deleteInOrder(await leftovers(), undefined, true);
    expect(deleted.map((outcome) => [outcome.leftover.id, outcome.status])).toEqual([[volumeId, 'deleted'], [snapshotId, 'deleted']]);
    expect((await world.volumeStates(BUILD))[volumeId]).toBeUndefined();
    expect(await world.existingSnapshots(BUILD, [snapshotId])).toEqual([]);
  });

  test('given an attached volume and its snapshot, then deleting data keeps both, saying why, and deletes the available volume beside them', async () => {
    const attached = await world.dataVolume(BUILD, STACK, { attached: true });
    const snapshotId = await world.dataSnapshot(BUILD, attached.volumeId, STACK, '1.2.0');
    const free = await world.dataVolume(BUILD, STACK, { slot: 2 });

    const outcomes = await deleteInOrder(await leftovers(), undefined, true);

    expect(outcomes.map((outcome) => [outcome.leftover.id, outcome.status, outcome.note])).toEqual([
      [attached.volumeId, 'kept', expect.stringContaining(`attached to ${attached.instanceId}`)],
      [free.volumeId, 'deleted', undefined],
      [snapshotId, 'kept', `waits for ${LeftoverKind.DATA_VOLUME} ${attached.volumeId}, which is still there`],
    ]);
    expect(await world.existingSnapshots(BUILD, [snapshotId])).toEqual([snapshotId]);
  });

  test('given snapshots whose volume is gone, then they are found by their tags alone and can be deleted', async () => {
    const { volumeId } = await world.dataVolume(BUILD, STACK);
    const snapshotId = await world.dataSnapshot(BUILD, volumeId, STACK, '1.1.0');
    const [volume] = await leftovers();
    await volume.remove();

    const found = await leftovers();

    expect(found.map((leftover) => [leftover.kind, leftover.id, leftover.after])).toEqual([[LeftoverKind.DATA_SNAPSHOT, snapshotId, undefined]]);
    expect(found[0].detail).toMatch(new RegExp(`^of ${volumeId} \\(gone\\) before 1\\.1\\.0, \\d{4}-\\d{2}-\\d{2}$`));
  });

  test('given volumes of other stacks, of another application under the stack\'s name, and a snapshot tagged with another stack, then only the stack\'s own are found; the other application\'s volume and its snapshot are left alone', async () => {
    const own = await world.dataVolume(BUILD, STACK);
    await world.dataVolume(BUILD, 'Api-prod', { application: 'api' });
    const foreign = await world.dataVolume(BUILD, STACK, { application: 'api' });
    await world.dataSnapshot(BUILD, own.volumeId, 'Api-prod', '1.0.0');
    const foreignSnapshot = await world.dataSnapshot(BUILD, foreign.volumeId, STACK, '1.0.0');

    const found = await findDataVolumes(ec2, BUILD, SCOPE);

    expect(found.filter(isLeftover).map((leftover) => leftover.id)).toEqual([own.volumeId]);
    const why = `tagged immutable-servers:data-volume-of=${STACK}, but of application api, not of this assembly`;
    expect(found.filter((alone): alone is LeftAlone => !isLeftover(alone))).toEqual([
      { kind: LeftoverKind.DATA_VOLUME, location: BUILD, id: foreign.volumeId, why },
      { kind: LeftoverKind.DATA_SNAPSHOT, location: BUILD, id: foreignSnapshot, why: `a snapshot of ${foreign.volumeId}, which is ${why}` },
    ]);
  });

  test('given every call of a search and a deletion of data, then each request fits EC2\'s model in botocore, and the README lists each action among the permissions', async () => {
    const client = world.client(EC2Client, BUILD);
    const inputs: Array<{ command: string; input: unknown }> = [];
    commandsSentBy(client, inputs);
    const free = await world.dataVolume(BUILD, STACK);
    await world.dataSnapshot(BUILD, free.volumeId, STACK, '1.2.0');
    const attached = await world.dataVolume(BUILD, STACK, { slot: 2, attached: true });
    await world.dataSnapshot(BUILD, attached.volumeId, STACK, '1.2.0');
    const scope = { ...SCOPE, recordedVolumes: [{ volumeId: 'vol-0123456789abcdef0', stackName: STACK }] };

    await deleteInOrder((await findDataVolumes(client, BUILD, scope)).filter(isLeftover), undefined, true);
    const again = (await findDataVolumes(client, BUILD, scope)).filter(isLeftover);
    await expect(again[0].remove()).rejects.toThrow('is in-use');

    const actions = [...new Set(inputs.map(({ command }) => command.replace(/Command$/, '')))].sort();
    expect(actions).toEqual(['DeleteSnapshot', 'DeleteVolume', 'DescribeSnapshots', 'DescribeVolumes']);
    expect(inputs.flatMap(({ command, input }) => checkRequest('ec2', command.replace(/Command$/, ''), input))).toEqual([]);
    expect(ec2ActionsOfTheReadme()).toEqual(expect.arrayContaining(actions));
  });

  test('given a volume never attached, then it says so: it holds nothing', async () => {
    await world.dataVolume(BUILD, STACK, {
      tags: [
        { Key: 'immutable-servers:data-volume-of', Value: STACK }, { Key: 'immutable-servers:data-volume-slot', Value: '2' }, { Key: APPLICATION_TAG_KEY, Value: 'web' },
      ],
    });

    const [volume] = await leftovers();

    expect(volume.detail).toBe('slot 2, 20 GiB gp3, available, never attached');
  });

  test('given a volume a deleted stack retained whose tags were removed since, then it is found by the stack\'s record', async () => {
    const { volumeId } = await world.dataVolume(BUILD, STACK, { tags: [{ Key: 'Name', Value: 'renamed' }] });

    const found = await leftovers({ ...SCOPE, recordedVolumes: [{ volumeId, stackName: STACK }, { volumeId: 'vol-0123456789abcdef0', stackName: STACK }] });

    expect(found.map((leftover) => [leftover.id, leftover.foundBy, leftover.detail])).toEqual([[volumeId, `kept by stack ${STACK} when it was deleted`, '20 GiB gp3, available']]);
  });
});
