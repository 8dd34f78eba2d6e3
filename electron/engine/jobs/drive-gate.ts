// Holds back runs whose repository or source lies on a drive that is not plugged in, and lets each go once its drives appear.

import { randomBytes } from 'node:crypto';
import { driveName, type DriveLister } from '../drives/drive.ts';
import { resolveDrives, waitingMessage } from '../drives/locate.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { DriveRef } from './job.ts';
import type { QueueEvents, RunHandle, RunOutcome, RunQueue, RunRequest, RunTrigger } from './queue.ts';
import { TypedEmitter } from './typed-emitter.ts';

export interface DriveGateEvents {
  /** A run was held back: "waiting for drive BACKUP-USB-2". `runId` is the id its handle carries while it waits. */
  waiting: { readonly runId: string; readonly jobId: string; readonly trigger: RunTrigger; readonly drives: readonly string[]; readonly message: string; readonly scheduledFor: Date };
  /** Its drives appeared and the run goes into the queue (the queue's 'queued' event follows at once, under the queue's id). */
  released: { readonly runId: string; readonly jobId: string; readonly waitedMs: number };
  /** A held run ended without reaching the queue: cancelled, the gate stopped, or the queue refused it. */
  dropped: { readonly runId: string; readonly jobId: string; readonly state: 'cancelled' | 'failed'; readonly reason: string };
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
    this.events.emit('waiting', { runId: id, jobId: request.jobId, trigger: request.trigger, drives: missing.map(driveName), message: waitingMessage(missing), scheduledFor: request.scheduledFor ?? since });
    this.arm();
    return { id, finished };
  }

  /** Drops one held run (a person cancelled it): its handle resolves as cancelled. False when no run waits under that id. */
  cancel(runId: string, reason: string): boolean {
    const h = this.held.get(runId);
    if (h === undefined) return false;
    this.held.delete(runId);
    this.drop(h, { state: 'cancelled', reason });
    if (this.held.size === 0 && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    return true;
  }

  /** Drops every held run (a shutdown): each handle resolves as cancelled; the scheduler decides again at the next start. */
  stop(reason: string): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const held = [...this.held.values()];
    this.held.clear();
    for (const h of held) this.drop(h, { state: 'cancelled', reason });
  }

  private drop(h: Held<R>, end: { readonly state: 'cancelled'; readonly reason: string } | { readonly state: 'failed'; readonly reason: string; readonly error: unknown }): void {
    const { request } = h;
    const base = {
      attempts: 0,
      finishedAt: this.clock.now(),
      run: { id: h.id, jobId: request.jobId, trigger: request.trigger, repositories: [...request.repositories], priority: request.priority ?? 0, scheduledFor: request.scheduledFor ?? h.since, queuedAt: h.since },
    };
    h.resolve(end.state === 'cancelled' ? { ...base, state: 'cancelled', reason: end.reason } : { ...base, state: 'failed', reason: end.reason, code: undefined, error: end.error });
    this.events.emit('dropped', { runId: h.id, jobId: request.jobId, state: end.state, reason: end.reason });
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
      this.events.emit('released', { runId: h.id, jobId: h.request.jobId, waitedMs: this.clock.now().getTime() - h.since.getTime() });
      try {
        void this.queue.enqueue(h.request).finished.then(h.resolve);
      } catch (error) {
        // The same request went into the queue fine when its drive was there; a throw here is a bug, reported on the handle.
        this.drop(h, { state: 'failed', reason: error instanceof Error ? error.message : String(error), error });
      }
    }
  }
}
