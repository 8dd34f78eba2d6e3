// The run history: one row per operation, from start to its outcome, and the repair of runs a crashed process left "running".

import type Database from 'better-sqlite3';
import * as z from 'zod';
import { ownerIsGone, type ProcessProbe, type RunOwner } from './run-owners.ts';
import { parseJsonColumn, parseRow } from './stored-rows.ts';

export const runKinds = ['init', 'backup', 'restore', 'export', 'check', 'verify', 'drill', 'forget', 'prune', 'copy', 'repair'] as const;
export type RunKind = (typeof runKinds)[number];

export const runStatuses = ['running', 'ok', 'partial', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof runStatuses)[number];
/** How a run can end when its own process reports it; `interrupted` is only ever concluded by a later process. */
export type RunOutcome = Exclude<RunStatus, 'running' | 'interrupted'>;

export interface RunStats {
  readonly bytesRead: number | null;
  readonly bytesAdded: number | null;
  readonly filesNew: number | null;
  readonly filesChanged: number | null;
  readonly filesUnmodified: number | null;
}

export interface RunError {
  /** An AirlockError code, or whatever stable code the failure had. */
  readonly code: string;
  /** The sentence shown to the person; must never contain a secret. */
  readonly message: string;
}

export interface Run {
  readonly id: number;
  readonly kind: RunKind;
  readonly repositoryLocation: string;
  readonly repositoryId: string | null;
  /** The configured job that started it; null for a run started by hand. */
  readonly jobId: string | null;
  /** What was read or written, for display: "~/Documents", "mysql://shop@db1/shop". */
  readonly source: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly status: RunStatus;
  readonly snapshotId: string | null;
  readonly stats: RunStats;
  readonly warnings: readonly string[];
  readonly error: RunError | null;
}

export interface RunStart {
  readonly kind: RunKind;
  readonly repositoryLocation: string;
  readonly repositoryId?: string;
  readonly jobId?: string;
  readonly source?: string;
}

export interface RunResult {
  readonly status: RunOutcome;
  readonly snapshotId?: string;
  /** Learnt during the run, e.g. by `init` or on first opening the repository. */
  readonly repositoryId?: string;
  readonly stats?: Partial<RunStats>;
  readonly warnings?: readonly string[];
  readonly error?: RunError;
}

export interface RunQuery {
  /** At most this many runs, newest first. Defaults to 100. */
  readonly limit?: number;
  /** Only runs against this repository location (as it was given when the run started). */
  readonly repository?: string;
  readonly repositoryId?: string;
  readonly jobId?: string;
  readonly kind?: RunKind;
}

export interface RunStore {
  startRun(start: RunStart): number;
  finishRun(id: number, result: RunResult): Run;
  getRun(id: number): Run | undefined;
  listRuns(query?: RunQuery): Run[];
  /** Marks runs whose process is gone as `interrupted`; returns how many. Called by `openCatalog`. */
  markInterruptedRuns(): number;
}

/** A run with tens of thousands of unreadable files still gets a small row; the full list belongs in the run's log. */
export const maxStoredWarnings = 1000;

function capWarnings(warnings: readonly string[]): string[] {
  if (warnings.length <= maxStoredWarnings) return [...warnings];
  const kept = warnings.slice(0, maxStoredWarnings - 1);
  kept.push(`…and ${warnings.length - kept.length} more warnings`);
  return kept;
}

