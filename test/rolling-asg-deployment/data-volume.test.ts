import * as fs from 'fs';
import * as path from 'path';
import { Lazy, Size, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { cfnLint, formatCfnLintFinding } from '../../scripts/lib/cfn-lint';
import { DataVolumeOptions, ImageOperatingSystem, RollingAsgDeploymentProps } from '../../src';
import { DATA_VOLUME_MARKER } from '../../src/private/instances/linux-data-volume-script';
import { deploymentStack, onlyOfType, resourcesOfType } from '../helpers/deployment-stack';
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

    expect(onlyOfType(template, 'AWS::AutoScaling::LifecycleHook').Properties).toMatchObject({
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', DefaultResult: 'ABANDON',
    });
  });

  test('given a data volume, then the user data readies it before anything else, and the service requires it mounted with its marker', () => {
    const { template } = stateful();
    const userData = JSON.stringify(onlyOfType(template, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);

    expect(userData.indexOf("mount_path='/var/lib/web'")).toBeGreaterThan(-1);
    expect(userData.indexOf("mount_path='/var/lib/web'")).toBeLessThan(userData.indexOf("service_name='web'"));
    expect(userData).toContain('ConditionPathExists=$marker');
    expect(userData).toContain(DATA_VOLUME_MARKER);
    expect(userData).toContain("file_system='xfs'");
  });

  test('given no data volume, then no volume, hook or data volume step, and releases launch before terminating', () => {
    const { template } = deploymentStack();

    expect(resourcesOfType(template, 'AWS::EC2::Volume')).toHaveLength(0);
    expect(resourcesOfType(template, 'AWS::AutoScaling::LifecycleHook')).toHaveLength(0);
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

    test('given Windows, then synthesis fails saying the handover is not built there yet', () => {
      expect(() => stateful({ operatingSystem: ImageOperatingSystem.WINDOWS, dataVolume: { ...DATA, mountPath: 'D:' } }))
        .toThrow(/dataVolume is not available on Windows yet/);
    });

    test('given a mount path inside the install folder, then synthesis fails naming it', () => {
      expect(() => stateful({ dataVolume: { ...DATA, mountPath: '/opt/web/data' } })).toThrow(/'\/opt\/web\/data' is inside the application's install folder \/opt\/web/);
    });
  });
});
