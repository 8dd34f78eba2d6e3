// The composition root: one engine for a home folder, owning the catalog, this session's unlocked repositories, the scheduler and queue, the runs in progress and the event stream.

import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { EventName } from '../../shared/ipc/contract.ts';
import { openCatalog, type Catalog, type StoredJob } from './catalog/catalog.ts';
import { catalogFileName } from './catalog/location.ts';
import { AirlockError } from './errors.ts';
import { ActiveRuns, type EngineEvents } from './ipc/active-runs.ts';
import { followJobRuns } from './ipc/job-runs.ts';
import { UnlockedRepositories } from './ipc/unlocked-repositories.ts';
import { alertCenterFor } from './alerts/alert-center-for.ts';
import type { AlertCenter } from './alerts/alert-center.ts';
import type { DriveLister } from './drives/drive.ts';
import { resolveDrives } from './drives/locate.ts';
import { systemDriveLister } from './drives/system-drives.ts';
import { Daemon } from './jobs/daemon.ts';
import { DriveGate } from './jobs/drive-gate.ts';
import { acquireInstanceLock, currentHolder, type InstanceLock } from './jobs/instance-lock.ts';
import type { ExecuteJob } from './jobs/job-runner.ts';
import { openJsonLog, type JsonLog } from './jobs/json-log.ts';
import { passphraseProvider, runJob, type JobRunSummary } from './jobs/run-job.ts';
import type { TimerHandle } from './jobs/clock.ts';
import { TypedEmitter } from './jobs/typed-emitter.ts';
import { createMemorySecretStore, secretKeys, silentNotifier, systemClock, type Clock, type Notifier, type SecretStore } from './ports.ts';
import { LocalStorage } from './repo/local-storage.ts';
import { Repository } from './repo/repository.ts';

export interface EngineOptions {
  /** The folder of the catalog and the logs (AIRLOCK_HOME). */
  readonly home: string;
  readonly clock?: Clock;
  /** Where remembered passphrases and passwords live; in memory (lost at exit) when absent. */
  readonly secrets?: SecretStore;
  readonly notifier?: Notifier;
  /** Who acts, for the audit log; default "app:<user>@<host>". */
  readonly actor?: string;
  /** The mounted drives, so that a run whose drive is unplugged waits for it; the system's by default. */
  readonly drives?: DriveLister;
  /** How often to try for the scheduler again while `airlock daemon` (or another app) holds it. Default 30 s. */
  readonly schedulerRetryMs?: number;
}

/** Who schedules this home's jobs, as far as this engine knows: it, another process (`airlock daemon`), or no one yet. */
export type SchedulerState =
  | { readonly by: 'this-engine' }
  /** `role` is the holder's ("daemon", "app") when its lock file could be read; `message` names it in full. */
  | { readonly by: 'elsewhere'; readonly role: string | undefined; readonly message: string }
  | { readonly by: 'not-started' };

export interface Engine {
  readonly home: string;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly secrets: SecretStore;
  readonly notifier: Notifier;
  readonly actor: string;
  readonly repositories: UnlockedRepositories;
  readonly runs: ActiveRuns;
  readonly log: JsonLog;
  /** The scheduler and its queue; `runNow` goes through the same queue. */
  readonly daemon: Daemon;
  /** Whether this engine schedules jobs; false while `airlock daemon` (or another app) holds this home's scheduler. */
  readonly scheduling: boolean;
  /** The same, with the holder's description when it is another process; the engine keeps trying to take over. */
  readonly scheduler: SchedulerState;
  /** Outcomes of runs and drive waits become alerts here: the log, the desktop (and the `alert` event), email. */
  readonly alerts: AlertCenter;
  /** The mounted drives: where a job's removable drives are, and which it waits for. */
  readonly drives: DriveLister;
  on<E extends EventName>(event: E, listener: (payload: EngineEvents[E]) => void): () => void;
  emit<E extends EventName>(event: E, payload: EngineEvents[E]): void;
  /** Queues a run of the job now and returns its run id. */
  runJobNow(stored: StoredJob): string;
  /**
   * Starts scheduling (once). While another process holds the scheduler lock, the engine leaves scheduling to it and
   * tries again every `schedulerRetryMs`, so that the app takes over when `airlock daemon` stops.
   */
  start(): void;
  /** Stops scheduling, cancels what runs, and closes the catalog. */
  close(): Promise<void>;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? systemClock;
  const now = (): Date => clock.now();
  const secrets = options.secrets ?? createMemorySecretStore();
  const notifier = options.notifier ?? silentNotifier;
  const actor = options.actor ?? `app:${currentUser()}@${hostname()}`;
  const catalog = openCatalog(join(options.home, catalogFileName), { now });
  // Its own file: `airlock daemon` writes and rotates airlock.log in the same folder.
  const log = openJsonLog(join(options.home, 'logs'), { now, fileName: 'app.log' });
  const emitter = new TypedEmitter<EngineEvents>((err) => {
    log.write('error', 'event.listener-failed', { message: err instanceof Error ? err.message : String(err) });
  });
  const emit = <E extends EventName>(event: E, payload: EngineEvents[E]): void => {
    emitter.emit(event, payload);
  };
  const runs = new ActiveRuns(clock, emit);
  const repositories = new UnlockedRepositories(catalog, secrets, now);
  const drives = options.drives ?? systemDriveLister();
  const alerts = alertCenterFor({
    catalog,
    clock,
    log,
    desktop: {
      notify: (alert) => {
        emit('alert', alert);
        notifier.notify(alert);
      },
    },
    smtpPassword: () => secrets.get(secretKeys.smtpPassword),
  });

