// The run queue wired to the catalog: each job run is recorded from queued to outcome, so the queue survives restarts.

import type { Catalog, JobRunEnd, JobRunResult, JobRunTrigger, StoredJob } from '../catalog/catalog.ts';
import { AirlockError } from '../errors.ts';
import type { DriveLister } from '../drives/drive.ts';
import { resolveDrives } from '../drives/locate.ts';
import type { Clock } from './clock.ts';
import { RunQueue, type RunContext, type RunHandle, type RunOutcome } from './queue.ts';
import type { RandomSource } from './retry.ts';
import { isRetryableJobError, JobRunFailed, passphraseProvider, repositoryOpener, runJob, totalsOf, type JobRunSummary, type JobStep } from './run-job.ts';

/** Does one attempt of a job run; `runId` is the catalog's id of the run. */
export type ExecuteJob = (stored: StoredJob, context: RunContext, runId: number | undefined) => Promise<JobRunSummary>;

export type RunnerEvent =
  | { readonly type: 'queued'; readonly jobId: string; readonly runId: number; readonly trigger: JobRunTrigger; readonly scheduledFor: Date; readonly retryOf?: number }
  | { readonly type: 'started'; readonly jobId: string; readonly runId: number; readonly attempt: number }
  | { readonly type: 'retry-scheduled'; readonly jobId: string; readonly runId: number; readonly attempt: number; readonly retryAt: Date; readonly reason: string; readonly code: string | undefined }
  | { readonly type: 'finished'; readonly jobId: string; readonly runId: number; readonly state: JobRunEnd; readonly attempts: number; readonly reason?: string; readonly code?: string; readonly summary?: JobRunSummary }
  | { readonly type: 'not-retried'; readonly jobId: string; readonly runId: number; readonly reason: string }
  | { readonly type: 'error'; readonly message: string };

export interface JobRunnerOptions {
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly execute: ExecuteJob;
  /** Job runs at once; default 1. Runs sharing a repository never overlap whatever this says. */
  readonly concurrency?: number;
  readonly random?: RandomSource;
  readonly onEvent?: (event: RunnerEvent) => void;
}

export interface JobExecutorDeps {
  readonly catalog: Catalog;
  /** Who runs the jobs, for the audit log. */
  readonly actor: string;
  /** Asked for a passphrase the job's files and AIRLOCK_PASSPHRASE do not give (the CLI prompts); absent, that is an error. */
  readonly passphraseFallback?: () => Promise<string>;
  readonly onStep?: (step: JobStep, jobId: string, runId: number | undefined) => void;
  /** Finds the job's removable drives wherever they are mounted today; without it, paths are used as saved. */
  readonly drives?: DriveLister;
}

/** The usual ExecuteJob: `runJob` with the job's passphrase files, AIRLOCK_PASSPHRASE, and the queue's signal and progress. */
export function jobExecutor(deps: JobExecutorDeps): ExecuteJob {
  return (stored, context, runId) => {
    const resolution = deps.drives === undefined ? undefined : resolveDrives(stored.job.drives ?? [], deps.drives.list());
    const locate = (path: string): string => resolution?.locate(path) ?? path;
    return runJob(stored.job, {
      catalog: deps.catalog,
      actor: deps.actor,
      locate,
      openRepository: repositoryOpener(passphraseProvider({ files: stored.passphraseFiles, ...(deps.passphraseFallback === undefined ? {} : { fallback: deps.passphraseFallback }) }), {}, locate),
      signal: context.signal,
      onProgress: (progress) => {
        context.reportProgress(progress);
      },
      onStep: (step) => deps.onStep?.(step, stored.job.id, runId),
    });
  };
}

