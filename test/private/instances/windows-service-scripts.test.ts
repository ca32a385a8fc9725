import { Token } from 'aws-cdk-lib';
import { powerShellSyntaxErrors } from '../../../scripts/lib/powershell-syntax';
import { HttpHealthCheck } from '../../../src/private/instances/http-health-check-script';
import { ServiceInstall } from '../../../src/private/instances/service-install-script';
import {
  renderWindowsHttpHealthCheckScript, renderWindowsServiceEnabledScript, renderWindowsServiceInstallScript,
  renderWindowsServiceRunningScript, validateWindowsServiceInstall, windowsServiceEnvironmentRegistryPath,
} from '../../../src/private/instances/windows-service-scripts';

const install: ServiceInstall = {
  serviceName: 'web',
  artifactS3Uri: 's3://artifacts/web/web-1.0.0.zip',
  archiveFormat: 'zip',
  startCommand: '"C:\\Program Files\\web\\web.exe" --port 8080',
  runtimePackages: [],
};

const check: HttpHealthCheck = { port: 8080, path: '/health', expectedStatus: 200, attempts: 3, intervalSeconds: 1 };

describe('renderWindowsServiceInstallScript', () => {
  test('given an artifact, then the script stops on errors and downloads it from S3 with Read-S3Object', () => {
    const script = renderWindowsServiceInstallScript(install);

    expect(script.startsWith("$ErrorActionPreference = 'Stop'\n")).toBe(true);
    expect(script).toContain("$artifact = 's3://artifacts/web/web-1.0.0.zip'");
    expect(script).toContain("if ($artifact -notmatch '^s3://([^/]+)/(.+)$') {");
    expect(script).toContain('Read-S3Object -BucketName $bucket -Key $key -File $archive');
  });

  test('given a zip artifact, then Expand-Archive unpacks it into C:\\Program Files\\<name>', () => {
    const script = renderWindowsServiceInstallScript(install);

    expect(script).toContain("$appDir = 'C:\\Program Files\\web'");
    expect(script).toContain("$archive = Join-Path $downloadDir 'artifact.zip'");
    expect(script).toContain('Expand-Archive -Path $archive -DestinationPath $appDir -Force');
    expect(script).not.toContain('tar.exe');
  });

  test('given a tar artifact, then tar.exe unpacks it and its exit code is checked', () => {
    const script = renderWindowsServiceInstallScript({ ...install, artifactS3Uri: 's3://artifacts/web/web-1.0.0.tar.gz', archiveFormat: 'tar' });

    expect(script).toContain("$archive = Join-Path $downloadDir 'artifact.tar'");
    expect(script).toContain('tar.exe -xf $archive -C $appDir\nif ($LASTEXITCODE -ne 0) { throw "tar.exe could not unpack $artifact (exit code $LASTEXITCODE)" }');
    expect(script).not.toContain('Expand-Archive');
  });

  test('given a start command, then a service that starts manually (from user data, never by itself at boot) runs it as the virtual account NT SERVICE\\<name>', () => {
    const script = renderWindowsServiceInstallScript(install);

    expect(script).toContain("$startCommand = '\"C:\\Program Files\\web\\web.exe\" --port 8080'");
    expect(script).toContain('$account = "NT SERVICE\\$serviceName"');
    expect(script).toContain('New-Service -Name $serviceName -BinaryPathName $startCommand -StartupType Manual');
    expect(script).toContain('sc.exe config $serviceName obj= $account\nif ($LASTEXITCODE -ne 0) { throw');
    expect(script).toContain('icacls.exe $appDir /grant "${account}:(OI)(CI)RX"\nif ($LASTEXITCODE -ne 0) { throw');
  });

  test('given an artifact, then the service restarts on failure and sc.exe\'s exit code is checked', () => {
    const script = renderWindowsServiceInstallScript(install);

    expect(script).toContain('sc.exe failure $serviceName reset= 86400 actions= restart/5000/restart/5000/restart/5000\nif ($LASTEXITCODE -ne 0) { throw');
  });

  test('given a start command containing quotes, then each quote is doubled inside a single-quoted string', () => {
    const script = renderWindowsServiceInstallScript({ ...install, startCommand: "C:\\web\\web.exe --greeting 'it''s' \u2019$(Stop-Computer)" });

    expect(script).toContain("$startCommand = 'C:\\web\\web.exe --greeting ''it''''s'' \u2019\u2019$(Stop-Computer)'\n");
  });

  test('given an S3 URI with a deploy-time bucket token, then the token is rendered intact', () => {
    const artifactS3Uri = `s3://${Token.asString({ Ref: 'ArtifactBucket' })}/web/web-1.0.0.zip`;

    const script = renderWindowsServiceInstallScript({ ...install, artifactS3Uri });

    expect(script).toContain(`$artifact = '${artifactS3Uri}'`);
    expect(artifactS3Uri).toMatch(/^s3:\/\/\$\{Token\[.+\]\}\/web\/web-1\.0\.0\.zip$/);
  });

  test('given an install, then the script never writes the environment, which deployments own', () => {
    const script = renderWindowsServiceInstallScript(install);

    expect(script).not.toMatch(/Environment|Set-ItemProperty|reg(\.exe)? add/i);
  });

  test.each<[Partial<ServiceInstall>, string]>([
    [{ runtimePackages: ['nodejs20', 'python3'] }, "Runtime packages are not supported on Windows: Windows Server images have no package manager, so ship them inside the artifact; got 'nodejs20', 'python3'"],
    [{ runtimePackages: ['evil;rm'] }, "Runtime packages are not supported on Windows: Windows Server images have no package manager, so ship them inside the artifact; got 'evil;rm'"],
    [{ serviceName: 'Web' }, "Application name must be 1 to 32 lowercase letters, digits or '-', starting with a letter, got 'Web'"],
    [{ startCommand: '' }, 'Application start command must be one non-empty line, got ""'],
    [{ startCommand: 'a.exe\nb.exe' }, 'Application start command must be one non-empty line, got "a.exe\\nb.exe"'],
    [{ startCommand: 'C:\\Program Files\\web\\web.exe --port 8080' },
      'Windows start command must quote an executable path that contains spaces, as in "C:\\Program Files\\web\\web.exe", got "C:\\\\Program Files\\\\web\\\\web.exe --port 8080"'],
  ])('given %p, then it fails naming the bad value', (override, message) => {
    expect(() => renderWindowsServiceInstallScript({ ...install, ...override })).toThrow(message);
  });
});

