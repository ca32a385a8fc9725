import { BEFORE_THE_STACKS, DELETION_ORDER, Leftover, causeOf } from './leftover';

/**
 * What became of a leftover: `listed` by a dry run, `deleted`, `kept` because something it waits
 * for is still there, or `failed`.
 */
export interface Outcome {
  readonly leftover: Leftover;
  readonly status: 'listed' | 'deleted' | 'kept' | 'failed';
  /** Why it was kept or failed, or how its deletion goes on (a key's waiting period). */
  readonly note?: string;
}

/** The leftovers in the order they are deleted in, as a dry run lists them. */
export function listInDeletionOrder(leftovers: Leftover[]): Outcome[] {
  return inDeletionOrder(leftovers).map((leftover) => ({ leftover, status: 'listed' }));
}

/**
 * Deletes the leftovers one at a time, kind by kind in `DELETION_ORDER`. One that fails keeps what
 * waits for it (an AMI's snapshots) and nothing else: the others are still deleted.
 *
 * @param stacksInTheWay why what waits for the stacks cannot go yet, or `undefined` once they are gone
 */
export async function deleteInOrder(leftovers: Leftover[], stacksInTheWay: string | undefined): Promise<Outcome[]> {
  const deleted = new Set<Leftover>();
  const outcomes: Outcome[] = [];
  for (const leftover of inDeletionOrder(leftovers)) {
    const waitingFor = leftover.after?.find((first) => !deleted.has(first));
    if (stacksInTheWay !== undefined && !BEFORE_THE_STACKS.has(leftover.kind)) {
      outcomes.push({ leftover, status: 'kept', note: stacksInTheWay });
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

function inDeletionOrder(leftovers: Leftover[]): Leftover[] {
  return DELETION_ORDER.flatMap((kind) => leftovers.filter((leftover) => leftover.kind === kind));
}
