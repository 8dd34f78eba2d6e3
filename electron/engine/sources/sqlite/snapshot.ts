// Takes a consistent copy of a SQLite database in use (WAL included) as one self-contained file, with proof it is whole.

import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError, describeIoError } from '../../errors.ts';
import { describeSqliteError } from './failures.ts';
import { inspectDatabase } from './inspect.ts';
import type { SqliteFacts } from './inspect.ts';
import { runOnlineBackup } from './online-backup.ts';
import { defaultBusyTimeoutMs, openReadOnly } from './open.ts';

export type { SqliteIntegrity, SqliteTableInfo } from './inspect.ts';

export interface SqliteInfo extends SqliteFacts {
  /** Size of the copy in bytes (pageSize × pageCount). */
  readonly bytes: number;
  /** The source's journal mode ("wal", "delete", ...); the copy is always "delete". */
  readonly sourceJournalMode: string;
  /** True when the source's folder was read-only and the copy was taken from a private copy of its files. */
  readonly viaPrivateCopy: boolean;
}

export interface CopyConsistentOptions {
  readonly signal?: AbortSignal;
  /** Pages copied so far and in all. */
  readonly onProgress?: (done: number, total: number) => void;
  /** How long to wait for another program's lock on the source (default 10 s). */
  readonly busyTimeoutMs?: number;
  /** Bytes copied per step of the online backup; smaller steps block the event loop for less time. */
  readonly stepBytes?: number;
}

/**
 * Copies the database at `sourcePath` to `destPath` through SQLite's online backup API, from a read-only
 * connection that holds one read transaction for the whole copy. A program writing in WAL mode goes on
 * writing and the copy shows the database as it was when the copy began; in rollback-journal mode a writer
 * waits until the copy is done. The source file is never written. The copy is switched to journal_mode=DELETE
 * so it is one self-contained file, checked with PRAGMA integrity_check, and renamed into place only when
 * whole; `destPath` is replaced if it exists.
 */
export async function copyConsistent(sourcePath: string, destPath: string, opts: CopyConsistentOptions = {}): Promise<SqliteInfo> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? defaultBusyTimeoutMs;
  opts.signal?.throwIfAborted();
  const destDir = dirname(destPath);
  await requireFolder(destDir);
  const partial = join(destDir, `.${basename(destPath)}.${randomBytes(6).toString('hex')}.partial`);
  const source = await openReadOnly(sourcePath, { busyTimeoutMs, scratchDir: destDir });
  try {
    const sourceJournalMode = String(source.db.pragma('journal_mode', { simple: true }));
    await runOnlineBackup(source.db, partial, {
      signal: opts.signal,
      onProgress: opts.onProgress,
      stepBytes: opts.stepBytes,
      stallTimeoutMs: busyTimeoutMs,
      destLabel: `The copy ${partial}`,
    });
    await source.close();
    const facts = finishCopy(partial);
    await rename(partial, destPath);
    return { ...facts, bytes: facts.pageSize * facts.pageCount, sourceJournalMode, viaPrivateCopy: source.privateCopy };
  } catch (err) {
    await removeCopy(partial);
    throw describeSqliteError(err, sourcePath, 'copying it', busyTimeoutMs);
  } finally {
    await source.close();
  }
}

/** Makes the copy one self-contained file (a copy of a WAL database is WAL too) and reads its facts. */
function finishCopy(path: string): SqliteFacts {
  const db = new Database(path, { fileMustExist: true });
  try {
    const mode = String(db.pragma('journal_mode=DELETE', { simple: true }));
    if (mode !== 'delete') throw new AirlockError('IO_ERROR', `The copy ${path} could not be switched to a single-file journal mode (it stayed "${mode}").`);
    return inspectDatabase(db);
  } finally {
    db.close();
  }
}

async function requireFolder(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw describeIoError(err, `opening ${dir}`);
  }
  throw new AirlockError('PATH_NOT_FOUND', `The folder ${dir} for the database copy does not exist.`);
}

async function removeCopy(path: string): Promise<void> {
  await Promise.all(['', '-journal', '-wal', '-shm'].map((suffix) => rm(`${path}${suffix}`, { force: true })));
}
