// The headless scheduler: one instance per AIRLOCK_HOME, jobs from the catalog, runs through the persistent queue, a graceful stop.

import type { AlertCenter } from '../alerts/alert-center.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { DriveLister } from '../drives/drive.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { DriveGate } from './drive-gate.ts';
import { acquireInstanceLock, type InstanceLock } from './instance-lock.ts';
import { JobRunner, type ExecuteJob, type RunnerEvent } from './job-runner.ts';
import type { JobRunSummary } from './run-job.ts';
import type { Job } from './job.ts';
import type { JsonLog } from './json-log.ts';
import { Scheduler, type SchedulableJob } from './scheduler.ts';

export interface DaemonOptions {
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly log: JsonLog;
  readonly execute: ExecuteJob;
  /** Job runs at once; default 1. */
  readonly concurrency?: number;
  /** How long a running job may go on finishing after a stop is asked for; then it is cancelled. Default 30 s. */
  readonly graceMs?: number;
  /** How often to look for jobs added, edited or paused by another process (the CLI). Default 2 s. */
  readonly watchMs?: number;
  /** The scheduler's look-again interval, against wall-clock jumps. Default one minute. */
  readonly recheckMs?: number;
  /** Mounted drives: a run whose drive is not plugged in waits for it. Without it, every due run is queued at once. */
  readonly drives?: DriveLister;
  /** How often a waiting run looks for its drive. Default 10 s. */
  readonly drivePollMs?: number;
  /** Told of every run outcome and drive wait; without it, outcomes only reach the log. */
  readonly alerts?: AlertCenter;
}

export const defaultGraceMs = 30_000;

function describeEvent(event: RunnerEvent): { level: 'info' | 'warn' | 'error'; name: string; fields: Record<string, unknown> } {
  switch (event.type) {
    case 'finished': {
      const { type, summary, ...rest } = event;
      const level = event.state === 'succeeded' ? 'info' : event.state === 'partial' || event.state === 'interrupted' || event.state === 'cancelled' ? 'warn' : 'error';
      const fields: Record<string, unknown> = { ...rest };
      if (summary !== undefined) {
        fields.snapshots = summary.snapshots.map((s) => ({ repository: s.repository, source: s.source, snapshot: s.snapshotId, partial: s.partial, bytesAdded: s.bytesAdded }));
        fields.removed = summary.retention.reduce((n, r) => n + r.removed.length, 0);
        fields.warnings = summary.warnings.length;
        if (summary.failures.length > 0) fields.failures = summary.failures.map((f) => ({ step: f.step, repository: f.repository, source: f.source, code: f.code, message: f.message }));
      }
      return { level, name: `run.${type}`, fields };
    }
    case 'error':
      return { level: 'error', name: 'catalog.error', fields: { message: event.message } };
    case 'not-retried':
      return { level: 'warn', name: 'run.not-retried', fields: { jobId: event.jobId, runId: event.runId, reason: event.reason } };
    case 'retry-scheduled': {
      const { type, ...rest } = event;
      return { level: 'warn', name: `run.${type}`, fields: rest };
    }
    default: {
      const { type, ...rest } = event;
      return { level: 'info', name: `run.${type}`, fields: rest };
    }
  }
}

/** The scheduler, the persistent queue and the watch on the catalog, for as long as it runs. */
export class Daemon {
  readonly runner: JobRunner;
  readonly scheduler: Scheduler;
  /** Present when the daemon was given a drive lister. */
  readonly driveGate: DriveGate<JobRunSummary> | undefined;
  private readonly catalog: Catalog;
  private readonly clock: Clock;
  private readonly log: JsonLog;
  private readonly graceMs: number;
  private readonly watchMs: number;
  private readonly alerts: AlertCenter | undefined;
  private watchTimer: TimerHandle | undefined;
  private lastVersion = -1;
  private lastJobs: readonly (SchedulableJob & Pick<Job, 'drives'>)[] = [];
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(options: DaemonOptions) {
    this.catalog = options.catalog;
    this.clock = options.clock;
    this.log = options.log;
    this.graceMs = options.graceMs ?? defaultGraceMs;
    this.watchMs = options.watchMs ?? 2_000;
    this.alerts = options.alerts;
    this.runner = new JobRunner({
      catalog: options.catalog,
      clock: options.clock,
      execute: options.execute,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      onEvent: (event) => {
        const { level, name, fields } = describeEvent(event);
        this.log.write(level, name, fields);
        this.alerts?.runnerEvent(event);
      },
    });
    this.driveGate =
      options.drives === undefined
        ? undefined
        : new DriveGate({
            queue: this.runner.queue,
            clock: options.clock,
            drives: options.drives,
            drivesOf: (jobId) => this.lastJobs.find((j) => j.id === jobId)?.drives ?? [],
            ...(options.drivePollMs === undefined ? {} : { pollMs: options.drivePollMs }),
          });
    this.driveGate?.onGate('waiting', (e) => {
      this.log.write('warn', 'drive.waiting', { ...e });
      this.alerts?.driveWaiting(e);
    });
    this.driveGate?.onGate('released', (e) => {
      this.log.write('info', 'drive.found', { ...e });
    });
    this.scheduler = new Scheduler({
      jobs: {
        listJobs: () => this.readJobs(),
        lastRun: (jobId) => this.catalog.lastJobRunAt(jobId),
      },
      queue: this.driveGate ?? this.runner.queue,
      clock: options.clock,
      ...(options.recheckMs === undefined ? {} : { recheckMs: options.recheckMs }),
    });
    this.scheduler.on('missed', (e) => {
      this.log.write('warn', 'schedule.missed', { ...e });
    });
    this.scheduler.on('coalesced', (e) => {
      this.log.write('info', 'schedule.coalesced', { ...e });
    });
    this.scheduler.on('invalid', (e) => {
      this.log.write('error', 'schedule.invalid', { ...e });
    });
    this.scheduler.on('armed', (e) => {
      this.log.write('debug', 'schedule.armed', { nextRun: e.nextRun ?? null });
    });
  }

