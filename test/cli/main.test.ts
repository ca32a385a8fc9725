import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { main } from '../../src/cli/main';

/** Runs the command, keeping what it writes. */
async function run(...args: string[]) {
  const written = { out: '', err: '' };
  const status = await main(args, { out: (text) => { written.out += text; }, err: (text) => { written.err += text; } });
  return { status, ...written };
}

describe('cdk-immutable-servers', () => {
  test('given --help, then it lists its commands and succeeds', async () => {
    const { status, out } = await run('--help');

    expect(status).toBe(0);
    expect(out).toContain('teardown   find, list and delete what an application left outside CloudFormation');
  });

  test('given an unknown command, then it says so and exits 2', async () => {
    const { status, err } = await run('destroy');

    expect(status).toBe(2);
    expect(err).toMatch(/^Unknown command 'destroy'\./);
  });

  test('given teardown --help, then it prints the command\'s options and exit statuses and succeeds', async () => {
    const { status, out } = await run('teardown', '--help');

    expect(status).toBe(0);
    expect(out).toContain('--role-name <name>');
    expect(out).toContain('Exit status: 0 nothing is left; 1 something is left');
  });

  test('given a directory without a cloud assembly, then it exits 2 before calling AWS, saying why and how it is used', async () => {
    const { status, err } = await run('teardown', 'web', '--app', mkdtempSync(join(tmpdir(), 'empty-')));

    expect(status).toBe(2);
    expect(err).toMatch(/holds no cloud assembly \(no manifest.json\)[^]*Usage: cdk-immutable-servers teardown/);
  });
});
