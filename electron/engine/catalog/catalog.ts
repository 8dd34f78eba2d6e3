// Opens the catalog — the local SQLite store of jobs, the audit log, run history and cached snapshot lists — and composes its typed stores.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AirlockError, describeIoError } from '../errors.ts';
import { createAuditStore, type AuditStore } from './audit.ts';
import { createDrillStore, type DrillStore } from './drills.ts';
import { createJobStore, type JobStore } from './jobs.ts';
import { latestVersion, migrate, readUserVersion, tooNewError } from './migrations/index.ts';
import { createRepositoryStore, type RepositoryStore } from './repositories.ts';
import { claimOwner, systemProbe, type ProcessProbe } from './run-owners.ts';
import { createRunStore, type RunStore } from './runs.ts';
import { createSettingStore, type SettingStore } from './settings.ts';
import { createSnapshotStore, type SnapshotStore } from './snapshots.ts';
import { describeSqliteError } from './sqlite-errors.ts';

export type { AuditAppend, AuditRecord, AuditVerification } from './audit.ts';
export type { DrillCheckRecord, DrillReportInput, DrillReportQuery, DrillReportRecord } from './drills.ts';
export type { JobDefinition, JobRun, JobRunEnd, JobRunQueued, JobRunResult, JobRunState, JobRunTotals, JobRunTrigger, StoredJob } from './jobs.ts';
export { definitionJson, jobRunStates, parseJobDefinition } from './jobs.ts';
export { catalogPath } from './location.ts';
export type { KnownRepository, RepositorySighting } from './repositories.ts';
export type { ProcessProbe } from './run-owners.ts';
export type { Run, RunError, RunKind, RunOutcome, RunQuery, RunResult, RunStart, RunStats, RunStatus } from './runs.ts';
export { runKinds, runStatuses } from './runs.ts';
export type { CachedSnapshot, SnapshotRecord, SnapshotSummary } from './snapshots.ts';

export interface CatalogOptions {
  /** The clock for run and sighting times. */
  readonly now?: () => Date;
  /** How long to wait for another Airlock process's write to finish before giving up. */
  readonly busyTimeoutMs?: number;
  readonly processProbe?: ProcessProbe;
}

export interface Catalog extends RunStore, RepositoryStore, SnapshotStore, SettingStore, JobStore, AuditStore, DrillStore {
  readonly path: string;
  /** How many runs left "running" by a process that is gone were marked interrupted when opening. */
  readonly interruptedAtOpen: number;
  /** How many job runs left queued or running by a process that is gone were marked interrupted when opening. */
  readonly interruptedJobRunsAtOpen: number;
  /** Closing twice is harmless; any other call after closing throws. */
  close(): void;
}

type Methods = Record<string, (...args: never[]) => unknown>;

/** Every store call goes through here, so SQLITE_BUSY or a full disk during a write reads as a sentence, not a SqliteError. */
function describingErrors<T extends Methods>(methods: T, path: string): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    wrapped[name] = (...args: never[]): unknown => {
      try {
        return method(...args);
      } catch (err) {
        throw describeSqliteError(err, path);
      }
    };
  }
  return wrapped as T;
}

function connect(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // Checked before anything writes: switching to WAL rewrites the header, and a newer catalog must stay byte-for-byte as it was.
    const version = readUserVersion(db);
    if (version > latestVersion) throw tooNewError(path, version, latestVersion);
    db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL cannot corrupt the file; a power cut may lose the last run rows, which is fine for a cache.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function createFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    const described = describeIoError(err, `creating the catalog's folder ${folder}`);
    if (described !== err) throw described;
    const reason = err instanceof Error ? err.message : String(err);
    throw new AirlockError('IO_ERROR', `The catalog's folder ${folder} cannot be created (${reason}). Set AIRLOCK_HOME to a folder you can write to.`, { cause: err });
  }
}

/** Opens (creating if needed) the catalog at `path`, brings its schema up to date and marks runs of dead processes interrupted. */
export function openCatalog(path: string, options: CatalogOptions = {}): Catalog {
  const now = options.now ?? (() => new Date());
  const probe = options.processProbe ?? systemProbe;
  if (path !== ':memory:') createFolder(dirname(path));
  let db: Database.Database;
  try {
    db = connect(path, options.busyTimeoutMs ?? 5000);
  } catch (err) {
    throw describeSqliteError(err, path);
  }

  const owner = claimOwner(probe);
  const stores = describingErrors(
    {
      ...createRunStore({ db, path, now, owner, probe }),
      ...createRepositoryStore({ db, path, now }),
      ...createSnapshotStore({ db, path, now }),
      ...createSettingStore(db),
      ...createJobStore({ db, path, now, owner, probe }),
      ...createAuditStore({ db, path, now }),
      ...createDrillStore({ db, path, now }),
    },
    path,
  );

  let interruptedAtOpen: number;
  let interruptedJobRunsAtOpen: number;
  try {
    interruptedAtOpen = stores.markInterruptedRuns();
    interruptedJobRunsAtOpen = stores.markInterruptedJobRuns();
  } catch (err) {
    owner.release();
    db.close();
    throw err;
  }

  return {
    ...stores,
    path,
    interruptedAtOpen,
    interruptedJobRunsAtOpen,
    close() {
      if (!db.open) return;
      owner.release();
      db.close();
    },
  };
}
