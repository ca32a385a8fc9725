import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../../scripts/lib/project';

const fixtureDir = path.join(PROJECT_ROOT, 'test', 'fixtures', 'jest-snapshot-drift');
const snapshotDir = path.join(fixtureDir, '__snapshots__');

/** The arguments the project's `test` task passes to jest, read from projen's task file. */
function testTaskJestArgs(): string[] {
  const tasks = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks;
  const jestStep = tasks.test.steps.find((step: { execArgs?: string[] }) => step.execArgs?.[0] === 'jest');
  return jestStep.execArgs.slice(1);
}

describe('jest snapshot gate', () => {
  test('given the test task, then it runs jest in CI mode and never with --updateSnapshot', () => {
    expect(testTaskJestArgs()).toContain('--ci');
    expect(testTaskJestArgs()).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(-u|--updateSnapshot|--ci=false)(=.*)?$/)]));
  });

  test('given the CI script, then it runs the test task without adding a snapshot-updating flag', () => {
    const testTaskRuns = fs.readFileSync(path.join(PROJECT_ROOT, 'scripts', 'test-all.sh'), 'utf-8')
      .split('\n')
      .filter((line) => /npx projen test\b/.test(line));

    expect(testTaskRuns).toHaveLength(1);
    expect(testTaskRuns[0]).not.toMatch(/\s(-u|--updateSnapshot|--ci=false)(=|\s|$)/);
  });

  test('given a drifted and an unrecorded snapshot, then the test task fails on both and writes no snapshot', () => {
    const snapshotsBefore = fs.readdirSync(snapshotDir).map((name) => fs.readFileSync(path.join(snapshotDir, name), 'utf-8'));

    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...testTaskJestArgs(), '--config', path.join(fixtureDir, 'jest.config.json'), '--rootDir', fixtureDir, '--coverage=false'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf-8',
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/1 snapshot failed/);
    expect(run.stderr).toMatch(/New snapshot was not written\. The update flag must be explicitly passed to write a new snapshot\./);
    expect(fs.readdirSync(snapshotDir).map((name) => fs.readFileSync(path.join(snapshotDir, name), 'utf-8'))).toEqual(snapshotsBefore);
  });
});
