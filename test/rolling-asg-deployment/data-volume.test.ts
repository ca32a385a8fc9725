import * as fs from 'fs';
import * as path from 'path';
import { Lazy, Size, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { cfnLint, formatCfnLintFinding } from '../../scripts/lib/cfn-lint';
import { powerShellSyntaxErrors } from '../../scripts/lib/powershell-syntax';
import { DataVolumeFileSystem, DataVolumeOptions, ImageOperatingSystem, RollingAsgDeploymentProps } from '../../src';
import { DATA_VOLUME_MARKER } from '../../src/private/instances/data-volume-setup';
import { deploymentStack, launchTemplateUserData, onlyOfType, resourcesOfType } from '../helpers/deployment-stack';
import { awsSolutionsFindings, isSpecificReason, nagAcknowledgements } from '../helpers/nag';

const DATA: DataVolumeOptions = { size: Size.gibibytes(50), mountPath: '/var/lib/web' };

/** A deployment with a data volume, its group in the first zone of the VPC. */
function stateful(props: Partial<RollingAsgDeploymentProps> = {}) {
  return deploymentStack({ dataVolume: DATA, maxCapacity: 3, ...props }, (_stack, vpc) => ({
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [vpc.availabilityZones[0]] },
  }));
}

describe('RollingAsgDeployment with a data volume', () => {
  test('given a data volume, then one volume per slot of the group, in its one zone', () => {
    const { template, vpc } = stateful();
    const volumes = resourcesOfType(template, 'AWS::EC2::Volume');

    expect(volumes).toHaveLength(3);
    expect(volumes.map((volume) => volume.Properties.AvailabilityZone)).toEqual(Array(3).fill(vpc.availabilityZones[0]));
  });

  test('given a data volume, then releases and health replacements terminate an instance before launching its replacement', () => {
    const { template } = stateful();
    const group = onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup');

    expect(group.UpdatePolicy.AutoScalingInstanceRefresh.Preferences).toMatchObject({ MinHealthyPercentage: 99, MaxHealthyPercentage: 100 });
    expect(group.Properties.InstanceMaintenancePolicy).toEqual({ MinHealthyPercentage: 99, MaxHealthyPercentage: 100 });
  });

  test('given a data volume, then a launching lifecycle hook hands a volume to each new instance', () => {
    const { template } = stateful();

    expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.LifecycleHookSpecificationList).toEqual([
      expect.objectContaining({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', DefaultResult: 'ABANDON' }),
    ]);
  });

  test('given a data volume, then the user data first makes the service require it mounted with its marker, ships its logs, then readies it, '
    + 'before anything else', () => {
    const { template } = stateful();
    const userData = launchTemplateUserData(template);
    const order = ['RequiresMountsFor=$mount_path', 'amazon-cloudwatch-agent-ctl -a fetch-config', 'root_disk=', "service_name='web'"]
      .map((step) => userData.indexOf(step));

    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(userData.indexOf('set -euo pipefail')).toBeLessThan(order[0]);
    expect(userData).toContain('ConditionPathExists=$marker');
    expect(userData).toContain(DATA_VOLUME_MARKER);
    expect(userData).toContain("file_system='xfs'");
  });

  test('given no data volume, then no volume, hook or data volume step, and releases launch before terminating', () => {
    const { template } = deploymentStack();

    expect(resourcesOfType(template, 'AWS::EC2::Volume')).toHaveLength(0);
    expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.LifecycleHookSpecificationList).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('mount_path');
    expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').UpdatePolicy.AutoScalingInstanceRefresh.Preferences)
      .toMatchObject({ MinHealthyPercentage: 100, MaxHealthyPercentage: 200 });
  });

  test('given a data volume, then cdk-nag reports nothing unacknowledged, and each acknowledgement says why', () => {
    const { app } = stateful();

    // The test's own VPC has no flow log: the user's, not the deployment's.
    expect(awsSolutionsFindings(app).filter((finding) => !finding.path.startsWith('WebProd/Vpc/'))).toEqual([]);
    expect(nagAcknowledgements(app).filter((acknowledgement) => !isSpecificReason(acknowledgement.reason))).toEqual([]);
  });

  test('given a data volume, then cfn-lint finds nothing in the stack or its ledger stack', () => {
    const { app } = stateful();
    const directory = app.synth().directory;
    const templates = fs.readdirSync(directory).filter((file) => file.endsWith('.template.json')).map((file) => path.join(directory, file));

    expect(templates).toHaveLength(2);
    // W3010, a literal zone, is what a volume and the one zone of a stateful group are.
    expect(cfnLint(templates).filter((finding) => finding.Rule.Id !== 'W3010').map(formatCfnLintFinding)).toEqual([]);
  });

  describe('on Windows', () => {
    const windows = () => stateful({ operatingSystem: ImageOperatingSystem.WINDOWS, dataVolume: { ...DATA, mountPath: 'E:' } });

    test('given a data volume, then user data stops the service, readies the volume on its drive letter, then starts the service, in PowerShell that parses', () => {
      const script = launchTemplateUserData(windows().template);
      const body = script.replace(/^<powershell>\n/, '').replace(/<\/powershell>\n<persist>true<\/persist>$/, '');
      const order = ['Stop-Service -Name $serviceName', "$driveLetter = 'E'", 'Format-Volume -Partition $partition -FileSystem NTFS', 'Restart-Service -Name $serviceName']
        .map((line) => body.indexOf(line));

      expect(order.every((position) => position >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(body).toContain(`$marker = "\${driveLetter}:\\${DATA_VOLUME_MARKER}"`);
      expect(powerShellSyntaxErrors([body])).toEqual([[]]);
    });

    test('given a data volume, then the handover attaches it with the device name Windows instances take', () => {
      const definitions = JSON.stringify(resourcesOfType(windows().template, 'AWS::StepFunctions::StateMachine').map((machine) => machine.Properties.DefinitionString));

      expect(definitions).toContain('\\"Device\\":\\"xvdf\\"');
      expect(definitions).not.toContain('/dev/xvdf');
    });

    test('given a data volume, then it has one volume per slot and the same handover, hook and terminate-first rollout as on Linux', () => {
      const { template } = windows();

      expect(resourcesOfType(template, 'AWS::EC2::Volume')).toHaveLength(3);
      expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.LifecycleHookSpecificationList).toHaveLength(1);
      expect(onlyOfType(template, 'AWS::AutoScaling::AutoScalingGroup').Properties.InstanceMaintenancePolicy).toEqual({ MinHealthyPercentage: 99, MaxHealthyPercentage: 100 });
    });
  });

  describe('bad input', () => {
    test('given subnets in two zones, then synthesis fails naming them and the fix', () => {
      expect(() => deploymentStack({ dataVolume: DATA })).toThrow(/runs in one Availability Zone, where its volumes are, but its subnets are in dummy1a, dummy1b/);
    });

    test('given a rollout that launches first, then synthesis fails naming its percentages', () => {
      expect(() => stateful({ rollout: { minHealthyPercentage: 100 } })).toThrow(/minHealthyPercentage must be below 100 and maxHealthyPercentage 100, got 100 and 100/);
      expect(() => stateful({ rollout: { minHealthyPercentage: 50, maxHealthyPercentage: 150 } })).toThrow(/got 50 and 150/);
    });

    test('given a maximum capacity that is a token, then synthesis fails: it makes one volume per instance', () => {
      expect(() => stateful({ maxCapacity: Lazy.number({ produce: () => 3 }) })).toThrow(/needs a literal maxCapacity: it makes one volume per instance/);
    });

    test('given Windows and a Linux mount path or file system, then synthesis fails naming it and what Windows takes', () => {
      expect(() => stateful({ operatingSystem: ImageOperatingSystem.WINDOWS })).toThrow(/dataVolume.mountPath on Windows must be a drive letter from D: to Z:, got '\/var\/lib\/web'/);
      expect(() => stateful({ operatingSystem: ImageOperatingSystem.WINDOWS, dataVolume: { ...DATA, mountPath: 'E:', fileSystem: DataVolumeFileSystem.XFS } }))
        .toThrow(/dataVolume.fileSystem xfs is not one Windows instances make: use DataVolumeFileSystem.NTFS/);
    });

    test('given a mount path inside the install folder, then synthesis fails naming it', () => {
      expect(() => stateful({ dataVolume: { ...DATA, mountPath: '/opt/web/data' } })).toThrow(/'\/opt\/web\/data' is inside the application's install folder \/opt\/web/);
    });
  });
});
