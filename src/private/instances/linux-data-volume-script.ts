import { posix } from 'path';
import { DATA_VOLUME_MARKER, DataVolumeSetup, FOREIGN_VOLUME_EXIT, NO_DEVICE_EXIT, dataVolumeIdentity } from './data-volume-setup';

/** Folders a data volume must not be mounted on or inside: the system's own. */
const SYSTEM_PATHS = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/run', '/sbin', '/sys', '/usr'];

/**
 * Synth-time check of a data volume's mount path: absolute and normalized, not the file system
 * root nor a system folder, and neither equal to nor inside the application's install folder, whose
 * contents are the image's and are replaced by every release.
 */
export function validateLinuxMountPath(mountPath: string, installDirectory: string): void {
  const normalized = posix.normalize(mountPath);
  if (!/^[A-Za-z0-9._/-]+$/.test(mountPath)) {
    throw new Error(`dataVolume.mountPath may only hold letters, digits and . _ - /, got '${mountPath}'`);
  }
  if (!posix.isAbsolute(mountPath) || normalized !== mountPath.replace(/\/+$/, '') || normalized === '/') {
    throw new Error(`dataVolume.mountPath must be an absolute, normalized path other than '/', such as /var/lib/<application>; got '${mountPath}'`);
  }
  const within = (folder: string) => normalized === folder || normalized.startsWith(`${folder}/`);
  if (within(installDirectory)) {
    throw new Error(`dataVolume.mountPath '${mountPath}' is inside the application's install folder ${installDirectory}, which each release replaces with `
      + `the image's: mount the data elsewhere, such as /var/lib/${posix.basename(installDirectory)}`);
  }
  const system = SYSTEM_PATHS.find(within);
  if (system !== undefined) {
    throw new Error(`dataVolume.mountPath '${mountPath}' is inside the system folder ${system}: mount the data elsewhere, such as /var/lib/${posix.basename(installDirectory)}`);
  }
}

/**
 * The user data part that readies the data volume before the service may start: first makes the
 * service's start require the volume mounted with its marker (a drop-in), then waits for the one
 * EBS disk that is not the root disk (the launching workflow attaches it while the instance is in
 * Pending:Wait), makes a file system and a marker only on a volume that is provably empty (no
 * signature `blkid` can probe, and its first MiB all zeros), and otherwise mounts the volume only
 * when its marker names this application and environment. A volume that holds anything else is
 * left unmounted and the script exits non-zero, so that no instance runs the service over data
 * that is not its own, or over an empty folder in place of its data. The drop-in and an fstab entry
 * keep both true after a reboot, where user data does not run again.
 */
export function renderLinuxDataVolumeScript(volume: DataVolumeSetup): string {
  return `#!/bin/bash\nset -euo pipefail\n${linuxDataVolumeGuard(volume)}\n${linuxDataVolumePreparation(volume)}`;
}

/**
 * The first steps of `renderLinuxDataVolumeScript`, for a script that has set `-euo pipefail`
 * already, and that runs them before any other step that can fail: the image orders the service
 * after cloud-final, which starts it even when user data failed, so the service must require its
 * volume before anything else can go wrong.
 */
export function linuxDataVolumeGuard(volume: DataVolumeSetup): string {
  return `mount_path='${volume.mountPath}'
marker="$mount_path/${DATA_VOLUME_MARKER}"

# The service starts only with the volume mounted and marked as this environment's, whatever happens
# below, and after a reboot too, where user data does not run again (so the drop-in is in /etc, not /run).
drop_in='/etc/systemd/system/${volume.applicationName}.service.d'
mkdir -p "$drop_in"
cat > "$drop_in/data-volume.conf" <<UNIT
[Unit]
RequiresMountsFor=$mount_path
ConditionPathExists=$marker
UNIT
systemctl daemon-reload
`;
}

/** The remaining steps of `renderLinuxDataVolumeScript`, after `linuxDataVolumeGuard`. */
export function linuxDataVolumePreparation(volume: DataVolumeSetup): string {
  return `identity='${dataVolumeIdentity(volume)}'
service_user='${volume.applicationName}'
file_system='${volume.fileSystem}'
deadline=$((SECONDS + ${volume.deviceTimeoutSeconds}))

# The whole disk the root file system is on, so that it is never taken for the data volume.
root_disk="/dev/$(lsblk -no PKNAME "$(findmnt -no SOURCE /)")"

# EBS disks by the model NVMe reports for them (instance store disks report another); on Xen
# instance types, which report none, the disk keeps the name it was attached as.
data_disks() {
  lsblk -dpno NAME,MODEL | awk -v root="$root_disk" -v attached='${volume.device}' \
    '$1 != root && ($0 ~ /Amazon Elastic Block Store/ || $1 == attached) { print $1 }'
}

device=''
until [ -n "$device" ]; do
  disks=$(data_disks)
  if [ "$(printf '%s' "$disks" | grep -c .)" -gt 1 ]; then
    echo "More than one data disk is attached ($(printf '%s' "$disks" | tr '\n' ' ')): refusing to choose" >&2
    exit ${FOREIGN_VOLUME_EXIT}
  fi
  device=$disks
  if [ -z "$device" ]; then
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "No data volume appeared within ${volume.deviceTimeoutSeconds} seconds: the service is not started" >&2
      exit ${NO_DEVICE_EXIT}
    fi
    sleep 2
  fi
done

mkdir -p "$mount_path"
# blkid -p exits 2 when it finds no signature; a volume with none may still hold data, so its first MiB must be zeros too.
if ! blkid -p "$device" > /dev/null 2>&1 && cmp -s -n 1048576 "$device" /dev/zero; then
  echo "Data volume $device is empty: making a $file_system file system"
  mkfs -t "$file_system" "$device" > /dev/null
  mount "$device" "$mount_path"
  printf '%s\\n' "$identity" > "$marker"
  sync
else
  if ! mount "$device" "$mount_path"; then
    echo "Data volume $device is not empty and holds no file system this instance can mount: it is left as it is and the service is not started" >&2
    exit ${FOREIGN_VOLUME_EXIT}
  fi
  if [ "$(cat "$marker" 2>/dev/null)" != "$identity" ]; then
    umount "$mount_path"
    echo "Data volume $device is not empty and its marker $marker does not name $identity: it is left unmounted and the service is not started" >&2
    exit ${FOREIGN_VOLUME_EXIT}
  fi
  echo "Data volume $device holds the data of $identity: mounted on $mount_path"
fi
# The service runs as its own user (and group: "user:"), and a new file system's root is root's.
chown "$service_user:" "$mount_path"
chmod 0750 "$mount_path"

# A reboot keeps the volume attached but not mounted: fstab mounts it again by its UUID. nofail,
# because a volume that is gone must fail the service's start (RequiresMountsFor), not the boot.
uuid=$(blkid -s UUID -o value "$device")
if ! grep -qs "^UUID=$uuid " /etc/fstab; then
  echo "UUID=$uuid $mount_path $file_system defaults,nofail 0 0" >> /etc/fstab
fi
`;
}
