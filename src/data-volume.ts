import { RemovalPolicy, Size, aws_ec2 as ec2, aws_kms as kms } from 'aws-cdk-lib';

/** File system of a data volume. */
export enum DataVolumeFileSystem {
  /** XFS, Amazon Linux 2023's own file system (Linux). */
  XFS = 'xfs',
  /** ext4 (Linux). */
  EXT4 = 'ext4',
  /** NTFS (Windows). */
  NTFS = 'ntfs',
}

/**
 * A data volume per instance that outlives the instances using it: the application's state, kept
 * while releases replace the instances around it. The root volume stays the released AMI's.
 *
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html
 */
export interface DataVolumeOptions {
  /** Size of each instance's data volume, in whole GiB, within the range of its volume type. */
  readonly size: Size;

  /**
   * Where the instance mounts the volume: on Linux an absolute path outside the application's
   * install folder and the system's folders (such as `/var/lib/<application>`); on Windows a drive
   * letter from `D:` to `Z:`.
   */
  readonly mountPath: string;

  /**
   * Volume type: gp3, gp2, io1, io2, st1 or sc1.
   *
   * @default ec2.EbsDeviceVolumeType.GP3
   */
  readonly volumeType?: ec2.EbsDeviceVolumeType;

  /**
   * Provisioned IOPS: required for io1 and io2, optional for gp3, refused for the others.
   *
   * @default - 3,000 for gp3
   */
  readonly iops?: number;

  /**
   * Throughput in MiB/s, gp3 only.
   *
   * @default - 125 for gp3
   */
  readonly throughput?: number;

  /**
   * File system made on an empty volume.
   *
   * @default DataVolumeFileSystem.XFS on Linux, DataVolumeFileSystem.NTFS on Windows
   */
  readonly fileSystem?: DataVolumeFileSystem;

  /**
   * Customer-managed key that encrypts the volumes, of the deployment's region. Volumes are
   * always encrypted.
   *
   * @default - the account's default EBS key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Whether a release snapshots every data volume before it replaces an instance, the way back
   * when a release changes the data's format (a stack rollback restores the AMI, never the data).
   *
   * @default true
   */
  readonly snapshotBeforeRelease?: boolean;

  /**
   * What happens to the volumes, and the data on them, when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
