import { App, Size, Stack, aws_ec2 as ec2, aws_kms as kms } from 'aws-cdk-lib';
import { ImageOperatingSystem } from '../../../src/base-image';
import { DataVolumeFileSystem, DataVolumeOptions } from '../../../src/data-volume';
import { DataVolumeContext, dataVolumeFileSystem, validateDataVolume } from '../../../src/private/instances/data-volume-validation';

const linux: DataVolumeContext = {
  operatingSystem: ImageOperatingSystem.LINUX,
  installDirectory: '/opt/web',
  availabilityZones: ['eu-west-1a'],
  region: 'eu-west-1',
};
const windows: DataVolumeContext = { ...linux, operatingSystem: ImageOperatingSystem.WINDOWS, installDirectory: 'C:\\Program Files\\web' };
const volume: DataVolumeOptions = { size: Size.gibibytes(100), mountPath: '/var/lib/web' };
const stack = new Stack(new App(), 'Web', { env: { account: '111111111111', region: 'eu-west-1' } });

describe('validateDataVolume', () => {
  test.each<[string, DataVolumeOptions, DataVolumeContext]>([
    ['a gp3 volume on Linux', volume, linux],
    ['a gp3 volume at the largest size, IOPS and throughput', { ...volume, size: Size.gibibytes(65_536), iops: 80_000, throughput: 2_000 }, linux],
    ['an io2 volume with its IOPS', { ...volume, volumeType: ec2.EbsDeviceVolumeType.IO2, iops: 256_000 }, linux],
    ['an st1 volume of 125 GiB', { ...volume, size: Size.gibibytes(125), volumeType: ec2.EbsDeviceVolumeType.ST1 }, linux],
    ['a drive letter on Windows', { ...volume, mountPath: 'D:' }, windows],
    ['a key of the deployment\'s region', { ...volume, encryptionKey: kms.Key.fromKeyArn(stack, 'Same', 'arn:aws:kms:eu-west-1:111111111111:key/0f2c7a8e-1b2c-4d5e-8f90-123456789abc') }, linux],
  ])('given %s, then it is accepted', (_case, options, context) => {
    expect(() => validateDataVolume(options, context)).not.toThrow();
  });

  test.each<[string, DataVolumeOptions, DataVolumeContext, RegExp]>([
    ['subnets in two Availability Zones', volume, { ...linux, availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1a'] },
      /runs in one Availability Zone, where its volumes are, but its subnets are in eu-west-1a, eu-west-1b: select the subnets of one, for example vpcSubnets: \{ subnetType: \.\.\., availabilityZones: \['eu-west-1a'\] \}/],
    ['a mount path inside the install folder', { ...volume, mountPath: '/opt/web/data' }, linux, /'\/opt\/web\/data' is inside the application's install folder \/opt\/web/],
    ['a Linux path on Windows', volume, windows, /on Windows must be a drive letter from D: to Z:, got '\/var\/lib\/web'/],
    ['the system drive on Windows', { ...volume, mountPath: 'C:' }, windows, /drive letter from D: to Z:, got 'C:'/],
    ['NTFS on Linux', { ...volume, fileSystem: DataVolumeFileSystem.NTFS }, linux, /fileSystem ntfs is not one Linux instances make: use DataVolumeFileSystem.XFS or DataVolumeFileSystem.EXT4/],
    ['ext4 on Windows', { ...volume, mountPath: 'D:', fileSystem: DataVolumeFileSystem.EXT4 }, windows, /fileSystem ext4 is not one Windows instances make: use DataVolumeFileSystem.NTFS/],
    ['a gp3 volume over 64 TiB', { ...volume, size: Size.gibibytes(65_537) }, linux, /size of a gp3 volume must be whole GiB from 1 to 65536, got 65537 GiB/],
    ['a gp2 volume over 16 TiB', { ...volume, size: Size.gibibytes(16_385), volumeType: ec2.EbsDeviceVolumeType.GP2 }, linux, /gp2 volume must be whole GiB from 1 to 16384, got 16385 GiB/],
    ['an st1 volume under 125 GiB', { ...volume, size: Size.gibibytes(124), volumeType: ec2.EbsDeviceVolumeType.ST1 }, linux, /st1 volume must be whole GiB from 125 to 16384, got 124 GiB/],
    ['a size in part of a GiB', { ...volume, size: Size.mebibytes(1536) }, linux, /whole GiB from 1 to 65536, got 1.5 GiB/],
    ['gp3 IOPS under 3,000', { ...volume, iops: 2_999 }, linux, /iops of a gp3 volume must be a whole number from 3000 to 80000, got 2999/],
    ['an io1 volume without IOPS', { ...volume, volumeType: ec2.EbsDeviceVolumeType.IO1 }, linux, /iops is required for a io1 volume, from 100 to 64000/],
    ['IOPS on a gp2 volume', { ...volume, volumeType: ec2.EbsDeviceVolumeType.GP2, iops: 3_000 }, linux, /iops is not a setting of a gp2 volume, got 3000: leave it out/],
    ['throughput on an io2 volume', { ...volume, volumeType: ec2.EbsDeviceVolumeType.IO2, iops: 1_000, throughput: 500 }, linux, /throughput is not a setting of a io2 volume/],
    ['gp3 throughput over 2,000 MiB/s', { ...volume, throughput: 2_001 }, linux, /throughput of a gp3 volume must be a whole number from 125 to 2000, got 2001/],
    ['a magnetic volume', { ...volume, volumeType: ec2.EbsDeviceVolumeType.STANDARD }, linux, /volumeType standard is not one a data volume may have: use gp3, gp2, io1, io2, st1 or sc1/],
    ['a key of another region', { ...volume, encryptionKey: kms.Key.fromKeyArn(stack, 'Other', 'arn:aws:kms:us-east-1:111111111111:key/0f2c7a8e-1b2c-4d5e-8f90-123456789abc') },
      linux, /encryptionKey Web\/Other is a key of us-east-1, and the deployment's volumes are in eu-west-1: give a key of eu-west-1/],
  ])('given %s, then synthesis fails naming the value', (_case, options, context, message) => {
    expect(() => validateDataVolume(options, context)).toThrow(message);
  });
});

describe('dataVolumeFileSystem', () => {
  test('given no file system, then Linux makes XFS and Windows NTFS', () => {
    expect(dataVolumeFileSystem(volume, ImageOperatingSystem.LINUX)).toBe(DataVolumeFileSystem.XFS);
    expect(dataVolumeFileSystem(volume, ImageOperatingSystem.WINDOWS)).toBe(DataVolumeFileSystem.NTFS);
  });
});
