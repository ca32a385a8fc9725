import { shellcheck } from '../../scripts/lib/shellcheck';
import {
  ServiceInstall, archiveFormatOf, renderServiceActiveScript, renderServiceEnabledScript, renderServiceInstallScript,
} from '../../src/private/service-install-script';

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
    expect(script).toContain('dnf install -y nodejs20\n');
    expect(script).toContain('tar -xf "$download_dir/artifact" -C "$app_dir"');
    expect(script).toContain('useradd --system --home-dir "$app_dir" --shell /sbin/nologin "$service_name"');
    expect(script).toMatch(/\[Service\]\nUser=web\nGroup=web\nWorkingDirectory=\/opt\/web\nEnvironmentFile=-\/etc\/web\/environment\nExecStart=\/opt\/web\/bin\/server --port 8080\nRestart=on-failure/);
    expect(script).toContain('systemctl enable "$service_name"');
  });

  test('given a zip artifact, then unzip is installed and used', () => {
    const script = renderServiceInstallScript({ ...install, archiveFormat: 'zip', runtimePackages: [] });

    expect(script).toContain('dnf install -y unzip\n');
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
  test('given attempts and an interval, then the wait is bounded and a failure prints the service log', () => {
    const script = renderServiceActiveScript('web', 24, 5);

    expect(script).toContain('for attempt in $(seq 1 24); do');
    expect(script).toContain('sleep 5');
    expect(script).toContain("journalctl -u 'web' --no-pager -n 50");
  });
});
