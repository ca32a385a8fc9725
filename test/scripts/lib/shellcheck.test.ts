import * as fs from 'fs';
import * as path from 'path';
import { formatShellcheckFinding, shellcheck } from '../../../scripts/lib/shellcheck';

describe('shellcheck', () => {
  test('given a script with an unquoted variable, then shellcheck reports SC2086 on its line', () => {
    const script = fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'unquoted-variable.sh'), 'utf-8');

    const findings = shellcheck(script);

    expect(findings.map(formatShellcheckFinding)).toContainEqual(expect.stringMatching(/^SC2086 \(info\) line 4:4: /));
  });

  test('given a clean script, then shellcheck reports nothing', () => {
    expect(shellcheck('#!/bin/bash\nset -euo pipefail\napp_dir="/opt/my app"\ncd "$app_dir"\n')).toEqual([]);
  });
});
