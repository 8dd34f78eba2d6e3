// Holds back runs whose repository or source lies on a drive that is not plugged in, and lets each go once its drives appear.

import { randomBytes } from 'node:crypto';
import { driveName, type DriveLister } from '../drives/drive.ts';
import { resolveDrives, waitingMessage } from '../drives/locate.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { DriveRef } from './job.ts';
import type { QueueEvents, RunHandle, RunOutcome, RunQueue, RunRequest } from './queue.ts';
import { TypedEmitter } from './typed-emitter.ts';

export interface DriveGateEvents {
  /** A run was held back: "waiting for drive BACKUP-USB-2". */
  waiting: { readonly jobId: string; readonly drives: readonly string[]; readonly message: string; readonly scheduledFor: Date };
  /** Its drives appeared and the run went into the queue. */
  released: { readonly jobId: string; readonly waitedMs: number };
}

export interface DriveGateOptions<R> {
  readonly queue: Pick<RunQueue<R>, 'enqueue' | 'hasWaiting' | 'on'>;
  readonly clock: Clock;
  readonly drives: DriveLister;
  /** The drives a job's repositories and folders lie on, read afresh at each look (the job may be edited meanwhile). */
  readonly drivesOf: (jobId: string) => readonly DriveRef[];
  /** How often to look for the drives of held runs. Default 10 s: someone who plugs a drive in expects it to start soon. */
  readonly pollMs?: number;
}

interface Held<R> {
  readonly id: string;
  readonly request: RunRequest;
  readonly since: Date;
  readonly resolve: (outcome: RunOutcome<R>) => void;
}

/** Stands in front of the run queue for the scheduler: the same enqueue, but a run whose drive is missing waits here. */
export class DriveGate<R = unknown> implements Pick<RunQueue<R>, 'enqueue' | 'hasWaiting' | 'on'> {
  private readonly queue: DriveGateOptions<R>['queue'];
  private readonly clock: Clock;
  private readonly drives: DriveLister;
  private readonly drivesOf: (jobId: string) => readonly DriveRef[];
  private readonly pollMs: number;
  private readonly events = new TypedEmitter<DriveGateEvents>();
  private readonly held = new Map<string, Held<R>>();
  private timer: TimerHandle | undefined;

  constructor(options: DriveGateOptions<R>) {
    this.queue = options.queue;
    this.clock = options.clock;
    this.drives = options.drives;
    this.drivesOf = options.drivesOf;
    this.pollMs = options.pollMs ?? 10_000;
  }

  on<K extends keyof QueueEvents<R>>(event: K, listener: (payload: QueueEvents<R>[K]) => void): () => void {
    return this.queue.on(event, listener);
  }

  onGate<K extends keyof DriveGateEvents>(event: K, listener: (payload: DriveGateEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  hasWaiting(jobId: string): boolean {
    return [...this.held.values()].some((h) => h.request.jobId === jobId) || this.queue.hasWaiting(jobId);
  }

  /** The jobs held back now, with what they wait for. */
  waiting(): { readonly jobId: string; readonly message: string; readonly since: Date }[] {
    const drives = this.drives.list();
    return [...this.held.values()].map((h) => ({ jobId: h.request.jobId, message: waitingMessage(resolveDrives(this.drivesOf(h.request.jobId), drives).missing), since: h.since }));
  }

  enqueue(request: RunRequest): RunHandle<R> {
    const { missing } = resolveDrives(this.drivesOf(request.jobId), this.drives.list());
    if (missing.length === 0) return this.queue.enqueue(request);
    let resolve!: (outcome: RunOutcome<R>) => void;
    const finished = new Promise<RunOutcome<R>>((r) => {
      resolve = r;
    });
    const id = `held-${randomBytes(6).toString('hex')}`;
    const since = this.clock.now();
    this.held.set(id, { id, request, since, resolve });
    this.events.emit('waiting', { jobId: request.jobId, drives: missing.map(driveName), message: waitingMessage(missing), scheduledFor: request.scheduledFor ?? since });
    this.arm();
    return { id, finished };
  }

  /** Drops every held run (a shutdown): each handle resolves as cancelled; the scheduler decides again at the next start. */
  stop(reason: string): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock.now();
    for (const h of this.held.values()) {
      const { request } = h;
      h.resolve({
        state: 'cancelled',
        reason,
        attempts: 0,
        finishedAt: now,
        run: {
          id: h.id,
          jobId: request.jobId,
          trigger: request.trigger,
          repositories: [...request.repositories],
          priority: request.priority ?? 0,
          scheduledFor: request.scheduledFor ?? h.since,
          queuedAt: h.since,
        },
      });
    }
    this.held.clear();
  }

  private arm(): void {
    if (this.timer !== undefined || this.held.size === 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.look();
      this.arm();
    }, this.pollMs);
  }

  private look(): void {
    const drives = this.drives.list();
    for (const h of [...this.held.values()]) {
      if (resolveDrives(this.drivesOf(h.request.jobId), drives).missing.length > 0) continue;
      this.held.delete(h.id);
      this.events.emit('released', { jobId: h.request.jobId, waitedMs: this.clock.now().getTime() - h.since.getTime() });
      try {
        void this.queue.enqueue(h.request).finished.then(h.resolve);
      } catch (error) {
        // The same request went into the queue fine when its drive was there; a throw here is a bug, reported on the handle.
        const reason = error instanceof Error ? error.message : String(error);
        const { request } = h;
        h.resolve({
          state: 'failed',
          reason,
          code: undefined,
          error,
          attempts: 0,
          finishedAt: this.clock.now(),
          run: { id: h.id, jobId: request.jobId, trigger: request.trigger, repositories: [...request.repositories], priority: request.priority ?? 0, scheduledFor: request.scheduledFor ?? h.since, queuedAt: h.since },
        });
      }
    }
  }
}