describe('validateWindowsServiceInstall', () => {
  test('given a valid install without runtime packages, then it passes', () => {
    expect(() => validateWindowsServiceInstall(install)).not.toThrow();
  });
});

describe('windowsServiceEnvironmentRegistryPath', () => {
  test('given a service name, then the path is the service\'s key, which holds its Environment value', () => {
    expect(windowsServiceEnvironmentRegistryPath('web')).toBe('HKLM:\\SYSTEM\\CurrentControlSet\\Services\\web');
  });
});

describe('renderWindowsServiceEnabledScript', () => {
  test('given a service name, then the script fails naming the service unless it exists and starts manually', () => {
    const script = renderWindowsServiceEnabledScript('web');

    expect(script).toContain("$serviceName = 'web'");
    expect(script).toContain('if ($null -eq $service) { throw "Service $serviceName does not exist');
    expect(script).toContain("if ($service.StartType -ne 'Manual') {\n  throw \"Service $serviceName starts $($service.StartType), not Manual: Windows would start it at boot");
  });
});

describe('renderWindowsServiceRunningScript', () => {
  test('given a service, then the script starts it as user data does, and a failed start still leaves the attempts to decide', () => {
    const script = renderWindowsServiceRunningScript('web', 24, 5);

    expect(script).toContain('try { Start-Service -Name $serviceName } catch { Write-Output "Service $serviceName did not start at once');
    expect(script.indexOf('Start-Service')).toBeLessThan(script.indexOf('for ($attempt = 1;'));
    expect(script).toContain("  $status = (Get-Service -Name $serviceName).Status\n  if ($status -eq 'Running') {");
  });

  test('given a running service, then it must still run after two intervals', () => {
    const script = renderWindowsServiceRunningScript('web', 24, 5);

    expect(script).toContain('$settleSeconds = 10\n');
    expect(script).toContain('    Start-Sleep -Seconds $settleSeconds\n    $status = (Get-Service -Name $serviceName).Status\n');
    expect(script).toContain('throw "Service $serviceName did not stay up: it was $status ${settleSeconds}s after running."');
  });

  test('given attempts and an interval, then the wait is bounded and a failure names the service, its last status and where to look', () => {
    const script = renderWindowsServiceRunningScript('web', 24, 5);

    expect(script).toContain('$attempts = 24\n$intervalSeconds = 5\n');
    expect(script).toContain('for ($attempt = 1; $attempt -le $attempts; $attempt++) {');
    expect(script).toContain('  Start-Sleep -Seconds $intervalSeconds\n}');
    expect(script).toContain('throw "Service $serviceName did not reach Running within $attempts attempts; its last status was $status: check the System event log');
  });
});

