import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../scripts/lib/project';

const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com' };

/**
 * A scratch git repository holding the project's package.json and projen tasks (its release
 * machinery) and, linked, its node_modules: its history is whatever the test commits.
 */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-'));
  fs.mkdirSync(path.join(dir, '.projen'));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.copyFileSync(path.join(PROJECT_ROOT, '.projen', 'tasks.json'), path.join(dir, '.projen', 'tasks.json'));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, '.gitignore'), '/node_modules\n/dist/\n');
  git(dir, 'init', '--quiet', '--initial-branch=main');
  commit(dir, 'chore: start');
  return dir;
}

function git(dir: string, ...args: string[]): void {
  execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_IDENTITY }, stdio: 'ignore' });
}

function commit(dir: string, message: string): void {
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--allow-empty', '--message', message);
}

/** Runs the release's `bump` task, as `npx projen release` does first, and reads what it wrote. */
function bump(dir: string): { version: string; tag: string; changelog: string } {
  const run = spawnSync('npx', ['projen', 'bump'], { cwd: dir, encoding: 'utf-8', env: { ...process.env, ...GIT_IDENTITY } });
  if (run.status !== 0) {
    throw new Error(`projen bump failed:\n${run.stdout}\n${run.stderr}`);
  }
  const read = (file: string) => fs.readFileSync(path.join(dir, 'dist', file), 'utf-8');
  return { version: read('version.txt'), tag: read('releasetag.txt'), changelog: read('changelog.md') };
}

describe('release: version and changelog from conventional commits', () => {
  const scratch: string[] = [];
  function releasedProject(): string {
    const dir = scratchProject();
    git(dir, 'tag', 'v0.1.0');
    scratch.push(dir);
    return dir;
  }
  afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  test('given no release yet, then the first release is 0.1.0', () => {
    const dir = scratchProject();
    scratch.push(dir);

    expect(bump(dir)).toMatchObject({ version: '0.1.0', tag: 'v0.1.0' });
  });

  test('given a feat and a fix since v0.1.0, then the release is 0.1.1 (patch while 0.x) and its changelog lists both', () => {
    const dir = releasedProject();
    commit(dir, 'feat: add the X construct');
    commit(dir, 'fix: Y no longer fails');

    const release = bump(dir);

    expect(release).toMatchObject({ version: '0.1.1', tag: 'v0.1.1' });
    expect(release.changelog).toMatch(/### Features\s+\* add the X construct[\s\S]*### Bug Fixes\s+\* Y no longer fails/);
  });

  test('given a BREAKING CHANGE footer since v0.1.0, then the release is 0.2.0 (minor while 0.x) and its changelog says what broke', () => {
    const dir = releasedProject();
    commit(dir, 'feat: remove Z\n\nBREAKING CHANGE: Z is gone; use X');

    const release = bump(dir);

    expect(release.version).toBe('0.2.0');
    expect(release.changelog).toMatch(/### ⚠ BREAKING CHANGES\s+\* Z is gone; use X/);
  });

  test('given only chore, docs and test commits since v0.1.0, then nothing new is released', () => {
    const dir = releasedProject();
    commit(dir, 'chore: refresh the API baseline');
    commit(dir, 'docs: explain X');
    commit(dir, 'test: cover Y');

    // The release workflow publishes nothing for a tag that exists already.
    expect(bump(dir)).toMatchObject({ version: '0.1.0', tag: 'v0.1.0' });
  });
});

describe('release workflows', () => {
  const workflow = (name: string) => parse(fs.readFileSync(path.join(PROJECT_ROOT, '.github', 'workflows', `${name}.yml`), 'utf-8'));

  test('given the release workflow, then it publishes to npm, PyPI, Maven Central and the Go module repository after the release build', () => {
    const jobs = workflow('release').jobs;

    expect(Object.keys(jobs)).toEqual(expect.arrayContaining(['release', 'release_npm', 'release_pypi', 'release_maven', 'release_golang', 'release_github']));
    expect(jobs.release.steps.map((step: { run?: string }) => step.run)).toEqual(expect.arrayContaining(['bash scripts/setup.sh', 'npx projen release']));
  });

  test('given a workflow with a job that needs a missing job and a script that does not parse, then actionlint fails naming both', () => {
    const run = spawnSync('bash', ['scripts/lint-workflows.sh', 'test/fixtures/workflows/broken.yml'], { cwd: PROJECT_ROOT, encoding: 'utf-8' });

    expect(run.status).toBe(1);
    expect(run.stdout).toContain('needs job "build" which does not exist');
    expect(run.stdout).toContain("Couldn't find 'fi' for this 'if'");
  });
});
