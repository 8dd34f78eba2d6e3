// The scheduler: turns job schedules and missed-run policies into queued runs, with one timer armed for the next due time.

import type { Clock, TimerHandle } from './clock.ts';
import { decideCatchUp, defaultOnTimeGraceMs } from './catch-up.ts';
import type { Job } from './job.ts';
import type { RunHandle, RunQueue, RunRequest } from './queue.ts';
import { parseSchedule, type Schedule } from './schedule.ts';
import { TypedEmitter } from './typed-emitter.ts';

/** Where the scheduler reads jobs and their history; persistence lives elsewhere (the catalog). */
export interface JobSource {
  listJobs(): readonly SchedulableJob[];
  /** When the job last started a run (any outcome), or undefined if never. */
  lastRun(jobId: string): Date | undefined;
}

/** The parts of a job the scheduler reads. */
export type SchedulableJob = Pick<Job, 'id' | 'schedule' | 'timeZone' | 'repositories' | 'missedRuns' | 'paused' | 'priority' | 'retries' | 'backoff'> &
  Partial<Pick<Job, 'timeoutMs' | 'createdAt'>>;

export interface SchedulerEvents {
  /** Scheduled times passed while the machine was off or asleep. */
  missed: { readonly jobId: string; readonly count: number; readonly capped: boolean; readonly action: 'caught-up' | 'skipped' };
  /** A due run was not queued because the job already has one waiting. */
  coalesced: { readonly jobId: string; readonly scheduledFor: Date };
  /** The job's schedule cannot be read (it was valid when saved, so the zone database changed); it is left out. */
  invalid: { readonly jobId: string; readonly reason: string };
  /** The timer was armed: the earliest next run over all jobs, undefined when none. */
  armed: { readonly nextRun: Date | undefined };
}

export interface SchedulerOptions<R = unknown> {
  readonly jobs: JobSource;
  readonly queue: Pick<RunQueue<R>, 'enqueue' | 'hasWaiting' | 'on'>;
  readonly clock: Clock;
  readonly onTimeGraceMs?: number;
  /**
   * The timer never waits longer than this before looking again, so a wall clock that jumped (sleep, a manual change)
   * is noticed within that time; default one minute.
   */
  readonly recheckMs?: number;
}

interface JobState {
  /** Scheduled times up to here are done: run, queued, or skipped. */
  handledUntil: Date;
  nextRun: Date | undefined;
  /** Whether the job was schedulable (not paused) at the last look; a job that becomes so starts fresh. */
  active: boolean;
}

