// Puts a database copy from a snapshot back as a usable SQLite file, whole or only chosen tables, and checks the result.

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError, describeIoError } from '../../errors.ts';
import { describeSqliteError, sqliteCode } from './failures.ts';
import { countTables, inspectDatabase } from './inspect.ts';
import type { SqliteTableInfo } from './inspect.ts';
import { runOnlineBackup } from './online-backup.ts';
import { defaultBusyTimeoutMs, openReadOnly } from './open.ts';
import { insertIntoSql, planSchema, selectRowsSql } from './schema.ts';

export interface RestoreFileOptions {
  /** Replace a target that already holds tables. Without it such a target is refused. */
  readonly overwrite: boolean;
  readonly signal?: AbortSignal;
  /** How long to wait for another program's lock on the target (default 10 s). */
  readonly busyTimeoutMs?: number;
}

export interface RestoreReport {
  /** The restored database's tables and their row counts, as read back from the target. */
  readonly tables: readonly SqliteTableInfo[];
  /** True when an existing database was replaced. */
  readonly replaced: boolean;
}

export interface SelectTablesOptions {
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly busyTimeoutMs?: number;
}

export interface SelectTablesResult extends RestoreReport {
  readonly rows: number;
  /** Foreign keys to tables left out, full-text tables that come back empty. */
  readonly warnings: readonly string[];
}

type TargetState = { readonly kind: 'absent' } | { readonly kind: 'database'; readonly objects: number };

const sidecars = ['-wal', '-journal', '-shm'] as const;

/**
 * Validates the database copy at `copyPath` (integrity check) and writes it to `targetPath`. A new target is
 * written beside it and renamed into place, so it never exists half-written. An existing database is replaced
 * through SQLite's backup API, which takes SQLite's locks, so programs that have it open see the change rather
 * than a file swapped under them; it is refused unless it is empty or `overwrite` is set. A file that is not a
 * SQLite database is never overwritten. Afterwards the target's row counts must equal the copy's.
 */
export async function restoreDatabaseFile(copyPath: string, targetPath: string, opts: RestoreFileOptions): Promise<RestoreReport> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? defaultBusyTimeoutMs;
  opts.signal?.throwIfAborted();
  const copy = await openReadOnly(copyPath, { busyTimeoutMs });
  try {
    const facts = inspectDatabase(copy.db);
    if (!facts.integrity.ok) {
      throw new AirlockError('VERIFY_FAILED', `The database copy ${copyPath} fails SQLite's integrity check (${summary(facts.integrity.messages)}); nothing was restored. Try an older snapshot.`);
    }
    const target = await targetState(targetPath, opts.overwrite);
    const progress = { signal: opts.signal, stallTimeoutMs: busyTimeoutMs, destLabel: `The target database ${targetPath}` };
    if (target.kind === 'absent') {
      await mkdir(dirname(targetPath), { recursive: true });
      const partial = partialPath(targetPath);
      try {
        await runOnlineBackup(copy.db, partial, progress);
        await rename(partial, targetPath);
      } finally {
        await removeWithSidecars(partial);
      }
    } else {
      if (target.objects > 0 && !opts.overwrite) {
        throw new AirlockError('TARGET_NOT_EMPTY', `${targetPath} already holds a database (${target.objects} tables, indexes or views). Restore to a new file, or confirm that it may be overwritten.`);
      }
      await runOnlineBackup(copy.db, targetPath, progress);
    }
    const tables = checkRestored(targetPath, facts.tables);
    return { tables, replaced: target.kind === 'database' && target.objects > 0 };
  } catch (err) {
    throw describeSqliteError(err, targetPath, 'restoring it', busyTimeoutMs);
  } finally {
    await copy.close();
  }
}

/**
 * Builds a new database holding only `tables` (and views named there) of the copy at `copyPath`, with their
 * rows, indexes, triggers and AUTOINCREMENT counters, then restores it to `targetPath` like
 * restoreDatabaseFile. Names that are not in the copy are an error; foreign keys to tables left out are warned.
 */
