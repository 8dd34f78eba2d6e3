// Turns SQLite's failures on the catalog file into sentences a person can act on; anything else passes through.

import { AirlockError, describeIoError } from '../errors.ts';

/** Said in every "cannot use the catalog" message: the way out is always safe because the catalog is a cache. */
export function rebuildAdvice(path: string): string {
  return `No backup is lost: move ${path} aside and run \`airlock catalog rebuild\` to list the snapshots again. Job definitions and the audit log live in that file too: restore them from an \`airlock job export\` file if you have one.`;
}

function sqliteCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || !('code' in err) || typeof err.code !== 'string') return undefined;
  return err.code.startsWith('SQLITE_') ? err.code : undefined;
}

export function describeSqliteError(err: unknown, path: string): unknown {
  if (err instanceof AirlockError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return describeIoError(err, `opening the catalog at ${path}`);
  const options = { cause: err };
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new AirlockError('CATALOG_UNREADABLE', `The catalog at ${path} is damaged or is not an Airlock catalog. ${rebuildAdvice(path)}`, options);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AirlockError('CATALOG_BUSY', `The catalog at ${path} is kept locked by another Airlock process. Wait for it to finish, then try again.`, options);
  }
  if (code === 'SQLITE_FULL') {
    return new AirlockError('DISK_FULL', `The disk holding the catalog at ${path} is full. Free up space, then try again; no backup was harmed.`, options);
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new AirlockError('IO_ERROR', `The catalog at ${path} cannot be opened for writing. Check the folder's permissions, or set AIRLOCK_HOME to a writable folder.`, options);
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new AirlockError('IO_ERROR', `The drive reported an input/output error on the catalog at ${path}. Check the disk; ${rebuildAdvice(path)}`, options);
  }
  return err;
}
