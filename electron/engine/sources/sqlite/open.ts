// Opens a SQLite database read-only with a read transaction pinned, so every read sees one consistent state.

import { copyFile, mkdtemp, rm, stat, access, constants } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError } from '../../errors.ts';
import { describeSqliteError, sqliteCode } from './failures.ts';

export const defaultBusyTimeoutMs = 10_000;

export interface OpenOptions {
  /** How long to wait for another program's lock before giving up. */
  readonly busyTimeoutMs?: number;
  /** Where a private copy may be made when the database's folder is read-only (see openReadOnly). */
  readonly scratchDir?: string;
}

export interface OpenedDatabase {
  readonly db: Database.Database;
  /** True when the reads come from a private copy because the database's folder is read-only. */
  readonly privateCopy: boolean;
  close(): Promise<void>;
}

/**
 * Opens `path` read-only and starts a read transaction, so that everything read until close() comes from one
 * snapshot even while another program writes (in WAL mode the writer goes on; in rollback mode it waits).
 *
 * A WAL database needs its -shm file to be read. When that file does not exist and the folder is read-only,
 * SQLite cannot create it; then no other program can have the database open either (every WAL connection keeps
 * a -shm), so a plain copy of the file and its -wal into `scratchDir` is consistent, and that copy is read.
 */
export async function openReadOnly(path: string, opts: OpenOptions = {}): Promise<OpenedDatabase> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? defaultBusyTimeoutMs;
  await checkReadable(path);
  try {
    const db = openPinned(path, busyTimeoutMs);
    const close = (): Promise<void> => {
      if (db.open) db.close();
      return Promise.resolve();
    };
    return { db, privateCopy: false, close };
  } catch (err) {
    if (sqliteCode(err) !== 'SQLITE_READONLY_DIRECTORY' && sqliteCode(err) !== 'SQLITE_READONLY_CANTINIT') {
      throw describeSqliteError(err, path, 'opening it', busyTimeoutMs);
    }
  }
  return openPrivateCopy(path, opts.scratchDir ?? tmpdir(), busyTimeoutMs);
}

async function checkReadable(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (err) {
    if (err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) {
      throw new AirlockError('SOURCE_UNREACHABLE', `There is no SQLite database at ${path}: the file does not exist. Check the path, or whether the drive holding it is mounted.`, { cause: err });
    }
    throw unreadable(path, err);
  }
  if (!info.isFile()) {
    throw new AirlockError('SOURCE_INVALID', `${path} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, not a SQLite database file. Give the path of the database file itself.`);
  }
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    throw unreadable(path, err);
  }
}

function unreadable(path: string, err: unknown): AirlockError {
  const reason = err instanceof Error && 'code' in err && (err.code === 'EACCES' || err.code === 'EPERM') ? 'permission denied' : err instanceof Error ? err.message : String(err);
  return new AirlockError('SOURCE_UNREACHABLE', `Airlock cannot read the SQLite database ${path} (${reason}). Give the user running Airlock read access to the file and its folder.`, { cause: err });
}

function openPinned(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    // Reads here are one pass over the file; SQLite's own 2 MB page cache is plenty (better-sqlite3 builds in 16 MB).
    db.pragma('cache_size = -2000');
    db.exec('BEGIN');
    // A deferred BEGIN takes its snapshot at the first read.
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

interface FileState {
  readonly size: number;
  readonly mtimeMs: number;
}

async function fileState(path: string): Promise<FileState | undefined> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

const sameState = (a: FileState | undefined, b: FileState | undefined): boolean => a?.size === b?.size && a?.mtimeMs === b?.mtimeMs;

async function openPrivateCopy(path: string, scratchDir: string, busyTimeoutMs: number): Promise<OpenedDatabase> {
  const before = [await fileState(path), await fileState(`${path}-wal`)] as const;
  const dir = await mkdtemp(join(scratchDir, '.airlock-sqlite-'));
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const copy = join(dir, 'database.sqlite');
    await copyFile(path, copy);
    if (before[1] !== undefined) await copyFile(`${path}-wal`, `${copy}-wal`);
    const after = [await fileState(path), await fileState(`${path}-wal`)] as const;
    if (!sameState(before[0], after[0]) || !sameState(before[1], after[1]) || (await fileState(`${path}-shm`)) !== undefined) {
      throw new AirlockError('SOURCE_BUSY', `The SQLite database ${path} changed while Airlock copied it out of its read-only folder. Try again when the program using it is idle.`);
    }
    let db: Database.Database;
    try {
      db = openPinned(copy, busyTimeoutMs);
    } catch (err) {
      throw describeSqliteError(err, path, 'opening it', busyTimeoutMs);
    }
    return {
      db,
      privateCopy: true,
      close: async () => {
        if (db.open) db.close();
        await removeDir();
      },
    };
  } catch (err) {
    await removeDir();
    throw err;
  }
}