export async function selectTables(copyPath: string, targetPath: string, tables: readonly string[], opts: SelectTablesOptions = {}): Promise<SelectTablesResult> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? defaultBusyTimeoutMs;
  opts.signal?.throwIfAborted();
  const copy = await openReadOnly(copyPath, { busyTimeoutMs });
  let plan;
  let layout;
  try {
    plan = planSchema(copy.db, `The database copy ${copyPath}`, tables);
    layout = {
      pageSize: Number(copy.db.pragma('page_size', { simple: true })),
      autoVacuum: Number(copy.db.pragma('auto_vacuum', { simple: true })),
      encoding: String(copy.db.pragma('encoding', { simple: true })),
    };
  } catch (err) {
    throw describeSqliteError(err, copyPath, 'reading its tables', busyTimeoutMs);
  } finally {
    await copy.close();
  }

  await mkdir(dirname(targetPath), { recursive: true });
  const partial = partialPath(targetPath);
  try {
    let rows = 0;
    const db = new Database(partial);
    try {
      // Page layout and encoding can only be chosen before the first table exists.
      db.pragma(`encoding = '${layout.encoding}'`);
      db.pragma(`page_size = ${layout.pageSize}`);
      db.pragma(`auto_vacuum = ${layout.autoVacuum}`);
      db.pragma('foreign_keys = OFF');
      db.prepare('ATTACH DATABASE ? AS airlock_copy').run(copyPath);
      db.exec('BEGIN');
      for (const table of plan.tables) {
        opts.signal?.throwIfAborted();
        db.exec(table.sql);
        if (table.copyRows && table.columns.length > 0) {
          rows += db.prepare(`${insertIntoSql(table, 'main')} ${selectRowsSql(table, 'airlock_copy')}`).run().changes;
        }
      }
      for (const object of [...plan.indexes, ...plan.views, ...plan.triggers]) db.exec(object.sql);
      for (const s of plan.sequences) {
        db.prepare('DELETE FROM main.sqlite_sequence WHERE name = ?').run(s.name);
        db.prepare('INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, ?)').run(s.name, s.seq);
      }
      db.pragma(`user_version = ${plan.userVersion}`);
      db.pragma(`application_id = ${plan.applicationId}`);
      db.exec('COMMIT');
      db.exec('DETACH DATABASE airlock_copy');
    } finally {
      db.close();
    }
    const report = await restoreDatabaseFile(partial, targetPath, { overwrite: opts.overwrite ?? false, busyTimeoutMs, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
    return { ...report, rows, warnings: plan.warnings };
  } catch (err) {
    throw describeSqliteError(err, targetPath, 'building it from the chosen tables', busyTimeoutMs);
  } finally {
    await removeWithSidecars(partial);
  }
}

async function targetState(path: string, overwrite: boolean): Promise<TargetState> {
  let isFile: boolean;
  let size: number;
  try {
    const info = await lstat(path);
    isFile = info.isFile();
    size = info.size;
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw describeIoError(err, `looking at ${path}`);
    await refuseLeftovers(path, overwrite);
    return { kind: 'absent' };
  }
  if (!isFile) throw new AirlockError('TARGET_EXISTS', `${path} exists and is not a regular file. Choose a file name for the restored database.`);
  if (size === 0) {
    await refuseLeftovers(path, overwrite);
    return { kind: 'absent' };
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const objects = Number(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().get());
    return { kind: 'database', objects };
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_NOTADB') {
      throw new AirlockError('TARGET_EXISTS', `${path} exists and is not a SQLite database; Airlock will not overwrite it. Move it away or choose another file name.`, { cause: err });
    }
    throw err;
  } finally {
    db?.close();
  }
}

/**
 * A -wal or -journal left beside a missing database would be replayed into the restored file by SQLite and
 * corrupt it, so they are removed when overwriting is allowed and refused otherwise.
 */
async function refuseLeftovers(path: string, overwrite: boolean): Promise<void> {
  for (const suffix of sidecars) {
    const leftover = `${path}${suffix}`;
    const exists = await lstat(leftover).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    if (!overwrite) {
      throw new AirlockError('TARGET_EXISTS', `${leftover} is left over from an earlier database at ${path}; SQLite would mix it into the restored file. Delete it, or confirm overwriting.`);
    }
    await rm(leftover, { force: true });
  }
}

function checkRestored(targetPath: string, expected: readonly SqliteTableInfo[]): SqliteTableInfo[] {
  const db = new Database(targetPath, { readonly: true, fileMustExist: true });
  try {
    const check = db.prepare<[], string>('PRAGMA quick_check(5)').pluck().all();
    const facts = countTables(db);
    const mismatch = expected.find((e) => facts.find((f) => f.name === e.name)?.rows !== e.rows);
    if (check.join() !== 'ok' || mismatch !== undefined || facts.length !== expected.length) {
      const why = check.join() !== 'ok' ? check.join('; ') : mismatch === undefined ? 'the tables differ' : `table "${mismatch.name}" has a different row count`;
      throw new AirlockError('VERIFY_FAILED', `The restored database ${targetPath} does not match its snapshot copy (${why}). Run the restore again; if it repeats, check the drive.`);
    }
    return facts;
  } finally {
    db.close();
  }
}

/** SQLite's complaints on one line, without its "*** in database main ***" heading. */
function summary(messages: readonly string[]): string {
  const lines = messages.flatMap((m) => m.split('\n')).filter((l) => l.trim() !== '' && !l.startsWith('***'));
  return lines.slice(0, 3).join('; ');
}

function partialPath(targetPath: string): string {
  return join(dirname(targetPath), `.${basename(targetPath)}.${randomBytes(6).toString('hex')}.partial`);
}

async function removeWithSidecars(path: string): Promise<void> {
  await Promise.all(['', ...sidecars].map((suffix) => rm(`${path}${suffix}`, { force: true })));
}
