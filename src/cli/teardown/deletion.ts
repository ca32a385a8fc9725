import { BEFORE_THE_STACKS, DELETION_ORDER, Leftover, causeOf } from './leftover';

/**
 * What became of a leftover: `listed` by a dry run, `deleted`, `kept` because something it waits
 * for is still there (or it is attached, for a data volume), `failed`, or `spared`: data that only
 * `--delete-data` deletes, which does not count as left.
 */
export interface Outcome {
  readonly leftover: Leftover;
  readonly status: 'listed' | 'deleted' | 'kept' | 'failed' | 'spared';
  /** Why it was kept or failed, or how its deletion goes on (a key's waiting period). */
  readonly note?: string;
}

/** Why data is kept, as the report says it. */
export const DATA_SPARED = 'data: kept unless you pass --delete-data';

/**
 * The leftovers in the order they are deleted in, as a dry run lists them. Data is spared: a dry
 * run deletes nothing, and only `--delete-data` (which needs `--delete`) would delete it.
 */
export function listInDeletionOrder(leftovers: Leftover[]): Outcome[] {
  return inDeletionOrder(leftovers).map((leftover) => (leftover.isData ? spared(leftover) : { leftover, status: 'listed' }));
}

/**
 * Deletes the leftovers one at a time, kind by kind in `DELETION_ORDER`. One that fails keeps what
 * waits for it (an AMI's snapshots) and nothing else: the others are still deleted.
 *
 * Data (data volumes and their snapshots) is spared unless `deleteData`; a leftover that says why
 * it must stay (an attached volume) is kept, and so is what waits for it (its snapshots).
 *
 * @param stacksInTheWay why what waits for the stacks cannot go yet, or `undefined` once they are gone
 * @param deleteData whether data is deleted too (`--delete-data`)
 */
export async function deleteInOrder(leftovers: Leftover[], stacksInTheWay: string | undefined, deleteData = false): Promise<Outcome[]> {
  const deleted = new Set<Leftover>();
  const outcomes: Outcome[] = [];
  for (const leftover of inDeletionOrder(leftovers)) {
    const waitingFor = leftover.after?.find((first) => !deleted.has(first));
    if (leftover.isData && !deleteData) {
      outcomes.push(spared(leftover));
    } else if (stacksInTheWay !== undefined && !BEFORE_THE_STACKS.has(leftover.kind)) {
      outcomes.push({ leftover, status: 'kept', note: stacksInTheWay });
    } else if (leftover.keptBecause !== undefined) {
      outcomes.push({ leftover, status: 'kept', note: leftover.keptBecause });
    } else if (waitingFor !== undefined) {
      outcomes.push({ leftover, status: 'kept', note: `waits for ${waitingFor.kind} ${waitingFor.id}, which is still there` });
    } else {
      try {
        const note = await leftover.remove();
        deleted.add(leftover);
        outcomes.push({ leftover, status: 'deleted', note: note || undefined });
      } catch (error) {
        outcomes.push({ leftover, status: 'failed', note: causeOf(error) });
      }
    }
  }
  return outcomes;
}

function spared(leftover: Leftover): Outcome {
  return { leftover, status: 'spared', note: leftover.keptBecause === undefined ? DATA_SPARED : `${DATA_SPARED}; ${leftover.keptBecause}` };
}

function inDeletionOrder(leftovers: Leftover[]): Leftover[] {
  return DELETION_ORDER.flatMap((kind) => leftovers.filter((leftover) => leftover.kind === kind));
}