  /** Queues interrupted runs again, then what is due or missed, and keeps scheduling until `stop`. */
  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.lastVersion = this.catalog.dataVersion();
    const jobs = this.readJobs();
    const retried = this.runner.retryInterrupted();
    this.log.write('info', 'daemon.started', { pid: process.pid, catalog: this.catalog.path, jobs: jobs.length, retriedInterrupted: retried, interruptedAtOpen: this.catalog.interruptedJobRunsAtOpen });
    this.alerts?.start();
    this.scheduler.start();
    this.watch();
  }

  /** Stops scheduling, lets running jobs finish within the grace period (then cancels them), and returns when all is quiet. */
  async stop(reason: string): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.log.write('info', 'daemon.stopping', { reason, running: this.runner.queue.runningCount, graceMs: this.graceMs });
    this.scheduler.stop();
    this.driveGate?.stop('The scheduler stopped while this run waited for its drive; it is scheduled again at the next start.');
    if (this.watchTimer !== undefined) this.clock.clearTimeout(this.watchTimer);
    this.watchTimer = undefined;
    await this.runner.shutdown(this.graceMs);
    this.alerts?.stop();
    // Alerts of the last runs are on their way to the relay; a stop must not drop them.
    await this.alerts?.idle();
    this.state = 'stopped';
    this.log.write('info', 'daemon.stopped', { pending: this.runner.queue.list().length });
  }

  /** The jobs as the scheduler sees them; an unreadable catalog keeps the last good list rather than stopping everything. */
  private readJobs(): readonly (SchedulableJob & Pick<Job, 'drives'>)[] {
    try {
      this.lastJobs = this.catalog.listJobs().map((s) => s.job);
    } catch (err) {
      this.log.write('error', 'jobs.unreadable', { message: err instanceof Error ? err.message : String(err) });
    }
    return this.lastJobs;
  }

  // Another process (`airlock job add`, the app) changed the catalog: look at the jobs again now, not at the next run.
  private watch(): void {
    this.watchTimer = this.clock.setTimeout(() => {
      this.watchTimer = undefined;
      if (this.state !== 'running') return;
      try {
        const version = this.catalog.dataVersion();
        if (version !== this.lastVersion) {
          this.lastVersion = version;
          this.scheduler.refresh();
        }
      } catch (err) {
        this.log.write('error', 'catalog.error', { message: err instanceof Error ? err.message : String(err) });
      }
      this.watch();
    }, this.watchMs);
  }
}

export interface RunDaemonOptions extends Omit<DaemonOptions, 'catalog' | 'log'> {
  /** Where the single-instance lock lives: the folder of the catalog (AIRLOCK_HOME). */
  readonly home: string;
  /** Aborted by SIGTERM/SIGINT: the daemon then stops gracefully. */
  readonly signal: AbortSignal;
  /** Called once the lock is held; the caller closes the catalog. */
  readonly openCatalog: () => Promise<Catalog>;
  /** Called once the lock is held; closed when the daemon stops. */
  readonly openLog: () => JsonLog;
  /** Called once the catalog and the log are open, to build where alerts go. */
  readonly openAlerts?: (catalog: Catalog, log: JsonLog) => AlertCenter;
}

/**
 * Runs the scheduler until `signal` is aborted, holding the single-instance lock the whole time. Throws
 * SCHEDULER_RUNNING before opening anything when another daemon or the app already schedules from this home.
 */
export async function runDaemon(options: RunDaemonOptions): Promise<void> {
  const lock: InstanceLock = acquireInstanceLock(options.home, 'daemon', { now: () => options.clock.now() });
  let log: JsonLog | undefined;
  try {
    log = options.openLog();
    const catalog = await options.openCatalog();
    const alerts = options.openAlerts?.(catalog, log);
    const daemon = new Daemon({ ...options, catalog, log, ...(alerts === undefined ? {} : { alerts }) });
    daemon.start();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener('abort', () => { resolve(); }, { once: true });
    });
    await daemon.stop('a stop was asked for (SIGTERM or Ctrl-C)');
  } catch (err) {
    log?.write('error', 'daemon.failed', { message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    log?.close();
    lock.release();
  }
}
