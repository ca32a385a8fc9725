/**
 * A systemd unit checked by systemd's own parser: `systemd-analyze verify` (systemd 252 on Debian
 * 12, the version Amazon Linux 2023 ships). It reports unknown keys and values it cannot parse as
 * warnings while exiting 0, so every line it prints about the unit counts as a finding.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SETUP_HINT } from './project';

/**
 * The findings of `systemd-analyze verify` on a service unit. Its `ExecStart` program is the
 * application's own, absent here, so it is checked as `/bin/true` with the same arguments.
 */
export function verifyServiceUnit(name: string, unit: string): string[] {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'systemd-unit-'));
  try {
    const file = path.join(folder, `${name}.service`);
    fs.writeFileSync(file, unit.replace(/^ExecStart=\S+/m, 'ExecStart=/bin/true'));
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf-8' });
    if (result.error) throw new Error(`systemd-analyze could not run (${result.error.message}); ${SETUP_HINT}`);
    return `${result.stdout}${result.stderr}`.split('\n').map((line) => line.trim()).filter(Boolean);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** The unit a rendered install script writes: the body of its `cat > ….service <<'UNIT'` heredoc. */
export function unitOfInstallScript(script: string): string {
  const match = /\.service" <<'UNIT'\n([\s\S]*?)\nUNIT\n/.exec(script);
  if (!match) throw new Error('The install script writes no systemd unit');
  return `${match[1]}\n`;
}
