// Stored jobs and the record of their runs: definitions validated on every read, and the queue's state kept across restarts.

import { isAbsolute } from 'node:path';
import type Database from 'better-sqlite3';
import * as z from 'zod';
import { AirlockError } from '../errors.ts';
import { parseJob, type Job } from '../jobs/job.ts';
import { ownerIsGone, type ProcessProbe, type RunOwner } from './run-owners.ts';
import { parseJsonColumn, parseRow, unreadableRow } from './stored-rows.ts';

/** A job plus where its repositories' passphrases are read from: file paths, never the passphrases themselves. */
export interface JobDefinition {
  readonly job: Job;
  /** Repository location → a file whose first line is that repository's passphrase. */
  readonly passphraseFiles: Readonly<Record<string, string>>;
}

export interface StoredJob extends JobDefinition {
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const passphraseFilesSchema = z.record(
  z.string().min(1),
  z.string().refine((path) => isAbsolute(path), 'a passphrase file must be given as an absolute path'),
);

/**
 * Validates a job definition as stored, exported or imported: the job's fields and an optional `passphraseFiles` map,
 * whose keys must be repositories of the job. Throws USAGE listing every problem.
 */
export function parseJobDefinition(input: unknown): JobDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AirlockError('USAGE', 'The job definition is not valid: it must be a JSON object with the job\'s fields.');
  }
  const { passphraseFiles: files, ...fields } = input as Record<string, unknown>;
  const job = parseJob(fields);
  const parsed = passphraseFilesSchema.safeParse(files ?? {});
  if (!parsed.success) {
    const why = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new AirlockError('USAGE', `The job definition is not valid: passphraseFiles: ${why}.`);
  }
  const strangers = Object.keys(parsed.data).filter((location) => !job.repositories.includes(location));
  if (strangers.length > 0) {
    throw new AirlockError('USAGE', `The job definition is not valid: passphraseFiles names ${strangers.join(', ')}, which ${strangers.length === 1 ? 'is' : 'are'} not among the job's repositories.`);
  }
  return { job, passphraseFiles: parsed.data };
}

/** The readable JSON form of a definition, as stored and as `job export` writes it. */
export function definitionJson(definition: JobDefinition): Record<string, unknown> {
  const files = definition.passphraseFiles;
  return Object.keys(files).length === 0 ? { ...definition.job } : { ...definition.job, passphraseFiles: { ...files } };
}

export const jobRunTriggers = ['manual', 'scheduled', 'catch-up'] as const;
export type JobRunTrigger = (typeof jobRunTriggers)[number];

export const jobRunStates = ['queued', 'running', 'waiting-retry', 'succeeded', 'partial', 'failed', 'cancelled', 'timed-out', 'interrupted'] as const;
export type JobRunState = (typeof jobRunStates)[number];
/** How a job run can end when its own process reports it; `interrupted` is concluded by a later process (or at shutdown). */
export type JobRunEnd = Exclude<JobRunState, 'queued' | 'running' | 'waiting-retry'>;

const pendingStates: readonly JobRunState[] = ['queued', 'running', 'waiting-retry'];

/** What a finished job run produced, summed over its repositories and sources. */
export interface JobRunTotals {
  readonly snapshots: number;
  readonly bytesRead: number;
  readonly bytesAdded: number;
  readonly warnings: number;
  readonly partial: boolean;
}

export interface JobRun {
  readonly id: number;
  readonly jobId: string;
  readonly trigger: JobRunTrigger;
  /** The interrupted run this one repeats, when it was queued at start-up for that reason. */
  readonly retryOf: number | null;
  readonly scheduledFor: Date;
  readonly queuedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly state: JobRunState;
  readonly attempts: number;
  /** Why it failed, was cancelled or waits to retry: a sentence without secrets. */
  readonly reason: string | null;
  readonly errorCode: string | null;
  readonly totals: JobRunTotals | null;
}

export interface JobRunQueued {
  readonly jobId: string;
  readonly trigger: JobRunTrigger;
  readonly scheduledFor: Date;
  readonly retryOf?: number;
}

export interface JobRunResult {
  readonly state: JobRunEnd;
  readonly reason?: string;
  readonly errorCode?: string;
  readonly totals?: JobRunTotals;
}

