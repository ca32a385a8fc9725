import { execFileSync } from 'child_process';
import { PROJECT_ROOT } from '../../scripts/lib/project';

/** What users install from npm: the compiled library, its jsii assembly and its docs. */
const SHIPPED = /^(package\.json|README\.md|LICENSE|API\.md|\.jsii|lib\/.+\.(js|d\.ts))$/;

function tarballFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT_ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(output)[0].files.map((file: { path: string }) => file.path);
}

describe('npm package', () => {
  test('given the packed tarball, then it holds only the compiled library and its docs: no tests, integ apps, examples, scripts, venvs or gate outputs', () => {
    const files = tarballFiles();

    expect(files.filter((file) => !SHIPPED.test(file))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', '.jsii', 'API.md']));
  });
});
