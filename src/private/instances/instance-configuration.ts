import { Token } from 'aws-cdk-lib';
import { DataVolumeSetup } from './data-volume-setup';
import { linuxDataVolumeGuard, linuxDataVolumePreparation } from './linux-data-volume-script';
import { environmentFile } from './service-install-script';
import { windowsDataVolumeSteps } from './windows-data-volume-script';
import { windowsServiceEnvironmentRegistryPath } from './windows-service-scripts';
import { ImageOperatingSystem } from '../../base-image';

/**
 * What an instance of an environment does at boot: nothing is installed, only configuration that
 * differs per environment is written, the data volume readied, and the CloudWatch agent fetches its
 * configuration. On Linux the image orders the service after user data; on Windows the image's
 * service starts manually and user data, which runs at every boot, starts it last.
 */
export interface InstanceConfiguration {
  readonly operatingSystem: ImageOperatingSystem;
  readonly serviceName: string;
  /** Variables for the service; values may hold tokens. */
  readonly environment: Record<string, string>;
  /** SSM parameter holding the CloudWatch agent configuration. */
  readonly agentConfigParameterName: string;
  /**
   * The instance's data volume, readied before the service may start.
   *
   * @default - no data volume
   */
  readonly dataVolume?: DataVolumeSetup;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws naming the first variable whose name or value the service's environment cannot carry. */
export function validateEnvironment(environment: Record<string, string>): void {
  for (const [name, value] of Object.entries(environment)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new Error(`Environment variable names must be letters, digits and '_', not starting with a digit, got '${name}'`);
    }
    if (!Token.isUnresolved(value) && /[\r\n\0]/.test(value)) {
      throw new Error(`Environment variable ${name} must be one line, got ${JSON.stringify(value)}`);
    }
  }
}

/** The user data script (without the `<powershell>` wrapper on Windows). */
export function renderInstanceConfiguration(configuration: InstanceConfiguration): string {
  validateEnvironment(configuration.environment);
  return configuration.operatingSystem === ImageOperatingSystem.WINDOWS
    ? renderWindows(configuration)
    : renderLinux(configuration);
}

function renderLinux({ serviceName, environment, agentConfigParameterName, dataVolume }: InstanceConfiguration): string {
  // systemd's EnvironmentFile: a double-quoted value keeps spaces; \ and " are escaped.
  const lines = Object.entries(environment).map(([name, value]) => `${name}="${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`);
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    ...dataVolume ? [linuxDataVolumeGuard(dataVolume)] : [],
    // Early, so that the boot log of an instance whose data volume is refused reaches the log group.
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c 'ssm:${agentConfigParameterName}'`,
    ...dataVolume ? [linuxDataVolumePreparation(dataVolume)] : [],
    `service_name='${serviceName}'`,
    `environment_file='${environmentFile(serviceName)}'`,
    'install -d -m 0750 -o root -g "$service_name" "$(dirname "$environment_file")"',
    // A quoted heredoc: values are written verbatim, nothing in them is expanded.
    'cat > "$environment_file" <<\'ENVIRONMENT\'',
    ...lines,
    'ENVIRONMENT',
    'chown root:"$service_name" "$environment_file"',
    'chmod 0640 "$environment_file"',
    // No restart: the image orders the service after cloud-final, so it starts once this script
    // is done, with the file above (a restart here would wait on this script and never return).
    '',
  ].join('\n');
}

function renderWindows({ serviceName, environment, agentConfigParameterName, dataVolume }: InstanceConfiguration): string {
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
  const values = Object.entries(environment).map(([name, value]) => quote(`${name}=${value}`));
  return [
    "$ErrorActionPreference = 'Stop'",
    `$serviceName = ${quote(serviceName)}`,
    // A stateful service must not run until its data is in place, and an image made before the
    // service started manually has Windows start it at boot.
    ...dataVolume ? ['Stop-Service -Name $serviceName'] : [],
    // Early, so that an instance whose data volume is refused still ships its event logs.
    `& "$env:ProgramFiles\\Amazon\\AmazonCloudWatchAgent\\amazon-cloudwatch-agent-ctl.ps1" -a fetch-config -m ec2 -s -c ${quote(`ssm:${agentConfigParameterName}`)}`,
    ...dataVolume ? [windowsDataVolumeSteps(dataVolume)] : [],
    // The Service Control Manager passes this REG_MULTI_SZ value to the service as its environment.
    `New-ItemProperty -Path ${quote(windowsServiceEnvironmentRegistryPath(serviceName))} -Name 'Environment' -PropertyType MultiString -Value @(${values.join(', ')}) -Force | Out-Null`,
    // Starts the stopped service, and restarts one that an image made before it started manually ran at boot.
    'Restart-Service -Name $serviceName',
    '',
  ].join('\n');
}

/**
 * The CloudWatch agent configuration of an environment: the application's log files (on Linux its
 * service's output among them) and the boot log to the environment's log group, on Windows the
 * Application event log (where a Windows service writes, .NET's `UseWindowsService` included) and
 * the System event log (the Service Control Manager's starts, stops and crashes), each in a stream
 * named after the instance; and a process count of the application per Auto Scaling group, which
 * the "process down" alarm watches.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-procstat-process-metrics.html
 */
export function renderAgentConfiguration(options: {
  operatingSystem: ImageOperatingSystem;
  serviceName: string;
  logGroupName: string;
  processPattern: string;
}): Record<string, unknown> {
  const windows = options.operatingSystem === ImageOperatingSystem.WINDOWS;
  const logFiles = windows
    ? [{ file_path: `C:\\ProgramData\\${options.serviceName}\\logs\\**.log`, stream: 'application' }]
    : [
      { file_path: `/var/log/${options.serviceName}/**.log`, stream: 'application' },
      { file_path: '/var/log/cloud-init-output.log', stream: 'boot' },
    ];
  const eventLogs = windows ? {
    windows_events: {
      collect_list: [
        { event_name: 'Application', event_levels: ['INFORMATION', 'WARNING', 'ERROR', 'CRITICAL'], stream: 'windows-application' },
        { event_name: 'System', event_levels: ['WARNING', 'ERROR', 'CRITICAL'], stream: 'windows-system' },
      ].map(({ stream, ...events }) => ({ ...events, log_group_name: options.logGroupName, log_stream_name: `{instance_id}/${stream}` })),
    },
  } : {};
  return {
    agent: { metrics_collection_interval: 60 },
    logs: {
      logs_collected: {
        files: {
          collect_list: logFiles.map(({ file_path, stream }) => ({
            file_path,
            log_group_name: options.logGroupName,
            log_stream_name: `{instance_id}/${stream}`,
          })),
        },
        ...eventLogs,
      },
    },
    metrics: {
      namespace: AGENT_NAMESPACE,
      append_dimensions: { AutoScalingGroupName: '${aws:AutoScalingGroupName}', InstanceId: '${aws:InstanceId}' },
      // Rolled up per group: the alarm watches the group, whichever instances it has.
      aggregation_dimensions: [['AutoScalingGroupName']],
      metrics_collected: {
        procstat: [{ pattern: options.processPattern, measurement: ['pid_count'] }],
      },
    },
  };
}

/** Namespace and name of the process count the agent reports. */
export const AGENT_NAMESPACE = 'CWAgent';
export const PROCESS_COUNT_METRIC = 'procstat_lookup_pid_count';