  // A job opens its repositories with what this session unlocked or remembered; the job's own passphrase files and
  // AIRLOCK_PASSPHRASE (as the daemon reads them) come after.
  const execute: ExecuteJob = (stored, context) => {
    // The drive may be mounted somewhere else than when the job was saved; the gate already made sure it is there.
    const resolution = resolveDrives(stored.job.drives ?? [], drives.list());
    const locate = (path: string): string => resolution.locate(path);
    return runJob(stored.job, {
      catalog,
      actor,
      locate,
      databasePassword: (source) => secrets.get(secretKeys.databasePassword(source)),
      openRepository: async (location) => {
        const passphrase =
          (await repositories.passphraseOf(location)) ??
          (await passphraseProvider({
            files: stored.passphraseFiles,
            fallback: () => {
              throw new AirlockError(
                'REPO_LOCKED',
                `Airlock does not have the passphrase of the repository at ${location}. Open it in Airlock and choose to remember the passphrase, so that its backups can run on their own.`,
              );
            },
          })(location));
        return Repository.open(new LocalStorage(locate(location)), passphrase, { now });
      },
      signal: context.signal,
      onProgress: (progress) => {
        context.reportProgress(progress);
      },
    });
  };

  const daemon = new Daemon({ catalog, clock, log, execute, drives, alerts });
  // Runs started by hand and re-runs after a crash wait for their drives too. Their own gate reads each job's drives
  // from the catalog, as the daemon's reads its list of scheduled jobs.
  const manualGate = new DriveGate<JobRunSummary>({ queue: daemon.runner.queue, clock, drives, drivesOf: (jobId) => catalog.getJob(jobId)?.job.drives ?? [] });
  daemon.runner.enterThrough(manualGate);
  manualGate.onGate('waiting', (e) => {
    log.write('warn', 'drive.waiting', { ...e });
    // A person who clicked "run now" sees the wait in the app; only an unattended re-run is worth an alert.
    if (e.trigger !== 'manual') alerts.driveWaiting(e);
  });
  manualGate.onGate('released', (e) => {
    log.write('info', 'drive.found', { ...e });
  });
  followJobRuns({
    queue: daemon.runner.queue,
    gates: daemon.driveGate === undefined ? [manualGate] : [daemon.driveGate, manualGate],
    runs,
    jobName: (jobId) => catalog.getJob(jobId)?.job.name ?? jobId,
  });

  const schedulerRetryMs = options.schedulerRetryMs ?? 30_000;
  let instanceLock: InstanceLock | undefined;
  let elsewhere: { readonly role: string | undefined; readonly message: string } | undefined;
  let retryTimer: TimerHandle | undefined;
  let started = false;
  let closed = false;

  /** Looks for the scheduler lock again later; a failure then (an unreadable lock folder) is logged, not thrown. */
  const retryLater = (): void => {
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      try {
        trySchedule();
      } catch (err) {
        log.write('error', 'engine.scheduler-lock-failed', { message: err instanceof Error ? err.message : String(err) });
        retryLater();
      }
    }, schedulerRetryMs);
  };

  /** Takes the scheduler lock and starts scheduling, or notes who has it and looks again later. */
  function trySchedule(): void {
    if (closed) return;
    try {
      instanceLock = acquireInstanceLock(options.home, 'app', { now });
    } catch (err) {
      if (!(err instanceof AirlockError && err.code === 'SCHEDULER_RUNNING')) throw err;
      if (elsewhere?.message !== err.message) log.write('info', 'engine.not-scheduling', { message: err.message });
      elsewhere = { role: currentHolder(options.home)?.role, message: err.message };
      retryLater();
      return;
    }
    if (elsewhere !== undefined) log.write('info', 'engine.scheduling', { message: 'The scheduler lock is free again; this app now schedules the jobs.' });
    elsewhere = undefined;
    daemon.start();
    emit('status.changed', {});
  }

  return {
    home: options.home,
    catalog,
    clock,
    secrets,
    notifier,
    actor,
    repositories,
    runs,
    log,
    daemon,
    get scheduling() {
      return instanceLock !== undefined;
    },
    get scheduler(): SchedulerState {
      if (instanceLock !== undefined) return { by: 'this-engine' };
      return elsewhere === undefined ? { by: 'not-started' } : { by: 'elsewhere', ...elsewhere };
    },
    alerts,
    drives,
    on: (event, listener) => emitter.on(event, listener),
    emit,
    runJobNow(stored) {
      if (closed) throw new AirlockError('USAGE', 'The engine is shutting down; nothing new can start.');
      return daemon.runner.runNow(stored, { retries: 0 }).id;
    },
    start() {
      if (started || closed) return;
      started = true;
      trySchedule();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      runs.cancelAll('Airlock is closing; the run was stopped cleanly and nothing already stored was harmed.');
      manualGate.stop('Airlock closed while this run waited for its drive.');
      // A cancelled restore or check still records its end and releases its repository lock; the catalog stays open for that.
      await runs.settled();
      if (instanceLock !== undefined) await daemon.stop('the app is closing');
      else await daemon.runner.shutdown(0);
      // Alerts of the last runs may still be on their way to the relay (the daemon's stop waits for them when it ran).
      await alerts.idle();
      instanceLock?.release();
      instanceLock = undefined;
      repositories.lockAll();
      catalog.close();
      log.close();
    },
  };
}
