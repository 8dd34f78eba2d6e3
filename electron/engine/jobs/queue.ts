// The run queue: priorities, one writer per repository, a global limit, cancellation, timeouts and retries, as events.

import { randomBytes } from 'node:crypto';
import { AirlockError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { backoffDelay, defaultBackoff, isRetryable, type BackoffPolicy, type RandomSource } from './retry.ts';
import { TypedEmitter } from './typed-emitter.ts';

/** Why a run was asked for: manual runs go before everything else. */
export type RunTrigger = 'manual' | 'scheduled' | 'catch-up';

export interface RunRequest {
  readonly jobId: string;
  /** The repository locations the run writes to; two runs sharing one never run at the same time. */
  readonly repositories: readonly string[];
  readonly trigger: RunTrigger;
  /** The scheduled time the run stands for; defaults to now. Earlier times go first. */
  readonly scheduledFor?: Date;
  /** Among non-manual runs, higher goes first; default 0. */
  readonly priority?: number;
  /** Each attempt is stopped after this long; no limit when absent. */
  readonly timeoutMs?: number;
  /** Further attempts after a retryable failure; default 0. */
  readonly retries?: number;
  readonly backoff?: BackoffPolicy;
}

export interface RunInfo {
  readonly id: string;
  readonly jobId: string;
  readonly trigger: RunTrigger;
  readonly repositories: readonly string[];
  readonly priority: number;
  readonly scheduledFor: Date;
  readonly queuedAt: Date;
}

export type RunState = 'queued' | 'running' | 'waiting-retry';

interface OutcomeBase {
  readonly run: RunInfo;
  /** Attempts that were started (0 when cancelled before the first). */
  readonly attempts: number;
  readonly finishedAt: Date;
}

export type RunOutcome<R> =
  | (OutcomeBase & { readonly state: 'succeeded'; readonly result: R })
  | (OutcomeBase & { readonly state: 'failed'; readonly reason: string; readonly code: string | undefined; readonly error: unknown })
  | (OutcomeBase & { readonly state: 'cancelled'; readonly reason: string })
  | (OutcomeBase & { readonly state: 'timed-out'; readonly reason: string; readonly timeoutMs: number });

export type FinalState = RunOutcome<unknown>['state'];

export interface RunContext {
  readonly run: RunInfo;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted on cancel or timeout; the run must stop soon after and leave the repository clean. */
  readonly signal: AbortSignal;
  reportProgress(progress: Progress): void;
}

/** Does the work of one attempt; injected, so the queue knows nothing of backups. */
export type RunFunction<R> = (context: RunContext) => Promise<R>;

export interface QueueEvents<R> {
  queued: { readonly run: RunInfo };
  started: { readonly run: RunInfo; readonly attempt: number; readonly at: Date };
  progress: { readonly run: RunInfo; readonly attempt: number; readonly progress: Progress };
  'retry-scheduled': {
    readonly run: RunInfo;
    /** The attempt that failed. */
    readonly attempt: number;
    readonly delayMs: number;
    readonly retryAt: Date;
    readonly reason: string;
    readonly code: string | undefined;
  };
  finished: { readonly outcome: RunOutcome<R> };
}

export interface RunHandle<R> {
  readonly id: string;
  /** Resolves with the final outcome; never rejects. */
  readonly finished: Promise<RunOutcome<R>>;
}

export interface RunView {
  readonly run: RunInfo;
  readonly state: RunState;
  readonly attempt: number;
}

export interface RunQueueOptions<R> {
  readonly run: RunFunction<R>;
  readonly clock: Clock;
  /** Runs in flight at once, across all repositories; default 1. */
  readonly concurrency?: number;
  readonly random?: RandomSource;
  readonly isRetryable?: (error: unknown) => boolean;
  readonly newId?: () => string;
}

interface Item<R> {
  readonly info: RunInfo;
  readonly seq: number;
  readonly timeoutMs: number | undefined;
  readonly backoff: BackoffPolicy;
  readonly resolve: (outcome: RunOutcome<R>) => void;
  retriesLeft: number;
  state: RunState;
  attempt: number;
  controller: AbortController | undefined;
  timeoutTimer: TimerHandle | undefined;
  retryTimer: TimerHandle | undefined;
  cancelReason: string | undefined;
  timedOut: boolean;
}

function validCount(value: number, what: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new AirlockError('USAGE', `${what} must be a whole number, ${min} or more (got ${value}).`);
  return value;
}

function reasonOf(error: unknown): { reason: string; code: string | undefined } {
  if (error instanceof AirlockError) return { reason: error.message, code: error.code };
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return { reason: error.message, code };
  }
  return { reason: String(error), code: undefined };
}

function formatLimit(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  return `${ms / 1000}s`;
}

