import { App, RemovalPolicy, Size, Stack, aws_kms as kms } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnVolume } from 'aws-cdk-lib/aws-ec2';
import { DataVolumeOptions } from '../../../src/data-volume';
import { DataVolumes } from '../../../src/private/instances/data-volumes';

function volumes(options: (stack: Stack) => Partial<DataVolumeOptions> = () => ({})) {
  const stack = new Stack(new App(), 'WebProd', { env: { account: '111111111111', region: 'eu-west-1' } });
  new DataVolumes(stack, 'Data', {
    volume: { size: Size.gibibytes(100), mountPath: '/var/lib/web', ...options(stack) },
    applicationName: 'web',
    environmentName: 'prod',
    stackName: 'WebProd',
    slots: 3,
    availabilityZone: 'eu-west-1a',
  });
  return { stack, template: Template.fromStack(stack) };
}

describe('DataVolumes', () => {
  test('given three slots, then three encrypted gp3 volumes in the zone, tagged with the application, environment, stack and slot, retained by default', () => {
    const found = Object.values<any>(volumes().template.findResources('AWS::EC2::Volume'));

    expect(found).toHaveLength(3);
    found.forEach((resource, index) => {
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(resource.Properties).toMatchObject({ AvailabilityZone: 'eu-west-1a', Size: 100, VolumeType: 'gp3', Encrypted: true });
      expect(resource.Properties.Tags).toEqual(expect.arrayContaining([
        { Key: 'immutable-servers:application', Value: 'web' },
        { Key: 'immutable-servers:environment', Value: 'prod' },
        { Key: 'immutable-servers:data-volume-of', Value: 'WebProd' },
        { Key: 'immutable-servers:data-volume-slot', Value: String(index + 1) },
      ]));
    });
  });

  test('given two deployments in one stack, then each tags its volumes with a deployment id of its own, and every volume with its zone and key', () => {
    const stack = new Stack(new App(), 'Shop', { env: { account: '111111111111', region: 'eu-west-1' } });
    const props = { volume: { size: Size.gibibytes(10), mountPath: '/var/lib/web' }, environmentName: 'prod', stackName: 'Shop', slots: 1, availabilityZone: 'eu-west-1a' };
    const orders = new DataVolumes(stack, 'Orders', { ...props, applicationName: 'orders' });
    const carts = new DataVolumes(stack, 'Carts', { ...props, applicationName: 'carts', volume: { ...props.volume, encryptionKey: new kms.Key(stack, 'Key') } });
    const resources = Template.fromStack(stack).toJSON().Resources;
    const tags = (volume: CfnVolume) => Object.fromEntries(resources[stack.getLogicalId(volume)].Properties.Tags
      .map((tag: any) => [tag.Key, tag.Value]));

    expect(orders.deploymentId).toMatch(/^Shop-data-volume-[0-9a-f]{8}$/);
    expect(carts.deploymentId).toMatch(/^Shop-data-volume-[0-9a-f]{8}$/);
    expect(orders.deploymentId).not.toBe(carts.deploymentId);
    expect(tags(orders.volumes[0])).toMatchObject({ 'immutable-servers:data-volume-deployment': orders.deploymentId, 'immutable-servers:data-volume-generation': 'eu-west-1a/aws/ebs' });
    expect(tags(carts.volumes[0])['immutable-servers:data-volume-generation']).toEqual({ 'Fn::Join': ['/', ['eu-west-1a', { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] }]] });
  });

  test('given a key, IOPS, throughput and a destroy policy, then every volume takes them', () => {
    const { template, stack } = volumes((scope) => ({
      iops: 6000, throughput: 500, removalPolicy: RemovalPolicy.DESTROY, encryptionKey: new kms.Key(scope, 'DataKey'),
    }));
    const keyId = stack.getLogicalId(stack.node.findChild('DataKey').node.defaultChild as any);

    for (const resource of Object.values<any>(template.findResources('AWS::EC2::Volume'))) {
      expect(resource).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      expect(resource.Properties).toMatchObject({ Iops: 6000, Throughput: 500, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    }
  });
});
