// The Linux drive lister over a folder laid out like /dev, /proc and /sys: UUIDs and labels by device, mount points from mountinfo.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linuxDriveLister, parseMountinfo } from '../../electron/engine/drives/linux-drives.ts';
import { macVolumeLister, noDrives } from '../../electron/engine/drives/fallback-drives.ts';
import { systemDriveLister } from '../../electron/engine/drives/system-drives.ts';

const mountinfo = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/root rw',
  '90 27 8:17 / /media/office/BACKUP\\040USB rw,nosuid,nodev,relatime shared:50 - exfat /dev/sdb1 rw,uid=1000',
  '91 27 8:33 /backups /srv/usb-bind rw,relatime - ext4 /dev/sdc1 rw',
  '92 27 253:0 / /mnt/crypt rw,relatime - ext4 /dev/mapper/vault rw',
  'garbage line without separator',
].join('\n');

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-drives-'));
  await mkdir(join(root, 'dev/disk/by-uuid'), { recursive: true });
  await mkdir(join(root, 'dev/disk/by-label'), { recursive: true });
  await mkdir(join(root, 'dev/mapper'), { recursive: true });
  await mkdir(join(root, 'proc/self'), { recursive: true });
  await mkdir(join(root, 'sys/devices/block'), { recursive: true });
  await mkdir(join(root, 'sys/dev/block'), { recursive: true });
  for (const dev of ['sda1', 'sdb1', 'sdc1', 'dm-0']) {
    await writeFile(join(root, 'dev', dev), '');
    await mkdir(join(root, 'sys/devices/block', dev));
  }
  await symlink('../dm-0', join(root, 'dev/mapper/vault'));
  const numbers = { '8:1': 'sda1', '8:17': 'sdb1', '8:33': 'sdc1', '253:0': 'dm-0' };
  for (const [mm, dev] of Object.entries(numbers)) await symlink(`../../devices/block/${dev}`, join(root, 'sys/dev/block', mm));
  await symlink('../../sda1', join(root, 'dev/disk/by-uuid/0b5e-root'));
  await symlink('../../sdb1', join(root, 'dev/disk/by-uuid/4F1C-9A2B'));
  await symlink('../../sdb1', join(root, 'dev/disk/by-label/BACKUP\\x20USB'));
  await symlink('../../sdc1', join(root, 'dev/disk/by-label/ARCHIVE'));
  await symlink('../../dm-0', join(root, 'dev/disk/by-uuid/c0ffee'));
  await writeFile(join(root, 'proc/self/mountinfo'), mountinfo);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parseMountinfo', () => {
  it('reads device numbers, mount points with escapes, and the source after the optional fields', () => {
    expect(parseMountinfo(mountinfo).slice(1, 3)).toEqual([
      { device: '8:1', mountPoint: '/', source: '/dev/root' },
      { device: '8:17', mountPoint: '/media/office/BACKUP USB', source: '/dev/sdb1' },
    ]);
    expect(parseMountinfo('')).toEqual([]);
  });
});

describe('linuxDriveLister', () => {
  it('lists each mounted filesystem that has a UUID or label, whatever name its source column uses', () => {
    const drives = linuxDriveLister({ root }).list();
    expect(drives).toEqual([
      { mountPoint: '/', uuid: '0b5e-root' },
      { mountPoint: '/media/office/BACKUP USB', uuid: '4F1C-9A2B', label: 'BACKUP USB' },
      { mountPoint: '/srv/usb-bind', label: 'ARCHIVE' },
      { mountPoint: '/mnt/crypt', uuid: 'c0ffee' },
    ]);
  });

  it('lists nothing where the system has no /dev/disk folders (a container)', async () => {
    await rm(join(root, 'dev/disk'), { recursive: true });
    expect(linuxDriveLister({ root }).list()).toEqual([]);
  });
});

describe('the fallbacks', () => {
  it('takes macOS volume names under /Volumes as labels, and knows no drives elsewhere', async () => {
    const volumes = join(root, 'Volumes');
    await mkdir(join(volumes, 'BACKUP-2'), { recursive: true });
    await mkdir(join(volumes, '.hidden'));
    expect(macVolumeLister(volumes).list()).toEqual([{ label: 'BACKUP-2', mountPoint: join(volumes, 'BACKUP-2') }]);
    expect(macVolumeLister(join(root, 'none')).list()).toEqual([]);
    expect(noDrives.list()).toEqual([]);
    expect(systemDriveLister('win32')).toBe(noDrives);
  });
});
