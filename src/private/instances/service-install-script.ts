import { Token } from 'aws-cdk-lib';

/** How an application artifact becomes a systemd service on an Amazon Linux image. */
export interface ServiceInstall {
  /** Service name, system user and folder name under /opt. */
  readonly serviceName: string;
  /** `s3://bucket/key` of the zip or tar artifact; the bucket may be a token. */
  readonly artifactS3Uri: string;
  readonly archiveFormat: ArchiveFormat;
  /** Command systemd starts, run from the install folder as the service user. */
  readonly startCommand: string;
  /** dnf packages the application needs at run time. */
  readonly runtimePackages: string[];
}

export type ArchiveFormat = 'zip' | 'tar';

/** Lowercase, starts with a letter, fits a Linux user name (32 characters). */
export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** Users and services of Amazon Linux and the agents every image carries; the install script refuses any other existing one. */
const RESERVED_NAMES = new Set([
  'root', 'bin', 'daemon', 'adm', 'lp', 'sync', 'shutdown', 'halt', 'mail', 'operator', 'games', 'ftp', 'nobody',
  'sshd', 'ec2-user', 'ssm-user', 'chrony', 'dbus', 'rpc', 'rpcuser', 'tss', 'amazon-ssm-agent', 'amazon-cloudwatch-agent', 'cwagent',
]);
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** The archive format of an artifact key, from its extension. */
export function archiveFormatOf(key: string): ArchiveFormat {
  if (/\.zip$/i.test(key)) return 'zip';
  if (/\.(tar|tar\.gz|tgz|tar\.xz|tar\.bz2)$/i.test(key)) return 'tar';
  throw new Error(`Application artifact key must end in .zip, .tar, .tar.gz, .tgz, .tar.xz or .tar.bz2, or the artifact must name its format; got '${key}'`);
}

export function validateServiceInstall(install: ServiceInstall): void {
  if (!SERVICE_NAME.test(install.serviceName)) {
    throw new Error(`Application name must be 1 to 32 lowercase letters, digits or '-', starting with a letter, got '${install.serviceName}'`);
  }
  if (RESERVED_NAMES.has(install.serviceName) || install.serviceName.startsWith('systemd-')) {
    throw new Error(`Application name '${install.serviceName}' is a user or service of the operating system or its agents; choose another`);
  }
  const command = install.startCommand;
  if (!Token.isUnresolved(command) && (command.trim() === '' || /[\r\n]/.test(command))) {
    throw new Error(`Application start command must be one non-empty line, got ${JSON.stringify(command)}`);
  }
  const badPackages = install.runtimePackages.filter((name) => !PACKAGE_NAME.test(name));
  if (badPackages.length > 0) {
    throw new Error(`Runtime package names may only contain letters, digits and . _ + -, got ${badPackages.map((name) => `'${name}'`).join(', ')}`);
  }
}

/** The folder the application is installed into. */
export function installDirectory(serviceName: string): string {
  return `/opt/${serviceName}`;
}

/**
 * The file the service's standard output and error go to: Amazon Linux 2023 keeps the journal on
 * the instance only (no syslog daemon), and the CloudWatch agent ships files, so the unit appends
 * the service's output to a file the agent ships, rotated daily and by size.
 *
 * @see https://docs.aws.amazon.com/linux/al2023/ug/journald.html
 */
export function serviceOutputFile(serviceName: string): string {
  return `/var/log/${serviceName}/service.log`;
}

/** The environment file the service reads; deployments write it, images never contain it. */
export function environmentFile(serviceName: string): string {
  return `/etc/${serviceName}/environment`;
}

/**
 * Renders the build-phase script: runtime packages, a system user, the artifact unpacked into
 * `/opt/<name>`, and an enabled systemd unit that restarts the service when it fails.
 */