/** After this many interrupted runs in a row the job is not started again automatically: something kills it. */
export const interruptedRetryLimit = 3;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class JobRunner {
  readonly queue: RunQueue<JobRunSummary>;
  private readonly catalog: Catalog;
  private readonly clock: Clock;
  private readonly onEvent: (event: RunnerEvent) => void;
  /** The queue's run id → the catalog's job run id. */
  private readonly rows = new Map<string, number>();
  /** Set just before an enqueue whose 'queued' event (fired inside enqueue) must note what it repeats. */
  private pendingRetryOf: number | undefined;
  /** What a re-run held at the gate repeats, by job, until the gate lets it into the queue. */
  private readonly heldRetryOf = new Map<string, number>();
  /** Where manual runs and re-runs after a crash go in: the queue, or a gate in front of it. */
  private entry: Pick<RunQueue<JobRunSummary>, 'enqueue'>;
  private stopping = false;

  constructor(options: JobRunnerOptions) {
    this.catalog = options.catalog;
    this.clock = options.clock;
    this.onEvent = options.onEvent ?? (() => undefined);
    this.queue = new RunQueue<JobRunSummary>({
      clock: options.clock,
      concurrency: options.concurrency ?? 1,
      isRetryable: isRetryableJobError,
      ...(options.random === undefined ? {} : { random: options.random }),
      run: (context) => {
        // Read fresh for every attempt: an edit made while the run waited applies to it.
        const stored = this.catalog.getJob(context.run.jobId);
        if (stored === undefined) throw new AirlockError('JOB_NOT_FOUND', `The job ${context.run.jobId} was removed before its run could start.`);
        return options.execute(stored, context, this.rows.get(context.run.id));
      },
    });
    this.entry = this.queue;
    this.queue.on('queued', ({ run }) => {
      this.guard(() => {
        const retryOf = this.pendingRetryOf ?? (run.trigger === 'catch-up' ? this.heldRetryOf.get(run.jobId) : undefined);
        this.pendingRetryOf = undefined;
        if (run.trigger === 'catch-up') this.heldRetryOf.delete(run.jobId);
        const id = this.catalog.queueJobRun({ jobId: run.jobId, trigger: run.trigger, scheduledFor: run.scheduledFor, ...(retryOf === undefined ? {} : { retryOf }) });
        this.rows.set(run.id, id);
        this.onEvent({ type: 'queued', jobId: run.jobId, runId: id, trigger: run.trigger, scheduledFor: run.scheduledFor, ...(retryOf === undefined ? {} : { retryOf }) });
      });
    });
    this.queue.on('started', ({ run, attempt }) => {
      this.guard(() => {
        const id = this.rowOf(run.id);
        this.catalog.startJobRun(id, attempt);
        this.onEvent({ type: 'started', jobId: run.jobId, runId: id, attempt });
      });
    });
    this.queue.on('retry-scheduled', ({ run, attempt, retryAt, reason, code }) => {
      this.guard(() => {
        const id = this.rowOf(run.id);
        this.catalog.retryJobRunLater(id, reason, code);
        this.onEvent({ type: 'retry-scheduled', jobId: run.jobId, runId: id, attempt, retryAt, reason, code });
      });
    });
    this.queue.on('finished', ({ outcome }) => {
      this.guard(() => {
        const id = this.rowOf(outcome.run.id);
        this.rows.delete(outcome.run.id);
        const { result, summary } = this.resultOf(outcome);
        this.catalog.finishJobRun(id, result);
        this.onEvent({
          type: 'finished',
          jobId: outcome.run.jobId,
          runId: id,
          state: result.state,
          attempts: outcome.attempts,
          ...(result.reason === undefined ? {} : { reason: result.reason }),
          ...(result.errorCode === undefined ? {} : { code: result.errorCode }),
          ...(summary === undefined ? {} : { summary }),
        });
      });
    });
  }

  /** The catalog's id for a run the queue knows, while it is pending. */
  catalogRunId(queueRunId: string): number | undefined {
    return this.rows.get(queueRunId);
  }

  /**
   * Sends manual runs and re-runs after a crash through `gate` (the drive gate, as the scheduler's runs are), so that
   * they too wait for an unplugged drive instead of failing on a missing path.
   */
  enterThrough(gate: Pick<RunQueue<JobRunSummary>, 'enqueue'>): void {
    this.entry = gate;
  }

  /** Queues a run of the job now, ahead of scheduled ones; `retries` overrides the job's own (a person waiting wants no backoff). */
  runNow(stored: StoredJob, options: { readonly retries?: number } = {}): RunHandle<JobRunSummary> {
    const { job } = stored;
    return this.entry.enqueue({
      jobId: job.id,
      repositories: job.repositories,
      trigger: 'manual',
      priority: job.priority,
      retries: options.retries ?? job.retries,
      backoff: job.backoff,
      ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
    });
  }

  /**
   * At start-up: queues once more every job whose newest run was interrupted (a crash, a power cut, a shutdown that
   * could not wait), for the time that run stood for. Paused jobs stay paused. Returns how many were queued.
   */
  retryInterrupted(): number {
    let queued = 0;
    let jobs: StoredJob[];
    try {
      jobs = this.catalog.listJobs();
    } catch (err) {
      this.onEvent({ type: 'error', message: `The jobs could not be read to retry interrupted runs: ${messageOf(err)}` });
      return 0;
    }
    for (const { job } of jobs) {
      const recent = this.catalog.listJobRuns({ jobId: job.id, limit: interruptedRetryLimit });
      const last = recent[0];
      if (last?.state !== 'interrupted' || job.paused) continue;
      if (recent.length >= interruptedRetryLimit && recent.every((r) => r.state === 'interrupted')) {
        this.onEvent({
          type: 'not-retried',
          jobId: job.id,
          runId: last.id,
          reason: `its last ${interruptedRetryLimit} runs were all interrupted, so it waits for its next scheduled time instead of starting again at once`,
        });
        continue;
      }
      this.pendingRetryOf = last.id;
      try {
        const handle = this.entry.enqueue({
          jobId: job.id,
          repositories: job.repositories,
          trigger: 'catch-up',
          scheduledFor: last.scheduledFor,
          priority: job.priority,
          retries: job.retries,
          backoff: job.backoff,
          ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
        });
        // Held at the gate (the queue has not recorded it): its 'queued' event comes with the drive, and must still say what it repeats.
        if (!this.rows.has(handle.id)) {
          this.heldRetryOf.set(job.id, last.id);
          void handle.finished.then(() => this.heldRetryOf.delete(job.id));
        }
      } finally {
        this.pendingRetryOf = undefined;
      }
      queued++;
    }
    return queued;
  }

  /** Resolves once nothing is queued, running or waiting to retry. */
  whenIdle(): Promise<void> {
    if (this.queue.list().length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.queue.on('finished', () => {
        if (this.queue.list().length === 0) {
          off();
          resolve();
        }
      });
    });
  }

  /**
   * Stops for a shutdown: runs not yet started end at once, running ones get `graceMs` to finish and are then
   * cancelled (leaving their repositories clean). Both are recorded as interrupted, so the next start runs them.
   * Waits at most `graceMs + cancelWaitMs` in all; a run that ignores its cancel is left to the next start's repair.
   */
  async shutdown(graceMs: number, cancelWaitMs = 15_000): Promise<void> {
    this.stopping = true;
    const notStarted = 'The scheduler stopped before this run started; it runs when the scheduler starts again.';
    for (const view of this.queue.list()) if (view.state !== 'running') this.queue.cancel(view.run.id, notStarted);
    if (await this.idleWithin(graceMs)) return;
    this.queue.cancelAll('The scheduler was stopped while this run was in progress; it was cancelled cleanly and runs again when the scheduler starts.');
    await this.idleWithin(cancelWaitMs);
  }

  private idleWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        resolve(false);
      }, ms);
      void this.whenIdle().then(() => {
        this.clock.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private rowOf(queueRunId: string): number {
    const id = this.rows.get(queueRunId);
    if (id === undefined) throw new Error(`the run ${queueRunId} has no row in the catalog`);
    return id;
  }

  private resultOf(outcome: RunOutcome<JobRunSummary>): { result: JobRunResult; summary?: JobRunSummary } {
    switch (outcome.state) {
      case 'succeeded': {
        const summary = outcome.result;
        return { result: { state: summary.partial ? 'partial' : 'succeeded', totals: totalsOf(summary) }, summary };
      }
      case 'failed': {
        const summary = outcome.error instanceof JobRunFailed ? outcome.error.summary : undefined;
        return {
          result: { state: 'failed', reason: outcome.reason, errorCode: outcome.code ?? 'UNEXPECTED', ...(summary === undefined ? {} : { totals: totalsOf(summary) }) },
          ...(summary === undefined ? {} : { summary }),
        };
      }
      case 'cancelled':
        // A run stopped by a shutdown is owed: recorded as interrupted, it is queued again at the next start.
        return { result: { state: this.stopping ? 'interrupted' : 'cancelled', reason: outcome.reason, errorCode: 'CANCELLED' } };
      case 'timed-out':
        return { result: { state: 'timed-out', reason: outcome.reason, errorCode: 'TIMED_OUT' } };
    }
  }

  /** Listeners run inside the queue's updates; a catalog failure there must be reported, not thrown into the queue. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.onEvent({ type: 'error', message: `The catalog could not record a job run: ${messageOf(err)}` });
    }
  }
}