const count = z.int().nonnegative().nullable();
const rowSchema = z.object({
  id: z.int(),
  kind: z.enum(runKinds),
  repository_location: z.string(),
  repository_id: z.string().nullable(),
  job_id: z.string().nullable(),
  source: z.string().nullable(),
  started_at: z.int(),
  finished_at: z.int().nullable(),
  duration_ms: count,
  status: z.enum(runStatuses),
  snapshot_id: z.string().nullable(),
  bytes_read: count,
  bytes_added: count,
  files_new: count,
  files_changed: count,
  files_unmodified: count,
  warnings: z.string(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
});
const warningsSchema = z.array(z.string());

const ownerSchema = z.object({
  id: z.int(),
  owner_pid: z.int().nullable(),
  owner_token: z.string().nullable(),
  owner_boot_ms: z.int().nullable(),
});

const columns = `id, kind, repository_location, repository_id, job_id, source, started_at, finished_at, duration_ms, status,
  snapshot_id, bytes_read, bytes_added, files_new, files_changed, files_unmodified, warnings, error_code, error_message`;

export interface RunStoreDeps {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
  readonly owner: RunOwner;
  readonly probe: ProcessProbe;
}

export function createRunStore({ db, path, now, owner, probe }: RunStoreDeps): RunStore {
  const toRun = (row: unknown): Run => {
    const r = parseRow(rowSchema, row, path, 'a run');
    return {
      id: r.id,
      kind: r.kind,
      repositoryLocation: r.repository_location,
      repositoryId: r.repository_id,
      jobId: r.job_id,
      source: r.source,
      startedAt: new Date(r.started_at),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
      durationMs: r.duration_ms,
      status: r.status,
      snapshotId: r.snapshot_id,
      stats: {
        bytesRead: r.bytes_read,
        bytesAdded: r.bytes_added,
        filesNew: r.files_new,
        filesChanged: r.files_changed,
        filesUnmodified: r.files_unmodified,
      },
      warnings: parseJsonColumn(warningsSchema, r.warnings, path, `the warnings of run ${r.id}`),
      error: r.error_code !== null && r.error_message !== null ? { code: r.error_code, message: r.error_message } : null,
    };
  };

  const insert = db.prepare(
    `INSERT INTO runs (kind, repository_location, repository_id, job_id, source, started_at, status, owner_pid, owner_token, owner_boot_ms)
     VALUES (@kind, @repositoryLocation, @repositoryId, @jobId, @source, @startedAt, 'running', @pid, @token, @bootMs)`,
  );
  const selectOne = db.prepare(`SELECT ${columns} FROM runs WHERE id = ?`);
  const update = db.prepare(
    `UPDATE runs SET status = @status, finished_at = @finishedAt, duration_ms = @durationMs,
       snapshot_id = coalesce(@snapshotId, snapshot_id), repository_id = coalesce(@repositoryId, repository_id),
       bytes_read = @bytesRead, bytes_added = @bytesAdded, files_new = @filesNew, files_changed = @filesChanged,
       files_unmodified = @filesUnmodified, warnings = @warnings, error_code = @errorCode, error_message = @errorMessage
     WHERE id = @id`,
  );
  const selectRunning = db.prepare(`SELECT id, owner_pid, owner_token, owner_boot_ms FROM runs WHERE status = 'running'`);
  const interrupt = db.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'`);

  const getRun = (id: number): Run | undefined => {
    const row = selectOne.get(id);
    return row === undefined ? undefined : toRun(row);
  };

  const finish = db.transaction((id: number, result: RunResult): Run => {
    const run = getRun(id);
    if (run === undefined) throw new Error(`finishRun: there is no run ${id} in the catalog`);
    // `interrupted` may be a wrong guess by another process (a reused pid); the run's own report is the truth.
    if (run.status !== 'running' && run.status !== 'interrupted') throw new Error(`finishRun: run ${id} already finished as ${run.status}`);
    if (result.error !== undefined && result.status === 'ok') throw new Error('finishRun: a run that ended ok carries no error');
    const finishedAt = now().getTime();
    const stats = result.stats ?? {};
    update.run({
      id,
      status: result.status,
      finishedAt,
      // A wall clock set back during the run must not make a negative duration.
      durationMs: Math.max(0, finishedAt - run.startedAt.getTime()),
      snapshotId: result.snapshotId ?? null,
      repositoryId: result.repositoryId ?? null,
      bytesRead: stats.bytesRead ?? null,
      bytesAdded: stats.bytesAdded ?? null,
      filesNew: stats.filesNew ?? null,
      filesChanged: stats.filesChanged ?? null,
      filesUnmodified: stats.filesUnmodified ?? null,
      warnings: JSON.stringify(capWarnings(result.warnings ?? [])),
      errorCode: result.error?.code ?? null,
      errorMessage: result.error?.message ?? null,
    });
    const finished = getRun(id);
    if (finished === undefined) throw new Error(`finishRun: run ${id} vanished`);
    return finished;
  });

  const markInterrupted = db.transaction((): number => {
    let marked = 0;
    for (const row of selectRunning.all()) {
      const r = parseRow(ownerSchema, row, path, 'a running run');
      if (ownerIsGone({ pid: r.owner_pid, token: r.owner_token, bootMs: r.owner_boot_ms }, probe)) {
        marked += interrupt.run(r.id).changes;
      }
    }
    return marked;
  });

  return {
    startRun(start) {
      const info = insert.run({
        kind: start.kind,
        repositoryLocation: start.repositoryLocation,
        repositoryId: start.repositoryId ?? null,
        jobId: start.jobId ?? null,
        source: start.source ?? null,
        startedAt: now().getTime(),
        pid: owner.pid,
        token: owner.token,
        bootMs: owner.bootMs,
      });
      return Number(info.lastInsertRowid);
    },
    finishRun(id, result) {
      return finish.immediate(id, result);
    },
    getRun,
    listRuns(query = {}) {
      const limit = query.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`listRuns: limit must be a positive integer, got ${limit}`);
      // Only fixed fragments are joined; values always travel as parameters.
      const where: string[] = [];
      const params: Record<string, string | number> = { limit };
      if (query.repository !== undefined) {
        where.push('repository_location = @repository');
        params.repository = query.repository;
      }
      if (query.repositoryId !== undefined) {
        where.push('repository_id = @repositoryId');
        params.repositoryId = query.repositoryId;
      }
      if (query.jobId !== undefined) {
        where.push('job_id = @jobId');
        params.jobId = query.jobId;
      }
      if (query.kind !== undefined) {
        where.push('kind = @kind');
        params.kind = query.kind;
      }
      const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
      return db.prepare(`SELECT ${columns} FROM runs ${filter} ORDER BY started_at DESC, id DESC LIMIT @limit`).all(params).map(toRun);
    },
    markInterruptedRuns() {
      return markInterrupted.immediate();
    },
  };
}