describe('renderWindowsHttpHealthCheckScript', () => {
  test('given a valid check, then each probe is one Invoke-WebRequest with a timeout against the loopback URL', () => {
    const script = renderWindowsHttpHealthCheckScript(check);

    expect(script).toContain("$url = 'http://127.0.0.1:8080/health'");
    expect(script).toContain('Invoke-WebRequest -Uri $url -UseBasicParsing -TimeoutSec 5');
  });

  test('given attempts and an interval, then the probe retries a bounded number of times', () => {
    const script = renderWindowsHttpHealthCheckScript({ ...check, attempts: 24, intervalSeconds: 5 });

    expect(script).toContain('$attempts = 24\n$intervalSeconds = 5\n');
    expect(script).toContain('for ($attempt = 1; $attempt -le $attempts; $attempt++) {');
    expect(script).toContain('Start-Sleep -Seconds $intervalSeconds');
  });

  test('given a check that never passes, then the failure names the URL, the expected status and the last answer', () => {
    const script = renderWindowsHttpHealthCheckScript({ ...check, expectedStatus: 204 });

    expect(script).toContain('$expectedStatus = 204');
    expect(script).toContain('$answer = "no answer ($($_.Exception.Message))"');
    expect(script).toContain('throw "Health check failed: $url did not answer $expectedStatus within $attempts attempts; the last attempt gave $answer."');
  });

  test.each([
    [{ port: 0 }, 'Health check port must be an integer from 1 to 65535, got 0'],
    [{ path: 'health' }, "Health check path must start with '/', got 'health'"],
    [{ path: "/it's" }, "Health check path may only contain letters, digits and . _ ~ - / ? = & %, got '/it's'"],
    [{ expectedStatus: 99 }, 'Health check expected status must be an HTTP status from 100 to 599, got 99'],
    [{ attempts: 0 }, 'Health check attempts must be a whole number of at least 1, got 0'],
    [{ intervalSeconds: 0.5 }, 'Health check interval must be a whole number of seconds of at least 1, got 0.5'],
  ])('given %p, then rendering fails with an error naming the bad value', (override, message) => {
    expect(() => renderWindowsHttpHealthCheckScript({ ...check, ...override })).toThrow(message);
  });
});

describe('every Windows script', () => {
  test.each(['zip', 'tar'] as const)('given a %s artifact, then every rendered script parses as PowerShell without syntax errors', (archiveFormat) => {
    const scripts = [
      renderWindowsServiceInstallScript({ ...install, archiveFormat, startCommand: "\"C:\\Program Files\\web\\web.exe\" --greeting 'it''s'" }),
      renderWindowsServiceEnabledScript('web'),
      renderWindowsServiceRunningScript('web', 24, 5),
      renderWindowsHttpHealthCheckScript(check),
    ];

    expect(powerShellSyntaxErrors(scripts)).toEqual([[], [], [], []]);
  });
});
