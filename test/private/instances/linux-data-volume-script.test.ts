import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatShellcheckFinding, shellcheck } from '../../../scripts/lib/shellcheck';
import { DATA_VOLUME_MARKER, DataVolumeSetup, FOREIGN_VOLUME_EXIT, NO_DEVICE_EXIT } from '../../../src/private/instances/data-volume-setup';
import { renderLinuxDataVolumeScript, validateLinuxMountPath } from '../../../src/private/instances/linux-data-volume-script';

const volume: DataVolumeSetup = {
  mountPath: '/var/lib/web',
  fileSystem: 'ext4',
  applicationName: 'web',
  environmentName: 'prod',
  deviceTimeoutSeconds: 300,
  device: '/dev/xvdf',
};

describe('renderLinuxDataVolumeScript', () => {
  test('given a data volume, then the script has no shellcheck finding at any severity', () => {
    expect(shellcheck(renderLinuxDataVolumeScript(volume)).map(formatShellcheckFinding)).toEqual([]);
  });
});

describe('validateLinuxMountPath', () => {
  test.each([
    ['/var/lib/web'],
    ['/data'],
    ['/opt/web-data'],
  ])('given %s, then it is accepted', (mountPath) => {
    expect(() => validateLinuxMountPath(mountPath, '/opt/web')).not.toThrow();
  });

  test.each([
    ['/opt/web', /is inside the application's install folder \/opt\/web, which each release replaces/],
    ['/opt/web/data', /'\/opt\/web\/data' is inside the application's install folder/],
    ['var/lib/web', /must be an absolute, normalized path other than '\/', such as \/var\/lib\/<application>; got 'var\/lib\/web'/],
    ['/var/lib/../web', /normalized path .* got '\/var\/lib\/..\/web'/],
    ['/', /other than '\/'/],
    ['/etc/web', /inside the system folder \/etc/],
    ["/var/lib/we'b", /may only hold letters, digits and . _ - \/, got '\/var\/lib\/we'b'/],
  ])('given %s, then synthesis fails naming it', (mountPath, message) => {
    expect(() => validateLinuxMountPath(mountPath, '/opt/web')).toThrow(message);
  });
});

/**
 * The script run as root against loop devices standing in for EBS volumes: `lsblk` and `findmnt`
 * are replaced on PATH by fakes that describe the loop devices as the root disk and EBS disks, the
 * way NVMe reports them on an instance; blkid, mkfs, mount and cmp are the real ones. Skipped only
 * where loop devices cannot be used (not root), which CI's machine is not.
 */
/** A user every Linux machine has, standing in for the service's own. */
const SERVICE_USER = 'nobody';
const asRoot = process.getuid?.() === 0 && fs.existsSync('/dev/loop-control') ? describe : describe.skip;

asRoot('renderLinuxDataVolumeScript run against loop devices', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'data-volume-'));
  const attached: string[] = [];
  // This machine's /etc is not the instance's: the script's two system files are redirected here.
  const systemdDirectory = path.join(work, 'systemd');
  const fstab = path.join(work, 'fstab');
  const dropIn = path.join(systemdDirectory, 'web.service.d', 'data-volume.conf');

  function loopDevice(name: string, megabytes: number): string {
    const image = path.join(work, `${name}.img`);
    execFileSync('truncate', ['-s', `${megabytes}M`, image]);
    const device = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf-8' }).trim();
    attached.push(device);
    return device;
  }

  /**
   * Runs the script for `identity` with `dataDisks` reported as the attached EBS disks (and `xenDisks` as
   * disks with no model, as on Xen instance types); returns its status and output.
   */
  function run(dataDisks: string[], identity: Partial<DataVolumeSetup> = {}, xenDisks: string[] = []) {
    const bin = fs.mkdtempSync(path.join(work, 'bin-'));
    const disks = ['/dev/fakeroot Amazon Elastic Block Store', '/dev/fakestore Amazon EC2 NVMe Instance Storage',
      ...dataDisks.map((disk) => `${disk} Amazon Elastic Block Store`), ...xenDisks].join('\n');
    fs.writeFileSync(path.join(bin, 'findmnt'), '#!/bin/sh\necho /dev/fakeroot1\n', { mode: 0o755 });
    // This machine's systemd is not the instance's: the drop-in's reload is recorded, not made.
    fs.writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> ${path.join(work, 'systemctl.log')}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'lsblk'), `#!/bin/sh\ncase "$*" in\n  *PKNAME*) echo fakeroot ;;\n  *) cat <<'DISKS'\n${disks}\nDISKS\n;;\nesac\n`, { mode: 0o755 });
    const mountPath = path.join(work, 'data');
    const script = renderLinuxDataVolumeScript({ ...volume, mountPath, deviceTimeoutSeconds: 2, ...identity })
      .replace(/\/etc\/systemd\/system/g, systemdDirectory)
      .replace(/\/etc\/fstab/g, fstab)
      // No user `web` here: the volume is handed to one that exists.
      .replace("service_user='web'", `service_user='${SERVICE_USER}'`);
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf-8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    return { status: result.status, output: `${result.stdout}${result.stderr}`, mountPath };
  }

  const isMounted = (mountPath: string) => spawnSync('mountpoint', ['-q', mountPath]).status === 0;
  const unmount = (mountPath: string) => {
    if (isMounted(mountPath)) execFileSync('umount', [mountPath]);
  };

  afterEach(() => {
    unmount(path.join(work, 'data'));
    fs.rmSync(fstab, { force: true });
  });
  afterAll(() => {
    attached.forEach((device) => spawnSync('losetup', ['-d', device]));
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('given an empty volume, then it gets a file system and a marker naming the application and environment, and is mounted', () => {
    const device = loopDevice('blank', 64);

    const { status, output, mountPath } = run([device]);

    expect({ status, output }).toMatchObject({ status: 0, output: expect.stringContaining(`Data volume ${device} is empty: making a ext4 file system`) });
    expect(isMounted(mountPath)).toBe(true);
    expect(fs.readFileSync(path.join(mountPath, DATA_VOLUME_MARKER), 'utf-8')).toBe('application=web environment=prod\n');
    expect(execFileSync('blkid', ['-o', 'value', '-s', 'TYPE', device], { encoding: 'utf-8' }).trim()).toBe('ext4');
  });

  test('given a volume, then the service\'s user owns the mounted file system\'s root, which no one else may read', () => {
    const device = loopDevice('owned', 64);

    const { status, mountPath } = run([device]);

    const owner = execFileSync('stat', ['-c', '%U %a', mountPath], { encoding: 'utf-8' }).trim();
    expect({ status, owner }).toEqual({ status: 0, owner: `${SERVICE_USER} 750` });
  });

  test('given a Xen instance type, whose disks report no model, then the disk with the attached device name is the data volume', () => {
    const device = loopDevice('xen', 64);

    const { status, output } = run([], { device }, [device, '/dev/xvdb']);

    expect({ status, output }).toMatchObject({ status: 0, output: expect.stringContaining(`Data volume ${device} is empty`) });
  });

  test('given a volume it mounted, then a reboot mounts it again: fstab names it once by its UUID, with nofail', () => {
    const device = loopDevice('rebooted', 64);
    unmount(run([device]).mountPath);

    const { status, mountPath } = run([device]);

    const uuid = execFileSync('blkid', ['-o', 'value', '-s', 'UUID', device], { encoding: 'utf-8' }).trim();
    expect(status).toBe(0);
    expect(fs.readFileSync(fstab, 'utf-8')).toBe(`UUID=${uuid} ${mountPath} ext4 defaults,nofail 0 0\n`);
  });

  test('given any volume, then the service is first made to require it mounted with its marker, before anything else is done', () => {
    const { mountPath } = run([]);

    expect(fs.readFileSync(dropIn, 'utf-8'))
      .toBe(`[Unit]\nRequiresMountsFor=${mountPath}\nConditionPathExists=${mountPath}/${DATA_VOLUME_MARKER}\n`);
    expect(fs.readFileSync(path.join(work, 'systemctl.log'), 'utf-8')).toContain('daemon-reload');
  });

  test('given the volume of the same application and environment, then it is mounted with its data, not formatted again', () => {
    const device = loopDevice('ours', 64);
    const first = run([device]);
    fs.writeFileSync(path.join(first.mountPath, 'orders.db'), 'order 1\n');
    unmount(first.mountPath);

    const { status, output, mountPath } = run([device]);

    expect(status).toBe(0);
    expect(output).toContain(`Data volume ${device} holds the data of application=web environment=prod: mounted on ${mountPath}`);
    expect(fs.readFileSync(path.join(mountPath, 'orders.db'), 'utf-8')).toBe('order 1\n');
  });

  test('given the volume of another environment, then it is left unmounted and the script fails', () => {
    const device = loopDevice('theirs', 64);
    unmount(run([device], { environmentName: 'qa' }).mountPath);
    fs.rmSync(fstab);

    const { status, output, mountPath } = run([device]);

    expect(status).toBe(FOREIGN_VOLUME_EXIT);
    expect(output).toContain('its marker');
    expect(output).toContain('does not name application=web environment=prod: it is left unmounted and the service is not started');
    expect(isMounted(mountPath)).toBe(false);
    expect(fs.existsSync(fstab)).toBe(false);
  });

  test('given a volume with data but no file system, then it is neither formatted nor mounted, and the script fails', () => {
    const device = loopDevice('raw', 64);
    const data = Buffer.alloc(4096, 0x5a);
    fs.writeFileSync(device, data);

    const { status, output } = run([device]);

    expect(status).toBe(FOREIGN_VOLUME_EXIT);
    expect(output).toContain('holds no file system this instance can mount: it is left as it is');
    const fd = fs.openSync(device, 'r');
    const head = Buffer.alloc(4096);
    fs.readSync(fd, head, 0, 4096, 0);
    fs.closeSync(fd);
    expect(head.equals(data)).toBe(true);
  });

  test('given no data volume in time, then the script fails saying so', () => {
    const { status, output } = run([]);

    expect(status).toBe(NO_DEVICE_EXIT);
    expect(output).toContain('No data volume appeared within 2 seconds: the service is not started');
  });

  test('given two data disks, then the script refuses to choose', () => {
    const { status, output } = run([loopDevice('one', 64), loopDevice('two', 64)]);

    expect(status).toBe(FOREIGN_VOLUME_EXIT);
    expect(output).toContain('More than one data disk is attached');
  });
});