// Manual runs first (in the order asked); then higher priority, earlier scheduled time, and the order queued.
function runsFirst(a: { readonly info: RunInfo; readonly seq: number }, b: { readonly info: RunInfo; readonly seq: number }): number {
  const manualA = a.info.trigger === 'manual' ? 0 : 1;
  const manualB = b.info.trigger === 'manual' ? 0 : 1;
  if (manualA !== manualB) return manualA - manualB;
  if (manualA === 1) {
    if (a.info.priority !== b.info.priority) return b.info.priority - a.info.priority;
    const byTime = a.info.scheduledFor.getTime() - b.info.scheduledFor.getTime();
    if (byTime !== 0) return byTime;
  }
  return a.seq - b.seq;
}

export class RunQueue<R = unknown> {
  private readonly events = new TypedEmitter<QueueEvents<R>>();
  private readonly items = new Map<string, Item<R>>();
  private readonly held = new Set<string>();
  private readonly runFn: RunFunction<R>;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly retryable: (error: unknown) => boolean;
  private readonly newId: () => string;
  private concurrency: number;
  private running = 0;
  private seq = 0;
  private pumping = false;
  private pumpAgain = false;

  constructor(options: RunQueueOptions<R>) {
    this.runFn = options.run;
    this.clock = options.clock;
    this.concurrency = validCount(options.concurrency ?? 1, 'The number of runs at once', 1);
    this.random = options.random ?? Math.random;
    this.retryable = options.isRetryable ?? isRetryable;
    this.newId = options.newId ?? (() => randomBytes(8).toString('hex'));
  }