export class Scheduler<R = unknown> {
  private readonly jobs: JobSource;
  private readonly queue: SchedulerOptions<R>['queue'];
  private readonly clock: Clock;
  private readonly graceMs: number;
  private readonly recheckMs: number;
  private readonly events = new TypedEmitter<SchedulerEvents>();
  private readonly state = new Map<string, JobState>();
  private readonly pausedJobs = new Set<string>();
  private readonly schedules = new Map<string, { key: string; schedule: Schedule | undefined }>();
  private allPaused = false;
  private running = false;
  private refreshing = false;
  private refreshAgain = false;
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: SchedulerOptions<R>) {
    this.jobs = options.jobs;
    this.queue = options.queue;
    this.clock = options.clock;
    this.graceMs = options.onTimeGraceMs ?? defaultOnTimeGraceMs;
    this.recheckMs = options.recheckMs ?? 60_000;
  }

  on<K extends keyof SchedulerEvents>(event: K, listener: (payload: SchedulerEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** Queues what is due or missed for every job, then keeps watching. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.queue.on('finished', () => {
      this.refresh();
    });
    this.refresh();
  }

  /** Stops scheduling; runs already queued or running belong to the queue (cancel them there if need be). */
  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.disarm();
  }

  /** Looks at every job again, queues what is due and re-arms the timer: call after jobs were added, edited or removed. */
  refresh(): void {
    if (!this.running) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        this.refreshOnce();
      } while (this.refreshRequested());
    } finally {
      this.refreshing = false;
    }
  }

  // A method rather than an inline test: the flag is set by re-entrant calls the compiler's narrowing cannot see.
  private refreshRequested(): boolean {
    return this.refreshAgain && this.running;
  }

  private refreshOnce(): void {
    const now = this.clock.now();
    const seen = new Set<string>();
    let earliest: Date | undefined;
    for (const job of this.jobs.listJobs()) {
      seen.add(job.id);
      const next = this.evaluate(job, now);
      if (next !== undefined && (earliest === undefined || next < earliest)) earliest = next;
    }
    for (const id of [...this.state.keys()]) {
      if (!seen.has(id)) {
        this.state.delete(id);
        this.schedules.delete(id);
      }
    }
    this.arm(now, earliest);
  }

  pause(jobId: string): void {
    this.pausedJobs.add(jobId);
    this.refresh();
  }

  /** Resumes a job; scheduled times that passed while it was paused are not made up. */
  resume(jobId: string): void {
    this.pausedJobs.delete(jobId);
    this.refresh();
  }

  pauseAll(): void {
    this.allPaused = true;
    this.refresh();
  }

  resumeAll(): void {
    this.allPaused = false;
    this.refresh();
  }

  isPaused(jobId: string): boolean {
    return this.allPaused || this.pausedJobs.has(jobId);
  }

  /** The next scheduled run of a job, or undefined when it is paused, unknown or never runs again. */
  nextRunOf(jobId: string): Date | undefined {
    const state = this.state.get(jobId);
    return state?.active === true ? state.nextRun : undefined;
  }

  /** Queues a manual run of a job now, ahead of scheduled runs; paused jobs can still be run by hand. */
  runNow(job: SchedulableJob): RunHandle<R> {
    return this.queue.enqueue({ ...this.requestFields(job), trigger: 'manual', scheduledFor: this.clock.now() });
  }

  private requestFields(job: SchedulableJob): Omit<RunRequest, 'trigger' | 'scheduledFor'> {
    const fields = { jobId: job.id, repositories: job.repositories, priority: job.priority, retries: job.retries, backoff: job.backoff };
    return job.timeoutMs === undefined ? fields : { ...fields, timeoutMs: job.timeoutMs };
  }

  /** The job's parsed schedule, cached per expression; an unreadable one is reported once, not at every look. */
  private scheduleOf(job: SchedulableJob): Schedule | undefined {
    const key = `${job.timeZone}\n${job.schedule}`;
    const cached = this.schedules.get(job.id);
    if (cached?.key === key) return cached.schedule;
    try {
      const schedule = parseSchedule(job.schedule, job.timeZone);
      this.schedules.set(job.id, { key, schedule });
      return schedule;
    } catch (err) {
      this.schedules.set(job.id, { key, schedule: undefined });
      this.events.emit('invalid', { jobId: job.id, reason: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  /** Queues the job's due run if there is one; returns its next run time. */
  private evaluate(job: SchedulableJob, now: Date): Date | undefined {
    let state = this.state.get(job.id);
    const active = !job.paused && !this.isPaused(job.id);
    if (state === undefined) {
      const created = job.createdAt === undefined ? undefined : new Date(job.createdAt);
      // Counting starts at the last run, else at the creation; a job with no history at all has nothing to make up.
      state = { handledUntil: this.jobs.lastRun(job.id) ?? created ?? now, nextRun: undefined, active };
      this.state.set(job.id, state);
    } else if (active && !state.active) {
      // Just resumed: times that passed while paused were skipped on purpose.
      state.handledUntil = now;
    }
    state.active = active;
    if (!active) {
      state.handledUntil = now;
      state.nextRun = undefined;
      return undefined;
    }
    const schedule = this.scheduleOf(job);
    if (schedule === undefined) {
      state.nextRun = undefined;
      return undefined;
    }

    const lastRun = this.jobs.lastRun(job.id);
    const since = lastRun !== undefined && lastRun > state.handledUntil ? lastRun : state.handledUntil;
    const decision = decideCatchUp({ schedule, since, now, policy: job.missedRuns, onTimeGraceMs: this.graceMs });
    if (decision.missed > 0 && (decision.due?.reason === 'catch-up' || decision.skipped)) {
      this.events.emit('missed', { jobId: job.id, count: decision.missed, capped: decision.missedCapped, action: decision.skipped ? 'skipped' : 'caught-up' });
    }
    // Marked done before queueing, so that a refresh re-entered from a queue event cannot queue the same time twice.
    if (now > state.handledUntil) state.handledUntil = now;
    state.nextRun = decision.nextRun;
    if (decision.due !== undefined) {
      if (this.queue.hasWaiting(job.id)) {
        this.events.emit('coalesced', { jobId: job.id, scheduledFor: decision.due.scheduledFor });
      } else {
        this.queue.enqueue({
          ...this.requestFields(job),
          trigger: decision.due.reason === 'catch-up' ? 'catch-up' : 'scheduled',
          scheduledFor: decision.due.scheduledFor,
        });
      }
    }
    return decision.nextRun;
  }

  private disarm(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(now: Date, nextRun: Date | undefined): void {
    this.disarm();
    this.events.emit('armed', { nextRun });
    if (!this.running) return;
    const untilNext = nextRun === undefined ? this.recheckMs : Math.max(0, nextRun.getTime() - now.getTime());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, Math.min(untilNext, this.recheckMs));
  }
}
