// Mounted drives where Airlock cannot read filesystem UUIDs without running system tools: macOS by volume name, others none.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Drive, DriveLister } from './drive.ts';

/**
 * macOS mounts every external volume at /Volumes/<its name>, so the name stands in for the label (a drive renamed in
 * Finder is a different drive to Airlock). No UUID: reading one needs `diskutil`, and the engine runs no tools.
 */
export function macVolumeLister(volumes = '/Volumes'): DriveLister {
  return {
    list() {
      let names: string[];
      try {
        names = readdirSync(volumes);
      } catch {
        return [];
      }
      return names.filter((name) => !name.startsWith('.')).map((name): Drive => ({ label: name, mountPoint: join(volumes, name) }));
    },
  };
}

/**
 * Windows and other systems: no drive is known, so jobs note no drive when saved and never wait for one; a drive
 * that is missing at run time fails the run with REPO_NOT_FOUND (or PATH_NOT_FOUND) as any missing folder does.
 */
export const noDrives: DriveLister = { list: () => [] };
