/**
 * Integ gate: verifies every `integ/integ.*.ts` app against its committed snapshot, offline.
 * Fails on a missing snapshot (NEW), drift (CHANGED) or a change that would replace or delete a
 * resource (DESTRUCTIVE). With `--update`, rewrites the snapshots instead, except those with a
 * destructive change, which it names and refuses unless `--allow-destructive` is given too;
 * nothing is deployed.
 */
import * as path from 'path';
import { exampleAndIntegApps, synthesizeApp } from './lib/apps';
import { SnapshotStatus, SnapshotUpdate, compareWithSnapshot, snapshotDirFor, snapshotUpdate, writeSnapshot } from './lib/integ-snapshots';
import { PROJECT_ROOT } from './lib/project';

const update = process.argv.includes('--update');
const allowDestructive = process.argv.includes('--allow-destructive');
const integApps = exampleAndIntegApps().filter((app) => app.file.startsWith('integ/'));
let failed = 0;
let refused = 0;
for (const app of integApps) {
  const freshDir = path.join(PROJECT_ROOT, '.gates', 'integ', path.basename(app.file));
  const snapshotDir = path.join(PROJECT_ROOT, snapshotDirFor(app.file));
  synthesizeApp(app, freshDir);
  const verdict = compareWithSnapshot(snapshotDir, freshDir);
  const decision = update ? snapshotUpdate(verdict, allowDestructive) : undefined;
  if (decision === SnapshotUpdate.WRITE) {
    writeSnapshot(freshDir, snapshotDir);
    console.log(`  UPDATED    ${app.file} (was ${verdict.status})`);
  } else if (decision === SnapshotUpdate.REFUSE) {
    refused++;
    console.log(`  REFUSED    ${app.file} (${verdict.status}: a deploy would replace, delete or orphan what is listed below; the snapshot is unchanged)`);
  } else {
    console.log(`  ${verdict.status.padEnd(10)} ${app.file}`);
  }
  verdict.differences.forEach((line) => console.log(`             ${line}`));
  if (!update && verdict.status !== SnapshotStatus.UNCHANGED) {
    failed++;
  }
}
if (refused > 0) {
  console.error(`integ:update refused ${refused} snapshot(s) with destructive changes. If replacing those resources is intended `
    + '(say so in the commit message), run `npx projen integ:update --allow-destructive`.');
  process.exit(1);
}
console.log(`integ: ${integApps.length - failed} passed, ${failed} failed`);
if (integApps.length === 0 || failed > 0) {
  console.error('Integ snapshots do not match. If the change is intended, run `npx projen integ:update` and review the snapshot diff before committing.');
  process.exit(1);
}
