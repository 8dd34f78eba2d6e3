// Turns SQLite's failures (better-sqlite3 SqliteError codes) into AirlockErrors that say which file and what to do.

import Database from 'better-sqlite3';
import { AirlockError, describeIoError } from '../../errors.ts';

/** The SQLite result code of a better-sqlite3 error ('SQLITE_BUSY', 'SQLITE_NOTADB', ...), or undefined. */
export function sqliteCode(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}

export function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Describes a failure while reading the database at `path`. `busyTimeoutMs` is how long SQLite waited for a
 * lock; AirlockErrors and aborts pass through unchanged.
 */
export function describeSqliteError(err: unknown, path: string, what: string, busyTimeoutMs: number): unknown {
  if (err instanceof AirlockError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const code = sqliteCode(err);
  if (code === undefined) return describeIoError(err, what);
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB') {
    return new AirlockError('SOURCE_INVALID', `${path} is not a SQLite database (or it is encrypted). Check that the path names the database file itself.`, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new AirlockError('SOURCE_INVALID', `The SQLite database ${path} is damaged (${detail}) while ${what}. Repair it with the sqlite3 shell's .recover, or back up an older copy.`, { cause: err });
  }
  if (isBusy(err)) {
    const seconds = Math.round(busyTimeoutMs / 100) / 10;
    return new AirlockError('SOURCE_BUSY', `The SQLite database ${path} stayed locked by another program for more than ${seconds} s while ${what}. Try again when it is less busy, or raise the lock timeout.`, { cause: err });
  }
  if (code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY') {
    return new AirlockError('SOURCE_INVALID', `The SQLite database ${path} was left unfinished by a program that crashed, and recovering it needs write access. Open it once with the program that owns it (or give Airlock write access to its folder), then try again.`, { cause: err });
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH' || code.startsWith('SQLITE_READONLY')) {
    return new AirlockError('SOURCE_UNREACHABLE', `Cannot open the SQLite database ${path} (${detail}). Check that the file and its folder are readable, and that its -wal and -shm files are readable too.`, { cause: err });
  }
  if (code === 'SQLITE_FULL') {
    return new AirlockError('DISK_FULL', `The disk is full while ${what}. Free up space, then run the command again.`, { cause: err });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new AirlockError('IO_ERROR', `The drive reported an input/output error (${detail}) while ${what}. Check that it is still plugged in and healthy.`, { cause: err });
  }
  return err;
}
