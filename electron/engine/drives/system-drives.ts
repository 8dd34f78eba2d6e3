// The drive lister for the platform Airlock runs on.

import type { DriveLister } from './drive.ts';
import { macVolumeLister, noDrives } from './fallback-drives.ts';
import { linuxDriveLister } from './linux-drives.ts';

export function systemDriveLister(platform: NodeJS.Platform = process.platform): DriveLister {
  switch (platform) {
    case 'linux':
      return linuxDriveLister();
    case 'darwin':
      return macVolumeLister();
    default:
      return noDrives;
  }
}
