// Which drive a path lies on, and where a job's recorded drives are mounted today (or that they are not plugged in).

import { isAbsolute, join, relative, sep } from 'node:path';
import type { DriveRef } from '../jobs/job.ts';
import { driveName, type Drive } from './drive.ts';

function isInside(path: string, mountPoint: string): boolean {
  const rel = relative(mountPoint, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The drive `path` lies on, as a reference to store with the job. The system drive (mounted at the root) is never
 * one: it cannot be unplugged, and recording it would only make jobs wait for nothing.
 */
export function driveRefFor(path: string, drives: readonly Drive[]): DriveRef | undefined {
  let best: Drive | undefined;
  for (const drive of drives) {
    if (relative(drive.mountPoint, sep) === '' || !isInside(path, drive.mountPoint)) continue;
    if (best === undefined || drive.mountPoint.length > best.mountPoint.length) best = drive;
  }
  if (best === undefined) return undefined;
  const relativePath = relative(best.mountPoint, path).split(sep).join('/');
  return { path, relativePath, ...(best.uuid === undefined ? {} : { uuid: best.uuid }), ...(best.label === undefined ? {} : { label: best.label }) };
}

/**
 * The drive references for a job's paths: found on a mounted drive now, or else as previously recorded (a drive that
 * is unplugged while the job is edited keeps its reference).
 */
export function driveRefsFor(paths: readonly string[], drives: readonly Drive[], previous: readonly DriveRef[] = []): DriveRef[] {
  return paths.flatMap((path) => {
    const ref = driveRefFor(path, drives) ?? previous.find((p) => p.path === path);
    return ref === undefined ? [] : [ref];
  });
}

/** The mounted drive a reference stands for: by UUID when it has one (labels are not unique), else by label. */
export function findDrive(ref: DriveRef, drives: readonly Drive[]): Drive | undefined {
  return drives.find((d) => (ref.uuid !== undefined ? d.uuid === ref.uuid : d.label === ref.label));
}

export interface DriveResolution {
  /** Recorded drives not plugged in now, one entry per drive. */
  readonly missing: readonly DriveRef[];
  /** Where a path of the job is today: moved to the drive's current mount point, or unchanged. */
  locate(path: string): string;
}

export function resolveDrives(refs: readonly DriveRef[], drives: readonly Drive[]): DriveResolution {
  const moved = new Map<string, string>();
  const missing: DriveRef[] = [];
  for (const ref of refs) {
    const drive = findDrive(ref, drives);
    if (drive === undefined) {
      if (!missing.some((m) => driveName(m) === driveName(ref))) missing.push(ref);
      continue;
    }
    moved.set(ref.path, ref.relativePath === '' ? drive.mountPoint : join(drive.mountPoint, ...ref.relativePath.split('/')));
  }
  return { missing, locate: (path) => moved.get(path) ?? path };
}

/** "waiting for drive BACKUP-USB-2" or "waiting for drives A and B". */
export function waitingMessage(missing: readonly DriveRef[]): string {
  const names = missing.map(driveName);
  if (names.length <= 1) return `waiting for drive ${names[0] ?? ''}`;
  return `waiting for drives ${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}
