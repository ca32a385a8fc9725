import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from '../../scripts/lib/project';

/** What users install from npm: the compiled library, its jsii assembly and its docs. */
const SHIPPED = /^(package\.json|README\.md|LICENSE|API\.md|\.jsii|lib\/.+\.(js|d\.ts))$/;

interface Tarball {
  readonly files: string[];
  /** The packages bundled into it: the teardown command's AWS SDK clients and what they depend on. */
  readonly bundled: string[];
}

function tarball(): Tarball {
  // The listing names every file of the bundled SDK clients: several MB of JSON.
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: PROJECT_ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  const [packed] = JSON.parse(output);
  return { files: packed.files.map((file: { path: string }) => file.path), bundled: packed.bundled };
}

/** `node_modules/@scope/name/...` or `node_modules/name/...` to the package's name. */
function bundledPackageOf(file: string): string {
  const [scopeOrName, name] = file.split('/').slice(1);
  return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
}

describe('npm package', () => {
  let packed: Tarball;
  beforeAll(() => {
    packed = tarball();
  });

  test('given the packed tarball, then it holds only the compiled library, its docs and its bundled dependencies: no tests, integ apps, examples, scripts, venvs or gate outputs', () => {
    const own = packed.files.filter((file) => !file.startsWith('node_modules/'));
    const bundled = packed.files.filter((file) => file.startsWith('node_modules/'));

    expect(own.filter((file) => !SHIPPED.test(file))).toEqual([]);
    expect(own).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', '.jsii', 'API.md']));
    expect([...new Set(bundled.map(bundledPackageOf))].filter((name) => !packed.bundled.includes(name))).toEqual([]);
  });

  test('given the package\'s command, then the tarball holds the compiled file it names, which runs', () => {
    const { bin } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf-8'));

    expect(Object.keys(bin)).toEqual(['cdk-immutable-servers']);
    expect(packed.files).toContain(bin['cdk-immutable-servers']);
    const usage = execFileSync('node', [join(PROJECT_ROOT, bin['cdk-immutable-servers']), '--help'], { encoding: 'utf-8' });
    expect(usage).toContain('teardown   find, list and delete what an application left outside CloudFormation');
  });

  test('given the package\'s command, then it loads every module of the teardown without aws-cdk-lib or constructs, the library\'s peers', () => {
    // Every module of the command is loaded once main.js is; loading a peer fails the run.
    const withoutPeers = `
      const Module = require('module');
      const load = Module._load;
      Module._load = (request, ...rest) => {
        if (/^(aws-cdk-lib|constructs)(\\/|$)/.test(request)) throw new Error('the command loaded ' + request);
        return load(request, ...rest);
      };
      require(${JSON.stringify(join(PROJECT_ROOT, 'lib', 'cli', 'main.js'))});`;

    expect(() => execFileSync('node', ['-e', withoutPeers], { encoding: 'utf-8', stdio: 'pipe' })).not.toThrow();
  });
});
