import { deleteInOrder, listInDeletionOrder } from '../../../src/cli/teardown/deletion';
import { DELETION_ORDER, Leftover, LeftoverKind } from '../../../src/cli/teardown/leftover';
import { BUILD } from '../../helpers/teardown-accounts';

/** Leftovers that record the order they are removed in, and fail when told to. */
function leftovers() {
  const removed: string[] = [];
  type Options = { fails?: string; after?: Leftover[]; note?: string; isData?: boolean; keptBecause?: string };
  const make = (kind: LeftoverKind, id: string, options: Options = {}): Leftover => ({
    kind,
    location: BUILD,
    id,
    foundBy: 'test',
    after: options.after,
    isData: options.isData,
    keptBecause: options.keptBecause,
    remove: async () => {
      if (options.fails) throw Object.assign(new Error(options.fails), { name: 'UnauthorizedOperation' });
      removed.push(id);
      return options.note;
    },
  });
  return { removed, make };
}

describe('deleteInOrder', () => {
  test('given leftovers of every kind in any order, then they are deleted kind by kind: images before recipes, AMIs before snapshots, keys last', async () => {
    const { removed, make } = leftovers();
    const all = [...DELETION_ORDER].reverse().map((kind) => make(kind, kind));

    const outcomes = await deleteInOrder(all, undefined);

    expect(removed).toEqual(DELETION_ORDER);
    expect(outcomes.every((outcome) => outcome.status === 'deleted')).toBe(true);
  });

  test('given stacks still deployed, then only Image Builder\'s leftovers are deleted and the rest is kept, saying why', async () => {
    const { removed, make } = leftovers();
    const all = DELETION_ORDER.map((kind) => make(kind, kind));

    const outcomes = await deleteInOrder(all, 'waits for cdk destroy --all');

    expect(removed).toEqual([LeftoverKind.IMAGE_BUILDER_IMAGE, LeftoverKind.BUILD_RECIPE, LeftoverKind.BUILD_DISTRIBUTION]);
    expect(outcomes.filter((outcome) => outcome.status === 'kept').map((outcome) => outcome.note))
      .toEqual(Array(DELETION_ORDER.length - 3).fill('waits for cdk destroy --all'));
  });

  test('given an AMI that cannot be deregistered, then its snapshots are kept, naming it, and everything else is still deleted', async () => {
    const { removed, make } = leftovers();
    const ami = make(LeftoverKind.AMI, 'ami-1', { fails: 'You are not authorized to perform this operation.' });
    const all = [ami, make(LeftoverKind.SNAPSHOT, 'snap-1', { after: [ami] }), make(LeftoverKind.SNAPSHOT, 'snap-2'), make(LeftoverKind.BUCKET, 'logs')];

    const outcomes = await deleteInOrder(all, undefined);

    expect(removed).toEqual(['snap-2', 'logs']);
    expect(outcomes.map((outcome) => [outcome.leftover.id, outcome.status, outcome.note])).toEqual([
      ['ami-1', 'failed', 'UnauthorizedOperation: You are not authorized to perform this operation.'],
      ['snap-1', 'kept', 'waits for AMI ami-1, which is still there'],
      ['snap-2', 'deleted', undefined],
      ['logs', 'deleted', undefined],
    ]);
  });

  test('given data, then it is spared unless data deletion is asked for, and the rest is deleted either way', async () => {
    const { removed, make } = leftovers();
    const all = () => [make(LeftoverKind.DATA_VOLUME, 'vol-1', { isData: true }), make(LeftoverKind.BUCKET, 'logs')];

    const kept = await deleteInOrder(all(), undefined);
    expect(kept.map((outcome) => [outcome.leftover.id, outcome.status, outcome.note])).toEqual([
      ['vol-1', 'spared', 'data: kept unless you pass --delete-data'],
      ['logs', 'deleted', undefined],
    ]);
    expect(removed).toEqual(['logs']);

    await deleteInOrder(all(), undefined, true);
    expect(removed).toEqual(['logs', 'vol-1', 'logs']);
  });

  test('given an attached data volume and its snapshot, when data is deleted, then the volume is kept saying why, without trying, and its snapshot waits for it', async () => {
    const { removed, make } = leftovers();
    const volume = make(LeftoverKind.DATA_VOLUME, 'vol-1', { isData: true, keptBecause: 'vol-1 is in-use, attached to i-1' });

    const outcomes = await deleteInOrder([make(LeftoverKind.DATA_SNAPSHOT, 'snap-1', { isData: true, after: [volume] }), volume], undefined, true);

    expect(removed).toEqual([]);
    expect(outcomes.map((outcome) => [outcome.leftover.id, outcome.status, outcome.note])).toEqual([
      ['vol-1', 'kept', 'vol-1 is in-use, attached to i-1'],
      ['snap-1', 'kept', `waits for ${LeftoverKind.DATA_VOLUME} vol-1, which is still there`],
    ]);
  });

  test('given a leftover whose deletion goes on after the call, then its note says how', async () => {
    const { make } = leftovers();

    const [outcome] = await deleteInOrder([make(LeftoverKind.KMS_KEY, 'key', { note: 'deletion scheduled for 2027-01-06' })], undefined);

    expect(outcome).toEqual(expect.objectContaining({ status: 'deleted', note: 'deletion scheduled for 2027-01-06' }));
  });
});

describe('listInDeletionOrder', () => {
  test('given leftovers, then a dry run lists them in deletion order and removes none', () => {
    const { removed, make } = leftovers();

    const outcomes = listInDeletionOrder([make(LeftoverKind.SNAPSHOT, 'snap'), make(LeftoverKind.AMI, 'ami'), make(LeftoverKind.DATA_VOLUME, 'vol', { isData: true })]);

    expect(outcomes.map((outcome) => [outcome.leftover.id, outcome.status])).toEqual([['ami', 'listed'], ['snap', 'listed'], ['vol', 'spared']]);
    expect(removed).toEqual([]);
  });
});