export interface JobStore {
  /** Stores a new job; JOB_EXISTS when its id or name is taken. */
  addJob(definition: JobDefinition): StoredJob;
  /** Replaces the job with the same id; JOB_NOT_FOUND if there is none, JOB_EXISTS if the new name belongs to another job. */
  replaceJob(definition: JobDefinition): StoredJob;
  getJob(id: string): StoredJob | undefined;
  /** By name (case-insensitive) or id. */
  findJob(nameOrId: string): StoredJob | undefined;
  /** By name. */
  listJobs(): StoredJob[];
  /** By name or id, without reading the definition, so that even an unreadable job can be removed. */
  removeJob(nameOrId: string): boolean;
  setJobPaused(id: string, paused: boolean): StoredJob;

  queueJobRun(queued: JobRunQueued): number;
  startJobRun(id: number, attempt: number): void;
  /** The attempt failed and another follows after a delay. */
  retryJobRunLater(id: number, reason: string, errorCode: string | undefined): void;
  finishJobRun(id: number, result: JobRunResult): JobRun;
  getJobRun(id: number): JobRun | undefined;
  /** Newest first (by the time they were queued). */
  listJobRuns(query?: { readonly jobId?: string; readonly limit?: number }): JobRun[];
  /** When the job's newest run was queued: the scheduler counts scheduled times from there. */
  lastJobRunAt(jobId: string): Date | undefined;
  /** Marks job runs whose process is gone as interrupted; returns how many. Called by `openCatalog`. */
  markInterruptedJobRuns(): number;
  /** A number that changes whenever another connection commits to the catalog: a cheap "did anything change?". */
  dataVersion(): number;
}

const jobRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  definition: z.string(),
  paused: z.union([z.literal(0), z.literal(1)]),
  created_at: z.int(),
  updated_at: z.int(),
});

const runRowSchema = z.object({
  id: z.int(),
  job_id: z.string(),
  trigger: z.enum(jobRunTriggers),
  retry_of: z.int().nullable(),
  scheduled_for: z.int(),
  queued_at: z.int(),
  started_at: z.int().nullable(),
  finished_at: z.int().nullable(),
  state: z.enum(jobRunStates),
  attempts: z.int().nonnegative(),
  reason: z.string().nullable(),
  error_code: z.string().nullable(),
  summary: z.string().nullable(),
});

const totalsSchema = z.object({
  snapshots: z.int().nonnegative(),
  bytesRead: z.number().nonnegative(),
  bytesAdded: z.number().nonnegative(),
  warnings: z.int().nonnegative(),
  partial: z.boolean(),
});

const ownerSchema = z.object({
  id: z.int(),
  owner_pid: z.int().nullable(),
  owner_token: z.string().nullable(),
  owner_boot_ms: z.int().nullable(),
});

const jobColumns = 'id, name, definition, paused, created_at, updated_at';
const runColumns = 'id, job_id, trigger, retry_of, scheduled_for, queued_at, started_at, finished_at, state, attempts, reason, error_code, summary';

export interface JobStoreDeps {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
  readonly owner: RunOwner;
  readonly probe: ProcessProbe;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'code' in err && (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}

export function createJobStore({ db, path, now, owner, probe }: JobStoreDeps): JobStore {
  const toJob = (row: unknown): StoredJob => {
    const r = parseRow(jobRowSchema, row, path, 'a job');
    let definition: JobDefinition;
    try {
      definition = parseJobDefinition(JSON.parse(r.definition));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new AirlockError(
        'CATALOG_UNREADABLE',
        `The job "${r.name}" in the catalog at ${path} cannot be read (${why}). Remove it with \`airlock job remove "${r.name}"\` and add it again.`,
        { cause: err },
      );
    }
    // The column is the truth for pausing: pausing must not rewrite (and re-validate) the whole definition.
    return { job: { ...definition.job, paused: r.paused === 1 }, passphraseFiles: definition.passphraseFiles, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at) };
  };

