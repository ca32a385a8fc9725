import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../../scripts/lib/project';

const BASELINE = path.join(PROJECT_ROOT, 'api-baseline');
const REMOVED_KEY = 'removed:cdk-immutable-servers.RollingAsgDeployment.removedForTest';

function checkApiCompat(...args: string[]) {
  return spawnSync('bash', ['scripts/check-api-compat.sh', ...args], { cwd: PROJECT_ROOT, encoding: 'utf-8' });
}

describe('API compatibility gate (jsii-diff)', () => {
  let fixtures: string;

  beforeAll(() => {
    // Inside the repository, so that the baseline's peer dependencies resolve from node_modules.
    fs.mkdirSync(path.join(PROJECT_ROOT, '.gates'), { recursive: true });
    fixtures = fs.mkdtempSync(path.join(PROJECT_ROOT, '.gates', 'api-compat-'));
  });
  afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

  /** The committed baseline with one more property on RollingAsgDeployment: the built API lacks it, as if a change removed it. */
  function baselineWithExtraProperty(): string {
    const folder = path.join(fixtures, 'baseline');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(path.join(BASELINE, 'package.json'), path.join(folder, 'package.json'));
    const assembly = JSON.parse(fs.readFileSync(path.join(BASELINE, '.jsii'), 'utf-8'));
    assembly.types['cdk-immutable-servers.RollingAsgDeployment'].properties.push({
      name: 'removedForTest', immutable: true, type: { primitive: 'string' }, docs: { summary: 'Removed since the baseline.' },
    });
    fs.writeFileSync(path.join(folder, '.jsii'), JSON.stringify(assembly));
    return folder;
  }

  test('given a baseline with a property the built API no longer has, then the gate fails and names its key', () => {
    const run = checkApiCompat(baselineWithExtraProperty(), path.join(fixtures, 'no-allowed-changes.txt'));

    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`[${REMOVED_KEY}]`);
  });

  test('given that key in the allowed breaking changes, then the gate passes', () => {
    // The project's own marked changes since the baseline, and this one.
    const allowed = path.join(fixtures, 'allowed-breaking-changes.txt');
    fs.writeFileSync(allowed, `${fs.readFileSync(path.join(PROJECT_ROOT, 'allowed-breaking-changes.txt'), 'utf-8')}\n# removed on purpose\n${REMOVED_KEY}\n`);

    const run = checkApiCompat(baselineWithExtraProperty(), allowed);

    expect(run.stderr).toContain(REMOVED_KEY);
    expect(run.status).toBe(0);
  });

  test('given no baseline, then the gate fails rather than skip the comparison as jsii-diff does', () => {
    const run = checkApiCompat(path.join(fixtures, 'missing'));

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/missing.*\.jsii is missing/);
  });
});
