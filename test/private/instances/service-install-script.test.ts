import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { shellcheck } from '../../../scripts/lib/shellcheck';
import { unitOfInstallScript, verifyServiceUnit } from '../../../scripts/lib/systemd-unit';
import { NO_ARTIFACT } from '../../../src/private/image/application-component';
import {
  ServiceInstall, archiveFormatOf, renderServiceActiveScript, renderServiceEnabledScript, renderServiceInstallScript, serviceOutputFile,
} from '../../../src/private/instances/service-install-script';

const install: ServiceInstall = {
  serviceName: 'web',
  artifactS3Uri: 's3://artifacts/web/web-1.0.0.tar.gz',
  archiveFormat: 'tar',
  startCommand: '/opt/web/bin/server --port 8080',
  runtimePackages: ['nodejs20'],
};

describe('renderServiceInstallScript', () => {
  test('given a tar artifact, then the script unpacks it into /opt/<name> and writes an enabled systemd unit', () => {
    const script = renderServiceInstallScript(install);

    expect(script).toContain("artifact='s3://artifacts/web/web-1.0.0.tar.gz'");
    expect(script).toContain('dnf install -y nodejs20 logrotate\n');
    expect(script).toContain('tar -xf "$download_dir/artifact" -C "$app_dir"');
    expect(script).toContain('useradd --system --home-dir "$app_dir" --shell /sbin/nologin "$service_name"');
    expect(script).toMatch(/\[Service\]\nUser=web\nGroup=web\nWorkingDirectory=\/opt\/web\nEnvironmentFile=-\/etc\/web\/environment\nLogsDirectory=web\n(.*\n){2}ExecStart=\/opt\/web\/bin\/server --port 8080\nRestart=on-failure/);
    expect(script).toContain('systemctl enable "$service_name"');
  });

  test('given an install, then the service\'s output goes to a file under /var/log/<name>, which the CloudWatch agent ships, rotated by logrotate', () => {
    const script = renderServiceInstallScript(install);

    // The agent ships /var/log/<name>/**.log: the service's output file is one of them.
    expect(serviceOutputFile('web')).toBe('/var/log/web/service.log');
    expect(unitOfInstallScript(script)).toContain('\nStandardOutput=append:/var/log/web/service.log\nStandardError=inherit\n');
    // systemd keeps the file open: logrotate must copy and truncate it, not move it.
    expect(script).toMatch(/cat > "\/etc\/logrotate.d\/\$service_name" <<'ROTATE'\n\/var\/log\/web\/service.log \{\n(.*\n)*  copytruncate\n/);
  });

  test('given an install, then systemd 252 (Amazon Linux 2023\'s) parses its unit without a finding', () => {
    expect(verifyServiceUnit('web', unitOfInstallScript(renderServiceInstallScript(install)))).toEqual([]);
  });

  test('given a unit with a key systemd does not know or a value it cannot parse, then the unit check reports it', () => {
    const unit = unitOfInstallScript(renderServiceInstallScript(install));

    expect(verifyServiceUnit('web', unit.replace('RestartSec=5', 'RestartSecs=5'))).toEqual([expect.stringContaining("Unknown key 'RestartSecs' in section [Service]")]);
    expect(verifyServiceUnit('web', unit.replace('StandardOutput=append:', 'StandardOutput=appendx:')))
      .toEqual([expect.stringContaining('Failed to parse output specifier')]);
  });

  test('given an install, then the service starts after user data (cloud-final), which writes each environment\'s configuration', () => {
    expect(renderServiceInstallScript(install)).toContain('\nAfter=network-online.target cloud-final.service\n');
  });

  test('given a start command with a percent sign, then it is escaped from systemd specifier expansion', () => {
    const script = renderServiceInstallScript({ ...install, startCommand: '/opt/web/bin/server --cpu-limit 50% --home %h' });

    expect(script).toContain('ExecStart=/opt/web/bin/server --cpu-limit 50%% --home %%h\n');
  });

  test('given a name the base image already uses for a user or unit, then the script fails before creating anything', () => {
    const script = renderServiceInstallScript(install);
    const guard = script.indexOf('if id "$service_name" >/dev/null 2>&1 || systemctl cat "$service_name.service" >/dev/null 2>&1; then');

    expect(guard).toBeGreaterThan(0);
    expect(guard).toBeLessThan(script.indexOf('useradd'));
    expect(script).not.toContain('if ! id');
  });

  test('given the default of a recipe without an artifact, then the script fails saying so before it installs anything', () => {
    // No command is on the PATH: the script must stop before it runs any.
    const result = spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', renderServiceInstallScript({ ...install, artifactS3Uri: NO_ARTIFACT })], { encoding: 'utf-8', env: { PATH: '/nonexistent' } });

    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(`Application artifact must be an s3://bucket/key URI, got '${NO_ARTIFACT}'`);
  });

  test('given a zip artifact, then unzip is installed and used', () => {
    const script = renderServiceInstallScript({ ...install, archiveFormat: 'zip', runtimePackages: [] });

    expect(script).toContain('dnf install -y logrotate unzip\n');
    expect(script).toContain('unzip -q -o "$download_dir/artifact" -d "$app_dir"');
  });

  test.each(['tar', 'zip'] as const)('given a %s artifact, then every generated script passes shellcheck', (archiveFormat) => {
    expect(shellcheck(renderServiceInstallScript({ ...install, archiveFormat }))).toEqual([]);
    expect(shellcheck(renderServiceEnabledScript('web'))).toEqual([]);
    expect(shellcheck(renderServiceActiveScript('web', 24, 5))).toEqual([]);
  });

  test.each<[Partial<ServiceInstall>, string]>([
    [{ serviceName: 'Web' }, "Application name must be 1 to 32 lowercase letters, digits or '-', starting with a letter, got 'Web'"],
    [{ serviceName: '1web' }, "got '1web'"],
    [{ serviceName: 'sshd' }, "Application name 'sshd' is a user or service of the operating system or its agents; choose another"],
    [{ serviceName: 'systemd-journald' }, "Application name 'systemd-journald' is a user or service of the operating system or its agents; choose another"],
    [{ startCommand: '' }, 'Application start command must be one non-empty line, got ""'],
    [{ startCommand: '/bin/a\n/bin/b' }, 'Application start command must be one non-empty line, got "/bin/a\\n/bin/b"'],
    [{ runtimePackages: ['nodejs20', 'evil;rm'] }, "Runtime package names may only contain letters, digits and . _ + -, got 'evil;rm'"],
  ])('given %p, then it fails naming the bad value', (override, message) => {
    expect(() => renderServiceInstallScript({ ...install, ...override })).toThrow(message);
  });
});

describe('archiveFormatOf', () => {
  test.each([['app.zip', 'zip'], ['app.tar', 'tar'], ['app.tar.gz', 'tar'], ['app.tgz', 'tar'], ['app.tar.xz', 'tar'], ['app.tar.bz2', 'tar']])(
    'given %p, then the format is %p', (key, format) => {
      expect(archiveFormatOf(key)).toBe(format);
    });

  test('given an unknown extension, then it fails naming the key', () => {
    expect(() => archiveFormatOf('app.rar')).toThrow("Application artifact key must end in .zip, .tar, .tar.gz, .tgz, .tar.xz or .tar.bz2, or the artifact must name its format; got 'app.rar'");
  });
});

describe('renderServiceActiveScript', () => {
  /**
   * Runs the script with fake `systemctl`, `journalctl` and `sleep` first on the PATH: each
   * `systemctl is-active` answers the next of `activeStates` (repeating the last), and
   * `systemctl show` reports `restarts`.
   */
  function runWithFakeSystemd(activeStates: Array<'active' | 'inactive'>, restarts: number) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-systemd-'));
    fs.writeFileSync(path.join(bin, 'states'), activeStates.join('\n') + '\n');
    const fake = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    fake('systemctl', [
      `states='${bin}/states'`,
      'case "$1" in',
      '  is-active)',
      '    state="$(head -n 1 "$states")"',
      '    if [ "$(wc -l < "$states")" -gt 1 ]; then sed -i 1d "$states"; fi',
      '    [ "$state" = active ];;',
      `  show) echo ${restarts};;`,
      'esac',
    ].join('\n'));
    fake('journalctl', 'echo "journal of $2"');
    fake('sleep', 'true');
    const result = spawnSync('bash', ['-c', renderServiceActiveScript('web', 3, 5)], {
      encoding: 'utf-8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    return { code: result.status, output: result.stdout + result.stderr };
  }

  test('given a service that becomes active on the third probe and stays up, then the script exits 0', () => {
    const result = runWithFakeSystemd(['inactive', 'inactive', 'active'], 0);

    expect(result.code).toBe(0);
    expect(result.output).toContain('Service web is active (attempt 3 of 3); checking that it stays up for 10s');
    expect(result.output).toContain('Service web stays active with no restarts');
  });

  test('given a service that is active on a probe but crash-loops, then the script fails naming the restarts and prints its log', () => {
    const result = runWithFakeSystemd(['active'], 3);

    expect(result.code).toBe(1);
    expect(result.output).toContain('Service web did not stay up: systemd restarted it 3 times; its log follows.');
    expect(result.output).toContain('journal of web');
  });

  test('given a service that never becomes active, then the script gives up after the bounded attempts and prints its log', () => {
    const result = runWithFakeSystemd(['inactive'], 0);

    expect(result.code).toBe(1);
    expect(result.output).toContain('Service web did not become active within 3 attempts; its log follows.');
    expect(result.output).toContain('journal of web');
  });
});
