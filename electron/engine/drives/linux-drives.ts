// Mounted drives on Linux: filesystem UUIDs and labels from /dev/disk/by-uuid and by-label, mount points from /proc/self/mountinfo.

import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Drive, DriveLister } from './drive.ts';

/** udev writes unusual characters of a label as \xHH ("My\x20Drive"). */
function decodeUdev(name: string): string {
  return name.replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes ("\040"). */
function decodeMountinfo(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export interface MountEntry {
  /** "8:17": the device numbers, which name the block device even when the source column says /dev/root. */
  readonly device: string;
  readonly mountPoint: string;
  readonly source: string;
}

/** Parses /proc/self/mountinfo (see proc(5)): the fields before " - " have a variable count of optional tags. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fields = before.split(' ');
    const device = fields[2];
    const mountPoint = fields[4];
    const source = after.split(' ')[1];
    if (device === undefined || mountPoint === undefined || source === undefined) continue;
    out.push({ device, mountPoint: decodeMountinfo(mountPoint), source: decodeMountinfo(source) });
  }
  return out;
}

export interface LinuxDriveListerOptions {
  /** Where /dev, /proc and /sys are; a test points this at a folder laid out like them. Default "/". */
  readonly root?: string;
}

function tryRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Symlink name → the device file it points to, for one of the /dev/disk/by-* folders. */
function linksIn(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    // No such folder: no filesystem has a UUID (or label) the system knows.
    return out;
  }
  for (const name of names) {
    const device = tryRealpath(join(folder, name));
    if (device !== undefined) out.set(device, decodeUdev(name));
  }
  return out;
}

export function linuxDriveLister(options: LinuxDriveListerOptions = {}): DriveLister {
  const root = options.root ?? '/';
  const under = (path: string): string => join(root, path);
  return {
    list() {
      const uuids = linksIn(under('dev/disk/by-uuid'));
      const labels = linksIn(under('dev/disk/by-label'));
      if (uuids.size === 0 && labels.size === 0) return [];
      let mountinfo: string;
      try {
        mountinfo = readFileSync(under('proc/self/mountinfo'), 'utf8');
      } catch {
        return [];
      }
      const drives: Drive[] = [];
      for (const entry of parseMountinfo(mountinfo)) {
        // The device numbers name the block device even behind /dev/root or a /dev/mapper alias.
        const byNumbers = tryRealpath(under(`sys/dev/block/${entry.device}`));
        const candidates = [byNumbers === undefined ? undefined : under(`dev/${basename(byNumbers)}`), entry.source.startsWith('/dev/') ? tryRealpath(under(entry.source)) : undefined];
        const device = candidates.find((d) => d !== undefined && (uuids.has(d) || labels.has(d)));
        if (device === undefined) continue;
        const uuid = uuids.get(device);
        const label = labels.get(device);
        drives.push({ mountPoint: entry.mountPoint, ...(uuid === undefined ? {} : { uuid }), ...(label === undefined ? {} : { label }) });
      }
      return drives;
    },
  };
}
