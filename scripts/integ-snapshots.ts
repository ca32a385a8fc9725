/**
 * Integ gate: verifies every `integ/integ.*.ts` app against its committed snapshot, offline.
 * Fails on a missing snapshot (NEW), drift (CHANGED) or a change that would replace or delete a
 * resource (DESTRUCTIVE). With `--update`, rewrites the snapshots instead; nothing is deployed.
 */
import * as path from 'path';
import { exampleAndIntegApps, synthesizeApp } from './lib/apps';
import { SnapshotStatus, compareWithSnapshot, snapshotDirFor, writeSnapshot } from './lib/integ-snapshots';
import { PROJECT_ROOT } from './lib/project';

const update = process.argv.includes('--update');
const integApps = exampleAndIntegApps().filter((app) => app.file.startsWith('integ/'));
let failed = 0;
for (const app of integApps) {
  const freshDir = path.join(PROJECT_ROOT, '.gates', 'integ', path.basename(app.file));
  const snapshotDir = path.join(PROJECT_ROOT, snapshotDirFor(app.file));
  synthesizeApp(app, freshDir);
  const verdict = compareWithSnapshot(snapshotDir, freshDir);
  if (update && verdict.status !== SnapshotStatus.UNCHANGED) {
    writeSnapshot(freshDir, snapshotDir);
    console.log(`  UPDATED    ${app.file} (was ${verdict.status})`);
  } else {
    console.log(`  ${verdict.status.padEnd(10)} ${app.file}`);
  }
  verdict.differences.forEach((line) => console.log(`             ${line}`));
  if (!update && verdict.status !== SnapshotStatus.UNCHANGED) {
    failed++;
  }
}
console.log(`integ: ${integApps.length - failed} passed, ${failed} failed`);
if (integApps.length === 0 || failed > 0) {
  console.error('Integ snapshots do not match. If the change is intended, run `npx projen integ:update` and review the snapshot diff before committing.');
  process.exit(1);
}