export function renderServiceInstallScript(install: ServiceInstall): string {
  validateServiceInstall(install);
  const { serviceName } = install;
  const packages = [...install.runtimePackages, 'logrotate', ...(install.archiveFormat === 'zip' ? ['unzip'] : [])];
  const unpack = install.archiveFormat === 'zip'
    ? 'unzip -q -o "$download_dir/artifact" -d "$app_dir"'
    : 'tar -xf "$download_dir/artifact" -C "$app_dir"';
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `service_name='${serviceName}'`,
    `app_dir='${installDirectory(serviceName)}'`,
    `artifact='${install.artifactS3Uri}'`,
    // A recipe without an artifact has a default that says so; only builds that name theirs install.
    'case "$artifact" in s3://*) ;; *) echo "Application artifact must be an s3://bucket/key URI, got \'$artifact\'" >&2; exit 1 ;; esac',
    `dnf install -y ${[...new Set(packages)].join(' ')}`,
    // An existing user or unit means the name is taken (by the OS, an agent or a layer below):
    // reusing it could run the application as that user or replace that service.
    'if id "$service_name" >/dev/null 2>&1 || systemctl cat "$service_name.service" >/dev/null 2>&1; then',
    '  echo "A user or service named $service_name already exists on the base image; choose another application name." >&2',
    '  exit 1',
    'fi',
    'useradd --system --home-dir "$app_dir" --shell /sbin/nologin "$service_name"',
    'download_dir="$(mktemp -d)"',
    'aws s3 cp "$artifact" "$download_dir/artifact"',
    'mkdir -p "$app_dir" "/etc/$service_name"',
    unpack,
    'rm -rf "$download_dir"',
    'chown -R "$service_name:$service_name" "$app_dir"',
    // A quoted heredoc: the unit is written verbatim, nothing in the start command is expanded.
    'cat > "/etc/systemd/system/$service_name.service" <<\'UNIT\'',
    '[Unit]',
    `Description=${serviceName} (installed by cdk-immutable-servers)`,
    'Wants=network-online.target',
    // After user data (cloud-final), which writes each environment's configuration: the service
    // starts once, with it. User data must therefore never start or restart the service itself.
    'After=network-online.target cloud-final.service',
    '',
    '[Service]',
    `User=${serviceName}`,
    `Group=${serviceName}`,
    `WorkingDirectory=${installDirectory(serviceName)}`,
    // Optional ("-"): written by each environment's deployment, absent in the image itself.
    `EnvironmentFile=-${environmentFile(serviceName)}`,
    // /var/log/<name>, owned by the service's user: the CloudWatch agent ships *.log files from it,
    // the service's own output among them.
    `LogsDirectory=${serviceName}`,
    `StandardOutput=append:${serviceOutputFile(serviceName)}`,
    'StandardError=inherit',
    // systemd expands %-specifiers in ExecStart; %% is a literal %.
    `ExecStart=${install.startCommand.replace(/%/g, '%%')}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    // copytruncate: systemd keeps the file open, so it is copied and emptied rather than moved.
    'cat > "/etc/logrotate.d/$service_name" <<\'ROTATE\'',
    `${serviceOutputFile(serviceName)} {`,
    '  daily',
    '  maxsize 100M',
    '  rotate 7',
    '  missingok',
    '  notifempty',
    '  copytruncate',
    '  compress',
    '  delaycompress',
    '}',
    'ROTATE',
    'systemctl daemon-reload',
    'systemctl enable "$service_name"',
    'echo "Installed $artifact into $app_dir as service $service_name"',
    '',
  ].join('\n');
}

/** Validate-phase script: the service is enabled, so instances of the image start it at boot. */
export function renderServiceEnabledScript(serviceName: string): string {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `if ! systemctl is-enabled --quiet '${serviceName}'; then`,
    `  echo "Service ${serviceName} is not enabled: instances of this image would not start it at boot." >&2`,
    '  exit 1',
    'fi',
    `echo "Service ${serviceName} is enabled"`,
    '',
  ].join('\n');
}

/**
 * Test-phase script, on a fresh instance of the new image: the service becomes active within a
 * bounded number of attempts, then stays active without a restart for two more intervals, so that
 * a service that crashes and is restarted by systemd does not pass on a lucky probe.
 */
export function renderServiceActiveScript(serviceName: string, attempts: number, intervalSeconds: number): string {
  const settleSeconds = 2 * intervalSeconds;
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `service_name='${serviceName}'`,
    'show_log() {',
    // systemd's own messages about the unit are in the journal, the service's output in its file.
    '  journalctl -u "$service_name" --no-pager -n 20 >&2 || true',
    `  tail -n 50 '${serviceOutputFile(serviceName)}' >&2 || true`,
    '}',
    `for attempt in $(seq 1 ${attempts}); do`,
    '  if systemctl is-active --quiet "$service_name"; then',
    `    echo "Service $service_name is active (attempt $attempt of ${attempts}); checking that it stays up for ${settleSeconds}s"`,
    `    sleep ${settleSeconds}`,
    '    restarts="$(systemctl show --property=NRestarts --value "$service_name")"',
    '    if systemctl is-active --quiet "$service_name" && [ "$restarts" = 0 ]; then',
    '      echo "Service $service_name stays active with no restarts"',
    '      exit 0',
    '    fi',
    '    echo "Service $service_name did not stay up: systemd restarted it $restarts times; its log follows." >&2',
    '    show_log',
    '    exit 1',
    '  fi',
    `  sleep ${intervalSeconds}`,
    'done',
    `echo "Service $service_name did not become active within ${attempts} attempts; its log follows." >&2`,
    'show_log',
    'exit 1',
    '',
  ].join('\n');
}
