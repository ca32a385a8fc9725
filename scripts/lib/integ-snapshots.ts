/**
 * Offline verification of integ snapshots, the way `integ-runner` verifies them: synthesize each
 * `integ/integ.*.ts` app and compare its templates with the committed
 * `integ/<file>.snapshot/` folder.
 *
 * Why not integ-runner itself: the newest `@aws-cdk/integ-runner` on the registry (2.197.10)
 * reads cloud assembly schema 53 at most, and aws-cdk-lib 2.263.0 (our floor) writes schema 54,
 * so integ-runner rejects every snapshot with "Cloud assembly schema version mismatch". The
 * comparison below uses the CDK's own template differ (`@aws-cdk/cloudformation-diff`, what
 * integ-runner and `cdk diff` use) and keeps integ-runner's snapshot layout, so the snapshots stay
 * usable by integ-runner once a release reads schema 54.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { templatesIn } from './apps';

/** Outcome of comparing a fresh synthesis with its committed snapshot. */
export enum SnapshotStatus {
  /** The templates are identical. */
  UNCHANGED = 'UNCHANGED',
  /** No snapshot is committed: a test that cannot be verified. */
  NEW = 'NEW',
  /** Templates differ; updating the snapshot would deploy as an in-place update. */
  CHANGED = 'CHANGED',
  /** Templates differ in a way that replaces, deletes or orphans a resource on deploy. */
  DESTRUCTIVE = 'DESTRUCTIVE',
}

export interface SnapshotVerdict {
  readonly status: SnapshotStatus;
  /** One line per difference, naming stack, resource and impact. */
  readonly differences: string[];
}

// An orphaned resource leaves the stack but keeps running (a retained bucket, say): the stack no
// longer describes what is deployed, which is as much a loss as a deletion.
const DESTRUCTIVE_IMPACTS = new Set([
  ResourceImpact.WILL_REPLACE,
  ResourceImpact.MAY_REPLACE,
  ResourceImpact.WILL_DESTROY,
  ResourceImpact.WILL_ORPHAN,
]);

/** The snapshot folder integ-runner uses for an integ app file. */
export function snapshotDirFor(integFile: string): string {
  return `${integFile}.snapshot`;
}

/** Compares the templates of a fresh cloud assembly with those of the committed snapshot. */
export function compareWithSnapshot(snapshotDir: string, freshDir: string): SnapshotVerdict {
  if (!fs.existsSync(snapshotDir)) {
    return { status: SnapshotStatus.NEW, differences: [`no snapshot at ${snapshotDir}`] };
  }
  const snapshot = readTemplates(snapshotDir);
  const fresh = readTemplates(freshDir);
  const differences: string[] = [];
  let destructive = false;
  for (const stack of new Set([...snapshot.keys(), ...fresh.keys()])) {
    const before = snapshot.get(stack);
    const after = fresh.get(stack);
    if (!before || !after) {
      differences.push(`${stack}: stack ${before ? 'removed' : 'added'}`);
      destructive ||= !after;
      continue;
    }
    const diff = fullDiff(before, after);
    if (diff.isEmpty) {
      continue;
    }
    diff.resources.forEachDifference((logicalId, change) => {
      const impact = change.changeImpact;
      destructive ||= DESTRUCTIVE_IMPACTS.has(impact);
      differences.push(`${stack}: ${logicalId} (${change.newResourceType ?? change.oldResourceType}) ${impact}`);
    });
    if (diff.differenceCount > diff.resources.differenceCount) {
      differences.push(`${stack}: ${diff.differenceCount - diff.resources.differenceCount} differences outside Resources (parameters, outputs, conditions, mappings or metadata)`);
    }
  }
  if (differences.length === 0) {
    return { status: SnapshotStatus.UNCHANGED, differences };
  }
  return { status: destructive ? SnapshotStatus.DESTRUCTIVE : SnapshotStatus.CHANGED, differences };
}

/** What an update does with a snapshot. */
export enum SnapshotUpdate {
  /** The snapshot is current: nothing to write. */
  KEEP = 'KEEP',
  /** The fresh assembly replaces the snapshot. */
  WRITE = 'WRITE',
  /** A destructive change the maintainer did not allow: the snapshot stays, and the update fails. */
  REFUSE = 'REFUSE',
}

/**
 * Whether an update writes a snapshot: a change that would replace, delete or orphan a resource
 * of a deployed stack is written only when the maintainer allows destructive changes explicitly.
 */
export function snapshotUpdate(verdict: SnapshotVerdict, allowDestructive: boolean): SnapshotUpdate {
  if (verdict.status === SnapshotStatus.UNCHANGED) return SnapshotUpdate.KEEP;
  if (verdict.status === SnapshotStatus.DESTRUCTIVE && !allowDestructive) return SnapshotUpdate.REFUSE;
  return SnapshotUpdate.WRITE;
}

/**
 * Replaces a snapshot with a fresh cloud assembly, leaving out asset bodies: they are build
 * outputs (bundled handlers), their hashes in the templates already pin them.
 */
export function writeSnapshot(freshDir: string, snapshotDir: string): void {
  fs.rmSync(snapshotDir, { recursive: true, force: true });
  fs.cpSync(freshDir, snapshotDir, {
    recursive: true,
    filter: (source) => !path.basename(source).startsWith('asset.'),
  });
}

/** Templates by stack, named by their path in the assembly so nested stages stay apart. */
function readTemplates(dir: string): Map<string, Record<string, any>> {
  return new Map(templatesIn(dir).map((template) => [
    path.relative(dir, template.path).replace(/\.template\.json$/, ''),
    withoutAssertionSalts(template.body),
  ]));
}

/**
 * integ-tests-alpha stamps each assertion resource with `salt: Date.now()` so that a real deploy
 * re-runs it; the salt differs on every synthesis and says nothing about the code under test.
 */
function withoutAssertionSalts(template: Record<string, any>): Record<string, any> {
  for (const resource of Object.values<Record<string, any>>(template.Resources ?? {})) {
    if (String(resource.Type).startsWith('Custom::DeployAssert@')) {
      delete resource.Properties?.salt;
    }
  }
  return template;
}