  const toRun = (row: unknown): JobRun => {
    const r = parseRow(runRowSchema, row, path, 'a job run');
    return {
      id: r.id,
      jobId: r.job_id,
      trigger: r.trigger,
      retryOf: r.retry_of,
      scheduledFor: new Date(r.scheduled_for),
      queuedAt: new Date(r.queued_at),
      startedAt: r.started_at === null ? null : new Date(r.started_at),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
      state: r.state,
      attempts: r.attempts,
      reason: r.reason,
      errorCode: r.error_code,
      totals: r.summary === null ? null : parseJsonColumn(totalsSchema, r.summary, path, `the summary of job run ${r.id}`),
    };
  };

  const insertJob = db.prepare(
    `INSERT INTO jobs (id, name, definition, paused, created_at, updated_at) VALUES (@id, @name, @definition, @paused, @at, @at)`,
  );
  const updateJob = db.prepare(`UPDATE jobs SET name = @name, definition = @definition, paused = @paused, updated_at = @at WHERE id = @id`);
  const updatePaused = db.prepare(`UPDATE jobs SET paused = @paused, updated_at = @at WHERE id = @id`);
  const selectJob = db.prepare(`SELECT ${jobColumns} FROM jobs WHERE id = ?`);
  const selectByName = db.prepare(`SELECT ${jobColumns} FROM jobs WHERE name = ?`);
  const selectJobs = db.prepare(`SELECT ${jobColumns} FROM jobs ORDER BY name, id`);
  const deleteJob = db.prepare(`DELETE FROM jobs WHERE id = @key OR name = @key`);

  const insertRun = db.prepare(
    `INSERT INTO job_runs (job_id, trigger, retry_of, scheduled_for, queued_at, state, owner_pid, owner_token, owner_boot_ms)
     VALUES (@jobId, @trigger, @retryOf, @scheduledFor, @queuedAt, 'queued', @pid, @token, @bootMs)`,
  );
  const startRun = db.prepare(`UPDATE job_runs SET state = 'running', attempts = @attempt, started_at = coalesce(started_at, @at), reason = NULL, error_code = NULL WHERE id = @id`);
  const retryLater = db.prepare(`UPDATE job_runs SET state = 'waiting-retry', reason = @reason, error_code = @errorCode WHERE id = @id`);
  const finishRun = db.prepare(
    `UPDATE job_runs SET state = @state, finished_at = @at, reason = @reason, error_code = @errorCode, summary = @summary WHERE id = @id`,
  );
  const selectRun = db.prepare(`SELECT ${runColumns} FROM job_runs WHERE id = ?`);
  const selectLastAt = db.prepare(`SELECT max(queued_at) FROM job_runs WHERE job_id = ?`).pluck();
  const selectPending = db.prepare(`SELECT id, owner_pid, owner_token, owner_boot_ms FROM job_runs WHERE state IN ('queued', 'running', 'waiting-retry')`);
  const interrupt = db.prepare(
    `UPDATE job_runs SET state = 'interrupted', reason = 'Airlock stopped before this run finished (a crash, a power cut or a forced stop).'
     WHERE id = ? AND state IN ('queued', 'running', 'waiting-retry')`,
  );

  const getJob = (id: string): StoredJob | undefined => {
    const row = selectJob.get(id);
    return row === undefined ? undefined : toJob(row);
  };
  const getJobRun = (id: number): JobRun | undefined => {
    const row = selectRun.get(id);
    return row === undefined ? undefined : toRun(row);
  };
  const mustGet = (id: string): StoredJob => {
    const job = getJob(id);
    if (job === undefined) throw new AirlockError('JOB_NOT_FOUND', `There is no job with the id "${id}". See \`airlock job list\`.`);
    return job;
  };
  const columnsOf = (definition: JobDefinition): Record<string, string | number> => ({
    id: definition.job.id,
    name: definition.job.name,
    definition: JSON.stringify(definitionJson(definition)),
    paused: definition.job.paused ? 1 : 0,
    at: now().getTime(),
  });
  const nameTaken = (name: string): AirlockError =>
    new AirlockError('JOB_EXISTS', `A job named "${name}" already exists. Choose another name, or change that job with \`airlock job edit\`.`);