  on<K extends keyof QueueEvents<R>>(event: K, listener: (payload: QueueEvents<R>[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  enqueue(request: RunRequest): RunHandle<R> {
    const now = this.clock.now();
    const info: RunInfo = Object.freeze({
      id: this.newId(),
      jobId: request.jobId,
      trigger: request.trigger,
      repositories: Object.freeze([...new Set(request.repositories)]),
      priority: request.priority ?? 0,
      scheduledFor: request.scheduledFor ?? now,
      queuedAt: now,
    });
    if (request.timeoutMs !== undefined && !(Number.isFinite(request.timeoutMs) && request.timeoutMs > 0)) {
      throw new AirlockError('USAGE', `A run's time limit must be a positive duration (got ${request.timeoutMs} ms).`);
    }
    let resolve!: (outcome: RunOutcome<R>) => void;
    const finished = new Promise<RunOutcome<R>>((r) => {
      resolve = r;
    });
    const item: Item<R> = {
      info,
      seq: this.seq++,
      timeoutMs: request.timeoutMs,
      backoff: request.backoff ?? defaultBackoff,
      resolve,
      retriesLeft: validCount(request.retries ?? 0, 'The number of retries', 0),
      state: 'queued',
      attempt: 0,
      controller: undefined,
      timeoutTimer: undefined,
      retryTimer: undefined,
      cancelReason: undefined,
      timedOut: false,
    };
    this.items.set(info.id, item);
    this.events.emit('queued', { run: info });
    this.pump();
    return { id: info.id, finished };
  }

  /**
   * Cancels a run: a queued or retry-waiting run ends at once; a running one has its signal aborted and ends
   * 'cancelled' when its work stops (its repositories stay held until then). False when no such run is pending.
   */
  cancel(runId: string, reason = 'The run was cancelled.'): boolean {
    const item = this.items.get(runId);
    if (item === undefined) return false;
    this.requestCancel(item, reason);
    return true;
  }

  /** Cancels every pending run of a job; returns how many were not already being cancelled. */
  cancelJob(jobId: string, reason = 'The run was cancelled.'): number {
    return [...this.items.values()].filter((item) => item.info.jobId === jobId && this.requestCancel(item, reason)).length;
  }

  /** Cancels everything pending, e.g. at shutdown; returns how many were not already being cancelled. */
  cancelAll(reason = 'The run was cancelled.'): number {
    return [...this.items.values()].filter((item) => this.requestCancel(item, reason)).length;
  }

  /** False when the run was already being cancelled or timed out. */
  private requestCancel(item: Item<R>, reason: string): boolean {
    switch (item.state) {
      case 'queued':
        this.finish(item, { state: 'cancelled', reason });
        this.pump();
        break;
      case 'waiting-retry':
        if (item.retryTimer !== undefined) this.clock.clearTimeout(item.retryTimer);
        item.retryTimer = undefined;
        this.finish(item, { state: 'cancelled', reason });
        break;
      case 'running':
        if (item.cancelReason !== undefined || item.timedOut) return false;
        item.cancelReason = reason;
        item.controller?.abort(new AirlockError('CANCELLED', reason));
        break;
    }
    return true;
  }

  /** True when the job has a run waiting to start (queued, or waiting to retry). */
  hasWaiting(jobId: string): boolean {
    for (const item of this.items.values()) if (item.info.jobId === jobId && item.state !== 'running') return true;
    return false;
  }

  /** Every pending run: the running ones in the order they were queued, then the waiting ones in the order they would start. */
  list(): RunView[] {
    const all = [...this.items.values()];
    const running = all.filter((item) => item.state === 'running').sort((a, b) => a.seq - b.seq);
    const waiting = all.filter((item) => item.state !== 'running').sort(runsFirst);
    return [...running, ...waiting].map((item) => ({ run: item.info, state: item.state, attempt: item.attempt }));
  }

  get runningCount(): number {
    return this.running;
  }

  setConcurrency(limit: number): void {
    this.concurrency = validCount(limit, 'The number of runs at once', 1);
    this.pump();
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const waiting = [...this.items.values()].filter((item) => item.state === 'queued').sort(runsFirst);
        // A run that must wait for a repository reserves all of its repositories, so runs behind it that need
        // any of them cannot keep overtaking it: a job writing to two drives is never starved by single-drive jobs.
        const reserved = new Set<string>();
        for (const item of waiting) {
          if (this.running >= this.concurrency) break;
          if (item.state !== 'queued') continue;
          const repositories = item.info.repositories;
          if (repositories.some((r) => this.held.has(r) || reserved.has(r))) {
            for (const r of repositories) reserved.add(r);
            continue;
          }
          this.start(item);
        }
      } while (this.pumpRequested());
    } finally {
      this.pumping = false;
    }
  }

  // A method rather than an inline test: the flag is set by re-entrant calls the compiler's narrowing cannot see.
  private pumpRequested(): boolean {
    return this.pumpAgain;
  }

  private start(item: Item<R>): void {
    item.state = 'running';
    item.attempt++;
    this.running++;
    for (const r of item.info.repositories) this.held.add(r);
    const controller = new AbortController();
    item.controller = controller;
    item.timedOut = false;
    const attempt = item.attempt;
    const timeoutMs = item.timeoutMs;
    if (timeoutMs !== undefined) {
      item.timeoutTimer = this.clock.setTimeout(() => {
        item.timeoutTimer = undefined;
        if (item.state !== 'running' || item.attempt !== attempt || item.cancelReason !== undefined) return;
        item.timedOut = true;
        controller.abort(new AirlockError('TIMED_OUT', `The run took longer than its time limit of ${formatLimit(timeoutMs)} and was stopped.`));
      }, timeoutMs);
    }
    const context: RunContext = {
      run: item.info,
      attempt,
      signal: controller.signal,
      reportProgress: (progress) => {
        if (item.controller === controller) this.events.emit('progress', { run: item.info, attempt, progress });
      },
    };
    this.events.emit('started', { run: item.info, attempt, at: this.clock.now() });
    // The run function is called on a later microtask so that its code never re-enters the queue mid-update.
    Promise.resolve()
      .then(() => {
        controller.signal.throwIfAborted();
        return this.runFn(context);
      })
      .then(
        (result) => {
          this.settle(item, { ok: true, result });
        },
        (error: unknown) => {
          this.settle(item, { ok: false, error });
        },
      );
  }

  private settle(item: Item<R>, result: { ok: true; result: R } | { ok: false; error: unknown }): void {
    this.running--;
    for (const r of item.info.repositories) this.held.delete(r);
    if (item.timeoutTimer !== undefined) {
      this.clock.clearTimeout(item.timeoutTimer);
      item.timeoutTimer = undefined;
    }
    item.controller = undefined;

    if (result.ok) {
      this.finish(item, { state: 'succeeded', result: result.result });
    } else if (item.cancelReason !== undefined) {
      this.finish(item, { state: 'cancelled', reason: item.cancelReason });
    } else if (item.timedOut && item.timeoutMs !== undefined) {
      // A run that hit its limit would likely hit it again while holding the repository, so it is not retried.
      this.finish(item, { state: 'timed-out', reason: `The run took longer than its time limit of ${formatLimit(item.timeoutMs)} and was stopped.`, timeoutMs: item.timeoutMs });
    } else if (item.retriesLeft > 0 && this.retryable(result.error)) {
      this.scheduleRetry(item, result.error);
    } else {
      this.finish(item, { state: 'failed', ...reasonOf(result.error), error: result.error });
    }
    this.pump();
  }

  private scheduleRetry(item: Item<R>, error: unknown): void {
    item.retriesLeft--;
    item.state = 'waiting-retry';
    const delayMs = backoffDelay(item.attempt, item.backoff, this.random);
    const retryAt = new Date(this.clock.now().getTime() + delayMs);
    item.retryTimer = this.clock.setTimeout(() => {
      // Cancelling a waiting run clears this timer, so the run is still waiting here.
      item.retryTimer = undefined;
      item.state = 'queued';
      this.pump();
    }, delayMs);
    this.events.emit('retry-scheduled', { run: item.info, attempt: item.attempt, delayMs, retryAt, ...reasonOf(error) });
  }

  private finish(item: Item<R>, end: DistributiveOmit<RunOutcome<R>, keyof OutcomeBase>): void {
    this.items.delete(item.info.id);
    const outcome = { ...end, run: item.info, attempts: item.attempt, finishedAt: this.clock.now() } as RunOutcome<R>;
    item.resolve(outcome);
    this.events.emit('finished', { outcome });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
