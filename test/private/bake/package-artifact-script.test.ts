import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { shellcheck } from '../../../scripts/lib/shellcheck';
import { BAKE_INPUT_FILE, packageArtifactScript } from '../../../src/private/bake/package-artifact-script';

/**
 * Runs the package script in a fresh folder holding `files` under `dist/`, with an `aws` stub on
 * the PATH that records its arguments.
 */
function packageFiles(files: Record<string, string>, options: { mtime?: Date; commitMessage?: string; executable?: string[] } = {}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'package-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(work, 'dist', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    if (options.mtime) fs.utimesSync(file, options.mtime, options.mtime);
    if (options.executable?.includes(name)) fs.chmodSync(file, 0o755);
  }
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), '#!/bin/bash\necho "$@" >> "$AWS_CALLS"\n', { mode: 0o755 });
  const script = path.join(work, 'package.sh');
  fs.writeFileSync(script, packageArtifactScript());
  const result = spawnSync('bash', [script], {
    cwd: work,
    encoding: 'utf-8',
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      AWS_CALLS: path.join(work, 'aws-calls'),
      APPLICATION_DIRECTORY: 'dist',
      ARTIFACT_BUCKET: 'web-artifacts',
      ARTIFACT_PREFIX: 'web/builds',
      RELEASE_VERSION: '1.4.2',
      COMMIT_ID: '89e6c98d92887913cadf06b2adb97f26cde4849b',
      COMMIT_MESSAGE: options.commitMessage ?? 'Serve /health',
      PIPELINE_EXECUTION_ID: '8d1c2b3a-0000-4000-8000-000000000002',
    },
  });
  const read = (name: string) => (fs.existsSync(path.join(work, name)) ? fs.readFileSync(path.join(work, name), 'utf-8') : undefined);
  return { status: result.status, stderr: result.stderr, bakeInput: read(BAKE_INPUT_FILE) && JSON.parse(read(BAKE_INPUT_FILE)!), awsCalls: read('aws-calls') };
}

const APP = { 'bin/server': '#!/bin/sh\nexec python3 -m http.server\n', 'static/index.html': '<h1>web</h1>\n' };

describe('packageArtifactScript', () => {
  test('given application files, then they are uploaded under their content hash and bake.json names them with the release', () => {
    const packaged = packageFiles(APP);

    expect(packaged.status).toBe(0);
    expect(packaged.bakeInput).toEqual({
      artifact: `s3://web-artifacts/web/builds/${packaged.bakeInput.contentHash}.tar.gz`,
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      version: '1.4.2',
      commitId: '89e6c98d92887913cadf06b2adb97f26cde4849b',
      commitMessage: 'Serve /health',
      pipelineExecutionId: '8d1c2b3a-0000-4000-8000-000000000002',
    });
    expect(packaged.awsCalls).toMatch(new RegExp(`^s3 cp --only-show-errors \\S+/application\\.tar\\.gz ${packaged.bakeInput.artifact}\\n$`));
  });

  test('given the same files with other timestamps, then the content hash is the same, so the bake reuses its image', () => {
    const first = packageFiles(APP, { mtime: new Date('2024-01-01T00:00:00Z') });
    const second = packageFiles(APP, { mtime: new Date('2025-06-30T12:34:56Z') });

    expect(second.bakeInput.contentHash).toBe(first.bakeInput.contentHash);
  });

  test.each([
    ['a changed file', { ...APP, 'static/index.html': '<h1>web 2</h1>\n' }, {}],
    ['a renamed file', { 'bin/server': APP['bin/server'], 'static/home.html': APP['static/index.html'] }, {}],
    ['an executable bit', APP, { executable: ['static/index.html'] }],
  ])('given %s, then the content hash changes', (_case, files, options) => {
    expect(packageFiles(files, options).bakeInput.contentHash).not.toBe(packageFiles(APP).bakeInput.contentHash);
  });

  test('given a commit message with quotes and newlines, then bake.json holds it as one JSON string', () => {
    const message = 'Fix "quoted" input\n\nand a \'second\' line with $HOME';

    expect(packageFiles(APP, { commitMessage: message }).bakeInput.commitMessage).toBe(message);
  });

  test('given no application files, then it fails saying where the build must put them, and uploads nothing', () => {
    const packaged = packageFiles({});

    expect(packaged.status).toBe(1);
    expect(packaged.stderr).toBe("No application files in 'dist': the build must write the files to install there.\n");
    expect(packaged.awsCalls).toBeUndefined();
  });

  test('given the script, then shellcheck finds nothing', () => {
    expect(shellcheck(packageArtifactScript())).toEqual([]);
  });
});
