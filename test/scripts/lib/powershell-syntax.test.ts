import * as fs from 'fs';
import * as path from 'path';
import { formatPowerShellSyntaxError, powerShellSyntaxErrors } from '../../../scripts/lib/powershell-syntax';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', name), 'utf-8');

describe('powerShellSyntaxErrors', () => {
  test('given a well-formed script, then it reports nothing', () => {
    expect(powerShellSyntaxErrors(["$ErrorActionPreference = 'Stop'\nif ($true) { Write-Output 'ready' }\n"])).toEqual([[]]);
  });

  test('given the unbalanced-quote fixture, then it reports where parsing broke', () => {
    const [errors] = powerShellSyntaxErrors([fixture('unbalanced-quote.ps1')]);

    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map(formatPowerShellSyntaxError).join('\n')).toMatch(/^line [2-4]:\d+: /m);
  });

  test('given several scripts, then each gets its own errors, in order', () => {
    expect(powerShellSyntaxErrors(['Write-Output 1', 'if ($true) {', 'Write-Output 2']).map((errors) => errors.length > 0)).toEqual([false, true, false]);
  });
});
