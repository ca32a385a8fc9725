import { Token, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { validateLinuxMountPath } from './linux-data-volume-script';
import { ImageOperatingSystem } from '../../base-image';
import { DataVolumeFileSystem, DataVolumeOptions } from '../../data-volume';

interface Range {
  readonly min: number;
  readonly max: number;
}

/** What each volume type allows, as EC2's CreateVolume documents it (botocore's ec2 2016-11-15 model). */
interface VolumeTypeLimits {
  readonly sizeGib: Range;
  /** Undefined: the type takes no IOPS. */
  readonly iops?: Range & { readonly required: boolean };
  readonly throughput?: Range;
}

/** @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html */
const VOLUME_TYPE_LIMITS: Partial<Record<ec2.EbsDeviceVolumeType, VolumeTypeLimits>> = {
  [ec2.EbsDeviceVolumeType.GP3]: {
    sizeGib: { min: 1, max: 65_536 },
    iops: { min: 3_000, max: 80_000, required: false },
    throughput: { min: 125, max: 2_000 },
  },
  [ec2.EbsDeviceVolumeType.GP2]: { sizeGib: { min: 1, max: 16_384 } },
  [ec2.EbsDeviceVolumeType.IO1]: { sizeGib: { min: 4, max: 16_384 }, iops: { min: 100, max: 64_000, required: true } },
  [ec2.EbsDeviceVolumeType.IO2]: { sizeGib: { min: 4, max: 65_536 }, iops: { min: 100, max: 256_000, required: true } },
  [ec2.EbsDeviceVolumeType.ST1]: { sizeGib: { min: 125, max: 16_384 } },
  [ec2.EbsDeviceVolumeType.SC1]: { sizeGib: { min: 125, max: 16_384 } },
};

/** What a data volume is checked against: the deployment it belongs to. */
export interface DataVolumeContext {
  readonly operatingSystem: ImageOperatingSystem;
  /** The application's install folder, which a Linux mount path must stay out of. */
  readonly installDirectory: string;
  /** Availability Zones of the group's subnets (tokens are not checked). */
  readonly availabilityZones: string[];
  /** Region of the deployment's stack (a token is not checked). */
  readonly region: string;
}

/** Synth-time errors for a data volume, each naming the value and the fix. */
export function validateDataVolume(volume: DataVolumeOptions, context: DataVolumeContext): void {
  validateZones(context.availabilityZones);
  validateMountPath(volume, context);
  validateFileSystem(volume, context.operatingSystem);
  validateVolumeType(volume);
  validateKeyRegion(volume, context.region);
}

/** The file system made on an empty volume: the one given, or the operating system's own. */
export function dataVolumeFileSystem(volume: DataVolumeOptions, operatingSystem: ImageOperatingSystem): DataVolumeFileSystem {
  return volume.fileSystem ?? (operatingSystem === ImageOperatingSystem.WINDOWS ? DataVolumeFileSystem.NTFS : DataVolumeFileSystem.XFS);
}

/** A volume lives in one Availability Zone, and an instance attaches only volumes of its own. */
function validateZones(zones: string[]): void {
  const literal = [...new Set(zones.filter((zone) => !Token.isUnresolved(zone)))];
  if (literal.length > 1) {
    throw new Error(`A deployment with a data volume runs in one Availability Zone, where its volumes are, but its subnets are in ${literal.join(', ')}: `
      + `select the subnets of one, for example vpcSubnets: { subnetType: ..., availabilityZones: ['${literal[0]}'] }`);
  }
}

function validateMountPath(volume: DataVolumeOptions, context: DataVolumeContext): void {
  if (Token.isUnresolved(volume.mountPath)) throw new Error('dataVolume.mountPath must be a literal: the instances\' scripts name it');
  if (context.operatingSystem === ImageOperatingSystem.WINDOWS) {
    if (!/^[D-Z]:$/.test(volume.mountPath)) {
      throw new Error(`dataVolume.mountPath on Windows must be a drive letter from D: to Z:, got '${volume.mountPath}'`);
    }
    return;
  }
  validateLinuxMountPath(volume.mountPath, context.installDirectory);
}

function validateFileSystem(volume: DataVolumeOptions, operatingSystem: ImageOperatingSystem): void {
  const windows = operatingSystem === ImageOperatingSystem.WINDOWS;
  const fileSystem = dataVolumeFileSystem(volume, operatingSystem);
  if (windows !== (fileSystem === DataVolumeFileSystem.NTFS)) {
    throw new Error(`dataVolume.fileSystem ${fileSystem} is not one ${windows ? 'Windows' : 'Linux'} instances make: `
      + `use ${windows ? 'DataVolumeFileSystem.NTFS' : 'DataVolumeFileSystem.XFS or DataVolumeFileSystem.EXT4'}`);
  }
}

function validateVolumeType(volume: DataVolumeOptions): void {
  const type = volume.volumeType ?? ec2.EbsDeviceVolumeType.GP3;
  const limits = VOLUME_TYPE_LIMITS[type];
  if (limits === undefined) {
    throw new Error(`dataVolume.volumeType ${type} is not one a data volume may have: use gp3, gp2, io1, io2, st1 or sc1`);
  }
  // Size.toGibibytes refuses a fraction with its own message; the range is worth naming too.
  const size = volume.size.toMebibytes() / 1024;
  if (!Number.isInteger(size) || size < limits.sizeGib.min || size > limits.sizeGib.max) {
    throw new Error(`dataVolume.size of a ${type} volume must be whole GiB from ${limits.sizeGib.min} to ${limits.sizeGib.max}, got ${size} GiB`);
  }
  checkSetting('iops', volume.iops, type, limits.iops);
  checkSetting('throughput', volume.throughput, type, limits.throughput);
}

function checkSetting(name: string, value: number | undefined, type: string, range: (Range & { required?: boolean }) | undefined): void {
  if (value === undefined) {
    if (range?.required) throw new Error(`dataVolume.${name} is required for a ${type} volume, from ${range.min} to ${range.max}`);
    return;
  }
  if (range === undefined) throw new Error(`dataVolume.${name} is not a setting of a ${type} volume, got ${value}: leave it out`);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new Error(`dataVolume.${name} of a ${type} volume must be a whole number from ${range.min} to ${range.max}, got ${value}`);
  }
}

/** EBS encrypts a volume only with a key of its own region. */
function validateKeyRegion(volume: DataVolumeOptions, region: string): void {
  const keyRegion = volume.encryptionKey?.env.region;
  if (keyRegion !== undefined && !Token.isUnresolved(keyRegion) && !Token.isUnresolved(region) && keyRegion !== region) {
    throw new Error(`dataVolume.encryptionKey ${volume.encryptionKey!.node.path} is a key of ${keyRegion}, and the deployment's volumes are in ${region}: `
      + `give a key of ${region}`);
  }
}
