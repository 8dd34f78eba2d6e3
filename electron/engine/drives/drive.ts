// The drive-lister port: which filesystems are mounted now, known by UUID and label rather than by where they are mounted.

export interface Drive {
  /** The filesystem's UUID, when the system knows one. */
  readonly uuid?: string;
  /** Its volume label ("BACKUP-USB-2"), when it has one. */
  readonly label?: string;
  /** Where it is mounted now; a drive mounted twice is listed once per mount point. */
  readonly mountPoint: string;
}

/**
 * Lists the mounted drives. Synchronous on purpose: it reads a handful of small system files, and the scheduler asks
 * it inside its synchronous look at the jobs.
 */
export interface DriveLister {
  list(): readonly Drive[];
}

/** What a person calls the drive: its label, else its UUID. */
export function driveName(drive: { readonly uuid?: string | undefined; readonly label?: string | undefined }): string {
  return drive.label ?? drive.uuid ?? 'an unnamed drive';
}