  const markInterrupted = db.transaction((): number => {
    let marked = 0;
    for (const row of selectPending.all()) {
      const r = parseRow(ownerSchema, row, path, 'a pending job run');
      if (ownerIsGone({ pid: r.owner_pid, token: r.owner_token, bootMs: r.owner_boot_ms }, probe)) marked += interrupt.run(r.id).changes;
    }
    return marked;
  });

  return {
    addJob(definition) {
      if (getJob(definition.job.id) !== undefined) {
        throw new AirlockError('JOB_EXISTS', `A job with the id "${definition.job.id}" already exists. Give the new job another id.`);
      }
      try {
        insertJob.run(columnsOf(definition));
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(definition.job.name);
        throw err;
      }
      return mustGet(definition.job.id);
    },
    replaceJob(definition) {
      mustGet(definition.job.id);
      try {
        updateJob.run(columnsOf(definition));
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(definition.job.name);
        throw err;
      }
      return mustGet(definition.job.id);
    },
    getJob,
    findJob(nameOrId) {
      const row = selectByName.get(nameOrId) ?? selectJob.get(nameOrId);
      return row === undefined ? undefined : toJob(row);
    },
    listJobs() {
      return selectJobs.all().map(toJob);
    },
    removeJob(nameOrId) {
      return deleteJob.run({ key: nameOrId }).changes > 0;
    },
    setJobPaused(id, paused) {
      if (updatePaused.run({ id, paused: paused ? 1 : 0, at: now().getTime() }).changes === 0) mustGet(id);
      return mustGet(id);
    },

    queueJobRun(queued) {
      const time = queued.scheduledFor.getTime();
      if (!Number.isFinite(time)) throw new RangeError('queueJobRun: scheduledFor is not a valid date');
      const info = insertRun.run({
        jobId: queued.jobId,
        trigger: queued.trigger,
        retryOf: queued.retryOf ?? null,
        scheduledFor: time,
        queuedAt: now().getTime(),
        pid: owner.pid,
        token: owner.token,
        bootMs: owner.bootMs,
      });
      return Number(info.lastInsertRowid);
    },
    startJobRun(id, attempt) {
      if (startRun.run({ id, attempt, at: now().getTime() }).changes === 0) throw new Error(`startJobRun: there is no job run ${id}`);
    },
    retryJobRunLater(id, reason, errorCode) {
      if (retryLater.run({ id, reason, errorCode: errorCode ?? null }).changes === 0) throw new Error(`retryJobRunLater: there is no job run ${id}`);
    },
    finishJobRun(id, result) {
      const changed = finishRun.run({
        id,
        state: result.state,
        at: now().getTime(),
        reason: result.reason ?? null,
        errorCode: result.errorCode ?? null,
        summary: result.totals === undefined ? null : JSON.stringify(result.totals),
      }).changes;
      const run = getJobRun(id);
      if (changed === 0 || run === undefined) throw new Error(`finishJobRun: there is no job run ${id}`);
      return run;
    },
    getJobRun,
    listJobRuns(query = {}) {
      const limit = query.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`listJobRuns: limit must be a positive integer, got ${limit}`);
      const rows =
        query.jobId === undefined
          ? db.prepare(`SELECT ${runColumns} FROM job_runs ORDER BY queued_at DESC, id DESC LIMIT ?`).all(limit)
          : db.prepare(`SELECT ${runColumns} FROM job_runs WHERE job_id = ? ORDER BY queued_at DESC, id DESC LIMIT ?`).all(query.jobId, limit);
      return rows.map(toRun);
    },
    lastJobRunAt(jobId) {
      const value: unknown = selectLastAt.get(jobId);
      if (value === null || value === undefined) return undefined;
      if (typeof value !== 'number') throw unreadableRow(path, `a job run time of job ${jobId}`);
      return new Date(value);
    },
    markInterruptedJobRuns() {
      return markInterrupted.immediate();
    },
    dataVersion() {
      const version: unknown = db.pragma('data_version', { simple: true });
      if (typeof version !== 'number') throw new Error(`PRAGMA data_version returned ${String(version)}`);
      return version;
    },
  };
}

/** True while the run is still with the queue (or was, when its process died). */
export function isPending(state: JobRunState): boolean {
  return pendingStates.includes(state);
}
