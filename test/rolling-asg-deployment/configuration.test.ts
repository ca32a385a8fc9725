import { Fn } from 'aws-cdk-lib';
import { flattenIntrinsics } from '../../scripts/lib/intrinsics';
import { powerShellSyntaxErrors } from '../../scripts/lib/powershell-syntax';
import { shellcheck } from '../../scripts/lib/shellcheck';
import { ImageOperatingSystem } from '../../src';
import { serviceOutputFile } from '../../src/private/instances/service-install-script';
import { deploymentStack, launchTemplateUserData, onlyOfType } from '../helpers/deployment-stack';

describe('RollingAsgDeployment configuration', () => {
  test('given environment variables, then user data writes them, quoted, to the service\'s environment file and leaves starting the service to systemd', () => {
    const script = launchTemplateUserData(deploymentStack({ environment: { GREETING: 'hello "world"', LOG_LEVEL: 'info' } }).template);

    expect(script).toContain([
      "cat > \"$environment_file\" <<'ENVIRONMENT'",
      'IMMUTABLE_SERVERS_ENVIRONMENT="prod"',
      'IMMUTABLE_SERVERS_CONFIG_PATH="/immutable-servers/web/prod/config"',
      'GREETING="hello \\"world\\""',
      'LOG_LEVEL="info"',
      'ENVIRONMENT',
    ].join('\n'));
    expect(script).toContain("environment_file='/etc/web/environment'");
    // The image orders the service after cloud-final: a restart from user data would deadlock.
    expect(script).not.toMatch(/systemctl (re)?start/);
  });

  test('given a variable from a deploy-time token, then user data carries the reference', () => {
    const { template } = deploymentStack({ environment: { DATABASE_HOST: Fn.importValue('DatabaseHost') } });
    const encoded = onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData;

    expect(JSON.stringify(encoded)).toContain('{"Fn::ImportValue":"DatabaseHost"}');
  });

  test('given a Linux deployment, then user data fetches the agent configuration from SSM and passes shellcheck', () => {
    const { template } = deploymentStack({ environment: { GREETING: 'it\'s $HOME' } });
    const script = launchTemplateUserData(template);

    expect(script).toMatch(/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c 'ssm:CFN_REF_WebAgentConfig\w+'/);
    expect(shellcheck(script)).toEqual([]);
  });

  test('given the agent configuration, then it ships the application logs and boot log to the environment log group and counts the process', () => {
    const { template } = deploymentStack();
    const parameter = Object.values(template.findResources('AWS::SSM::Parameter'))[0];
    const config = JSON.parse(String(flattenIntrinsics(parameter.Properties.Value)));

    expect(config.logs.logs_collected.files.collect_list.map((entry: any) => entry.file_path)).toEqual(['/var/log/web/**.log', '/var/log/cloud-init-output.log']);
    expect(config.logs.logs_collected.files.collect_list[0].log_group_name).toMatch(/^CFN_REF_WebLogs/);
    // Each instance's lines in streams named after it; the service's own output is among the application's files.
    expect(config.logs.logs_collected.files.collect_list.map((entry: any) => entry.log_stream_name)).toEqual(['{instance_id}/application', '{instance_id}/boot']);
    expect(serviceOutputFile('web')).toMatch(/^\/var\/log\/web\/[^/]+\.log$/);
    expect(config.logs.logs_collected.windows_events).toBeUndefined();
    expect(config.metrics.metrics_collected.procstat).toEqual([{ pattern: '/opt/web/', measurement: ['pid_count'] }]);
    expect(config.metrics.aggregation_dimensions).toEqual([['AutoScalingGroupName']]);
  });

  test('given a Windows deployment, then the agent ships the Application and System event logs, where the service writes and its starts and crashes are, per instance', () => {
    const { template } = deploymentStack({ operatingSystem: ImageOperatingSystem.WINDOWS });
    const parameter = Object.values(template.findResources('AWS::SSM::Parameter'))[0];
    const config = JSON.parse(String(flattenIntrinsics(parameter.Properties.Value)));

    expect(config.logs.logs_collected.windows_events.collect_list).toEqual([
      expect.objectContaining({ event_name: 'Application', event_levels: ['INFORMATION', 'WARNING', 'ERROR', 'CRITICAL'], log_stream_name: '{instance_id}/windows-application' }),
      expect.objectContaining({ event_name: 'System', event_levels: ['WARNING', 'ERROR', 'CRITICAL'], log_stream_name: '{instance_id}/windows-system' }),
    ]);
    expect(config.logs.logs_collected.windows_events.collect_list[0].log_group_name).toMatch(/^CFN_REF_WebLogs/);
  });

  test('given a Windows deployment, then user data, at every boot, sets the service\'s registry environment in PowerShell that parses, and starts it', () => {
    const { template } = deploymentStack({ operatingSystem: ImageOperatingSystem.WINDOWS, environment: { GREETING: "it's" } });
    const script = launchTemplateUserData(template);
    const body = script.replace(/^<powershell>\n/, '').replace(/<\/powershell>\n<persist>true<\/persist>$/, '');

    // The image's service starts manually: after a reboot too, only user data starts it.
    expect(script).toMatch(/^<powershell>\n[^]*<\/powershell>\n<persist>true<\/persist>$/);
    expect(body).toContain("New-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\web' -Name 'Environment' -PropertyType MultiString");
    expect(body).toContain("'GREETING=it''s'");
    expect(body).toContain('Restart-Service -Name $serviceName');
    expect(powerShellSyntaxErrors([body])).toEqual([[]]);
    expect(onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.BlockDeviceMappings[0]).toMatchObject({ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 50 } });
  });
});
