/**
 * PowerShell counterparts of the systemd scripts, for Image Builder `ExecutePowerShell` steps on
 * Windows Server images. Written for Windows PowerShell 5.1; Image Builder runs them as
 * `NT AUTHORITY\SYSTEM`.
 *
 * @see https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-action-modules.html
 */
import { HttpHealthCheck, validateHttpHealthCheck } from './http-health-check-script';
import { ArchiveFormat, ServiceInstall, validateServiceInstall } from './service-install-script';

/**
 * PowerShell reads the typographic quotes U+2018 to U+201B as `'` too, so each of them is doubled
 * like `'` (as PowerShell's own CodeGeneration.EscapeSingleQuotedStringContent does).
 */
const SINGLE_QUOTES = /['\u2018\u2019\u201a\u201b]/g;

/** A single-quoted PowerShell string: nothing in it is expanded. CDK tokens contain no quote, so they pass intact. */
function powerShellString(value: string): string {
  return `'${value.replace(SINGLE_QUOTES, (quote) => quote + quote)}'`;
}

/** The script header: stop at the first failing cmdlet, and skip progress bars, which slow downloads and unpacking in PowerShell 5.1. */
const PREAMBLE = ["$ErrorActionPreference = 'Stop'", "$ProgressPreference = 'SilentlyContinue'"];

/** Throws for everything `validateServiceInstall` rejects, and for runtime packages, which Windows cannot install. */
export function validateWindowsServiceInstall(install: ServiceInstall): void {
  if (install.runtimePackages.length > 0) {
    throw new Error(`Runtime packages are not supported on Windows: Windows Server images have no package manager, so ship them inside the artifact; got ${install.runtimePackages.map((name) => `'${name}'`).join(', ')}`);
  }
  validateServiceInstall(install);
  const command = install.startCommand;
  // An unquoted executable path with a space lets Windows run a truncated path instead
  // ("unquoted service path"), and the install folder itself is under `C:\Program Files`.
  const executable = /^[^"]*?\.exe\b/i.exec(command)?.[0];
  if (executable?.includes(' ')) {
    throw new Error(`Windows start command must quote an executable path that contains spaces, as in "${executable}", got ${JSON.stringify(command)}`);
  }
}

/** The folder the application is installed into. */
export function windowsInstallDirectory(serviceName: string): string {
  return `C:\\Program Files\\${serviceName}`;
}

/**
 * The service's registry key. The Service Control Manager adds the `NAME=value` lines of its
 * `Environment` value (REG_MULTI_SZ) to the service's environment; each environment's deployment
 * writes that value, and images never contain it.
 */
export function windowsServiceEnvironmentRegistryPath(serviceName: string): string {
  return `HKLM:\\SYSTEM\\CurrentControlSet\\Services\\${serviceName}`;
}

/** Native commands do not stop the script when they fail, so each one's exit code is checked. */
function checkExitCode(what: string): string {
  return `if ($LASTEXITCODE -ne 0) { throw "${what} (exit code $LASTEXITCODE)" }`;
}

function unpackCommands(format: ArchiveFormat): string[] {
  if (format === 'zip') {
    return ['Expand-Archive -Path $archive -DestinationPath $appDir -Force'];
  }
  // tar.exe ships with Windows Server 2019 and later.
  return ['tar.exe -xf $archive -C $appDir', checkExitCode('tar.exe could not unpack $artifact')];
}

/**
 * Renders the build-phase script: the artifact unpacked into `C:\Program Files\<name>` and a
 * Windows service, run by its own virtual account, that restarts when it fails. It starts manually:
 * Windows starts automatic services before EC2Launch runs user data, so an automatic service would
 * run before its environment (and its data volume) is in place; each instance's user data, which
 * runs at every boot, starts it once they are.
 *
 * The start command becomes the service's binary path, so it must start a program that reports
 * to the Service Control Manager, and quote its path when that contains spaces.
 */
export function renderWindowsServiceInstallScript(install: ServiceInstall): string {
  validateWindowsServiceInstall(install);
  const { serviceName } = install;
  return [
    ...PREAMBLE,
    `$serviceName = ${powerShellString(serviceName)}`,
    `$appDir = ${powerShellString(windowsInstallDirectory(serviceName))}`,
    `$artifact = ${powerShellString(install.artifactS3Uri)}`,
    `$startCommand = ${powerShellString(install.startCommand)}`,
    '$account = "NT SERVICE\\$serviceName"',
    // Split on the instance: the bucket name is a deploy-time token when the script is rendered.
    "if ($artifact -notmatch '^s3://([^/]+)/(.+)$') { throw \"Application artifact must be an s3://bucket/key URI, got '$artifact'\" }",
    '$bucket = $Matches[1]',
    '$key = $Matches[2]',
    '$downloadDir = Join-Path ([IO.Path]::GetTempPath()) ([Guid]::NewGuid().ToString())',
    'New-Item -ItemType Directory -Path $downloadDir | Out-Null',
    // Expand-Archive refuses a file whose name does not end in .zip.
    `$archive = Join-Path $downloadDir 'artifact.${install.archiveFormat}'`,
    // AWS Tools for PowerShell is installed on all AWS Windows AMIs:
    // https://docs.aws.amazon.com/powershell/v5/userguide/pstools-getting-set-up-windows.html
    'Read-S3Object -BucketName $bucket -Key $key -File $archive | Out-Null',
    'New-Item -ItemType Directory -Path $appDir -Force | Out-Null',
    ...unpackCommands(install.archiveFormat),
    'Remove-Item -Path $downloadDir -Recurse -Force',
    'New-Service -Name $serviceName -BinaryPathName $startCommand -StartupType Manual -Description "$serviceName (installed by cdk-immutable-servers)" | Out-Null',
    // A virtual account: this service's own identity, with no password to manage or leak.
    'sc.exe config $serviceName obj= $account',
    checkExitCode('sc.exe could not make service $serviceName run as $account'),
    // The account exists once the service does, so read access is granted only now.
    'icacls.exe $appDir /grant "${account}:(OI)(CI)RX"',
    checkExitCode('icacls.exe could not grant $account read access to $appDir'),
    'sc.exe failure $serviceName reset= 86400 actions= restart/5000/restart/5000/restart/5000',
    checkExitCode('sc.exe could not make service $serviceName restart on failure'),
    'Write-Output "Installed $artifact into $appDir as service $serviceName, run as $account"',
    '',
  ].join('\n');
}

/** Validate-phase script: the service exists and starts manually, so that only an instance's user data starts it, once its environment and data are in place. */
export function renderWindowsServiceEnabledScript(serviceName: string): string {
  return [
    ...PREAMBLE,
    `$serviceName = ${powerShellString(serviceName)}`,
    '$service = Get-Service -Name $serviceName -ErrorAction SilentlyContinue',
    'if ($null -eq $service) { throw "Service $serviceName does not exist: the build did not install it." }',
    "if ($service.StartType -ne 'Manual') {",
    '  throw "Service $serviceName starts $($service.StartType), not Manual: Windows would start it at boot, before user data has written its environment and readied its data."',
    '}',
    'Write-Output "Service $serviceName starts manually, from user data"',
    '',
  ].join('\n');
}

/**
 * Test-phase script, on a fresh instance of the new image: the service, started here as an
 * instance's user data starts it, is running within a bounded number of attempts and still running
 * two intervals later, so that a service that the recovery actions keep restarting does not pass on
 * a lucky probe.
 */
export function renderWindowsServiceRunningScript(serviceName: string, attempts: number, intervalSeconds: number): string {
  const settleSeconds = 2 * intervalSeconds;
  return [
    ...PREAMBLE,
    `$serviceName = ${powerShellString(serviceName)}`,
    `$attempts = ${attempts}`,
    `$intervalSeconds = ${intervalSeconds}`,
    `$settleSeconds = ${settleSeconds}`,
    // A service that fails to start may still come up through its recovery actions: the attempts decide.
    'try { Start-Service -Name $serviceName } catch { Write-Output "Service $serviceName did not start at once ($($_.Exception.Message)); polling its status" }',
    'for ($attempt = 1; $attempt -le $attempts; $attempt++) {',
    '  $status = (Get-Service -Name $serviceName).Status',
    "  if ($status -eq 'Running') {",
    '    Write-Output "Service $serviceName is running (attempt $attempt of $attempts); checking that it stays up for ${settleSeconds}s"',
    '    Start-Sleep -Seconds $settleSeconds',
    '    $status = (Get-Service -Name $serviceName).Status',
    "    if ($status -ne 'Running') { throw \"Service $serviceName did not stay up: it was $status ${settleSeconds}s after running.\" }",
    '    Write-Output "Service $serviceName stays running"',
    '    exit 0',
    '  }',
    '  Start-Sleep -Seconds $intervalSeconds',
    '}',
    'throw "Service $serviceName did not reach Running within $attempts attempts; its last status was $status: check the System event log for Service Control Manager errors."',
    '',
  ].join('\n');
}

/**
 * Renders a PowerShell script that probes `http://127.0.0.1:<port><path>` until it answers the
 * expected status or the attempts run out, printing each attempt so a failed build log says why.
 */
export function renderWindowsHttpHealthCheckScript(check: HttpHealthCheck): string {
  validateHttpHealthCheck(check);
  return [
    ...PREAMBLE,
    `$url = ${powerShellString(`http://127.0.0.1:${check.port}${check.path}`)}`,
    `$expectedStatus = ${check.expectedStatus}`,
    `$attempts = ${check.attempts}`,
    `$intervalSeconds = ${check.intervalSeconds}`,
    'for ($attempt = 1; $attempt -le $attempts; $attempt++) {',
    '  try {',
    '    $status = [int](Invoke-WebRequest -Uri $url -UseBasicParsing -TimeoutSec 5).StatusCode',
    '    $answer = "status $status"',
    '  } catch {',
    // Invoke-WebRequest throws for every status from 400 on; the response, if any, is on the exception.
    '    $response = $_.Exception.Response',
    '    if ($null -ne $response) {',
    '      $status = [int]$response.StatusCode',
    '      $answer = "status $status"',
    '    } else {',
    '      $status = $null',
    '      $answer = "no answer ($($_.Exception.Message))"',
    '    }',
    '  }',
    '  if ($status -eq $expectedStatus) {',
    '    Write-Output "Health check passed: $url answered $status on attempt $attempt of $attempts"',
    '    exit 0',
    '  }',
    '  Write-Output "Attempt $attempt of ${attempts}: $url gave $answer, expected $expectedStatus; retrying in ${intervalSeconds}s"',
    '  Start-Sleep -Seconds $intervalSeconds',
    '}',
    'throw "Health check failed: $url did not answer $expectedStatus within $attempts attempts; the last attempt gave $answer."',
    '',
  ].join('\n');
}
