import { execFileSync } from 'child_process';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createStatefulServiceApp } from '../../examples/stateful/app';
import { onlyOfType, resourcesOfType } from '../helpers/deployment-stack';

const SERVICE = path.join(__dirname, '..', '..', 'examples', 'stateful', 'service');

describe('stateful example', () => {
  const app = createStatefulServiceApp(new App());
  const production = Template.fromStack(app.node.findChild('Orders-prod') as Stack);

  test('given the deployment, then each of its two slots has a retained volume in the zone of its one subnet, handed over at launch', () => {
    const group = onlyOfType(production, 'AWS::AutoScaling::AutoScalingGroup');
    const volumes = resourcesOfType(production, 'AWS::EC2::Volume');

    expect(group.Properties.VPCZoneIdentifier).toHaveLength(1);
    expect(volumes).toHaveLength(2);
    expect(volumes.map((volume) => volume.DeletionPolicy)).toEqual(['Retain', 'Retain']);
    expect(group.Properties.LifecycleHookSpecificationList).toEqual([expect.objectContaining({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' })]);
  });

  test('given the deployment, then its instances mount the volume where the service keeps its data', () => {
    const userData = JSON.stringify(onlyOfType(production, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.UserData);

    expect(userData).toContain("mount_path='/var/lib/orders'");
    expect(userData).toMatch(/DATA_DIR=\W*\/var\/lib\/orders\W/);
  });

  test('given the service, then its own tests pass: orders one server wrote are there for the next on the same data folder', () => {
    expect(() => execFileSync(process.execPath, ['--test'], { cwd: SERVICE, stdio: 'pipe' })).not.toThrow();
  });
});
