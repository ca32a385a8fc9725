import { deleteInOrder, listInDeletionOrder } from '../../../src/cli/teardown/deletion';
import { DELETION_ORDER, Leftover, LeftoverKind } from '../../../src/cli/teardown/leftover';
import { BUILD } from '../../helpers/teardown-accounts';

/** Leftovers that record the order they are removed in, and fail when told to. */
function leftovers() {
  const removed: string[] = [];
  const make = (kind: LeftoverKind, id: string, options: { fails?: string; after?: Leftover[]; note?: string } = {}): Leftover => ({
    kind,
    location: BUILD,
    id,
    foundBy: 'test',
    after: options.after,
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

  test('given a leftover whose deletion goes on after the call, then its note says how', async () => {
    const { make } = leftovers();

    const [outcome] = await deleteInOrder([make(LeftoverKind.KMS_KEY, 'key', { note: 'deletion scheduled for 2027-01-06' })], undefined);

    expect(outcome).toEqual(expect.objectContaining({ status: 'deleted', note: 'deletion scheduled for 2027-01-06' }));
  });
});

describe('listInDeletionOrder', () => {
  test('given leftovers, then a dry run lists them in deletion order and removes none', () => {
    const { removed, make } = leftovers();

    const outcomes = listInDeletionOrder([make(LeftoverKind.SNAPSHOT, 'snap'), make(LeftoverKind.AMI, 'ami')]);

    expect(outcomes.map((outcome) => [outcome.leftover.id, outcome.status])).toEqual([['ami', 'listed'], ['snap', 'listed']]);
    expect(removed).toEqual([]);
  });
});
