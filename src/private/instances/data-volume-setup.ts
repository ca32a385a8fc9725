/**
 * What an instance readies of the data volume that the launching workflow attached to it, on either
 * operating system: the user data waits for the disk, makes a file system only on a provably empty
 * one, and otherwise mounts only a volume whose marker names this application and environment.
 */
export interface DataVolumeSetup {
  /** Where the volume is mounted: an absolute path on Linux, a drive letter such as `D:` on Windows. */
  readonly mountPath: string;
  /** File system made on a volume that is provably empty. */
  readonly fileSystem: 'xfs' | 'ext4' | 'ntfs';
  /** Application and environment the volume belongs to: written in its marker, checked on every mount. */
  readonly applicationName: string;
  readonly environmentName: string;
  /** How long to wait for the attached volume's disk to appear. */
  readonly deviceTimeoutSeconds: number;
  /** The device name the volume is attached as, which a Linux disk keeps on Xen instance types. */
  readonly device: string;
}

/** Name of the marker file at the root of a data volume, naming the application and environment it holds the data of. */
export const DATA_VOLUME_MARKER = '.immutable-servers-data-volume';

/** The marker's one line. */
export function dataVolumeIdentity(volume: DataVolumeSetup): string {
  return `application=${volume.applicationName} environment=${volume.environmentName}`;
}

/** Exit status of the user data when the volume holds data it cannot vouch for: it is left unmounted. */
export const FOREIGN_VOLUME_EXIT = 3;
/** Exit status of the user data when no data volume appeared in time. */
export const NO_DEVICE_EXIT = 4;
