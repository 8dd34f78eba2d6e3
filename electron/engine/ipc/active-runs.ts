// The long operations in progress (backups, restores, checks, drills, exports): their ids, progress with rate and ETA, cancellation and end state, as events.

import { randomBytes } from 'node:crypto';
import type { ChannelOutput, EventName, EventPayload, RunKind, RunState } from '../../../shared/ipc/contract.ts';
import { AirlockError } from '../errors.ts';
import type { Clock } from '../jobs/clock.ts';
import type { Progress, ProgressListener } from '../progress.ts';

export type EngineEvents = { [E in EventName]: EventPayload<E> };
export type EmitEvent = <E extends EventName>(event: E, payload: EngineEvents[E]) => void;

type ActiveRun = ChannelOutput<'runs.active'>[number];

/** How a finished operation reads at the end: the state and the proof shown to the person. */
export interface RunEnd {
  readonly state: Extract<RunState, 'succeeded' | 'partial' | 'failed'>;
  readonly summary: string;
  readonly message?: string;
}

export interface RunContext {
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly progress: ProgressListener;
}

interface Entry {
  readonly runId: string;
  readonly kind: RunKind;
  readonly title: string;
  readonly jobId: string | null;
  readonly startedAt: Date;
  state: RunState;
  progress: EventPayload<'run.progress'> | null;
  lastEmitMs: number;
  /** The newest report has not been sent yet (it came within the interval). */
  unsent: boolean;
  readonly cancel: (reason: string) => boolean;
}

// A bar redrawn more often than this is noise on the wire; the last report before the end is sent regardless.
const progressIntervalMs = 250;

const cancelledReason = 'The run was cancelled.';

export function newRunId(): string {
  return randomBytes(9).toString('base64url');
}

function messageOf(err: unknown): string {
  if (err instanceof AirlockError) return err.message;
  // Anything else may carry internals (paths of temp files, library text); the log has it, the person gets a sentence.
  return 'Something unexpected went wrong. Nothing already stored was harmed; try again, and if it repeats, look at the log.';
}

export class ActiveRuns {
  private readonly clock: Clock;
  private readonly emit: EmitEvent;
  private readonly entries = new Map<string, Entry>();
  /** The works this registry started, until they settle: closing waits for them to leave their repositories clean. */
  private readonly working = new Set<Promise<void>>();

  constructor(clock: Clock, emit: EmitEvent) {
    this.clock = clock;
    this.emit = emit;
  }

  /** Starts `work` now and returns its id at once; the outcome arrives as a `run.state` event. */
  start(kind: RunKind, title: string, work: (context: RunContext) => Promise<RunEnd>): string {
    const runId = newRunId();
    const controller = new AbortController();
    this.add({
      runId,
      kind,
      title,
      jobId: null,
      cancel: (reason) => {
        if (controller.signal.aborted) return false;
        controller.abort(new AirlockError('CANCELLED', reason));
        return true;
      },
    });
    this.setState(runId, 'running');
    const context: RunContext = { runId, signal: controller.signal, progress: (p) => { this.report(runId, p); } };
    const working = (async () => {
      try {
        const end = await work(context);
        if (controller.signal.aborted) this.end(runId, 'cancelled', { message: cancelledReason });
        else this.end(runId, end.state, { summary: end.summary, ...(end.message === undefined ? {} : { message: end.message }) });
      } catch (err) {
        const cancelled = controller.signal.aborted || (err instanceof AirlockError && err.code === 'CANCELLED');
        this.end(runId, cancelled ? 'cancelled' : 'failed', { message: cancelled ? cancelledReason : messageOf(err) });
      }
    })();
    this.working.add(working);
    void working.finally(() => this.working.delete(working));
    return runId;
  }

  /** Follows a run someone else drives (a job run in the queue), which `cancel` stops through `cancel`. */
  follow(run: { readonly runId: string; readonly kind: RunKind; readonly title: string; readonly jobId: string | null; readonly cancel: (reason: string) => boolean }): void {
    this.add(run);
  }

  setState(runId: string, state: RunState, extra: { readonly message?: string; readonly summary?: string } = {}): void {
    const entry = this.entries.get(runId);
    if (entry === undefined) return;
    entry.state = state;
    this.emit('run.state', { runId, kind: entry.kind, title: entry.title, state, ...extra });
  }

  /** Reports the end and forgets the run. */
  end(runId: string, state: Extract<RunState, 'succeeded' | 'partial' | 'failed' | 'cancelled'>, extra: { readonly message?: string; readonly summary?: string } = {}): void {
    const entry = this.entries.get(runId);
    if (entry === undefined) return;
    if (entry.progress !== null && entry.unsent) this.emit('run.progress', entry.progress);
    this.setState(runId, state, extra);
    this.entries.delete(runId);
    this.emit('status.changed', {});
  }

  report(runId: string, progress: Progress): void {
    const entry = this.entries.get(runId);
    if (entry === undefined) return;
    const nowMs = this.clock.now().getTime();
    const seconds = (nowMs - entry.startedAt.getTime()) / 1000;
    const bytesPerSecond = seconds > 0 ? progress.bytesDone / seconds : undefined;
    let etaSeconds: number | undefined;
    if (bytesPerSecond !== undefined && bytesPerSecond > 0 && progress.bytesTotal !== undefined) {
      etaSeconds = Math.max(0, (progress.bytesTotal - progress.bytesDone) / bytesPerSecond);
    } else if (seconds > 0 && progress.itemsTotal !== undefined && progress.itemsDone > 0) {
      etaSeconds = Math.max(0, ((progress.itemsTotal - progress.itemsDone) * seconds) / progress.itemsDone);
    }
    entry.progress = {
      runId,
      kind: entry.kind,
      title: entry.title,
      phase: progress.phase,
      bytesDone: progress.bytesDone,
      itemsDone: progress.itemsDone,
      ...(progress.bytesTotal === undefined ? {} : { bytesTotal: progress.bytesTotal }),
      ...(progress.itemsTotal === undefined ? {} : { itemsTotal: progress.itemsTotal }),
      ...(bytesPerSecond === undefined ? {} : { bytesPerSecond }),
      ...(etaSeconds === undefined ? {} : { etaSeconds }),
      ...(progress.current === undefined ? {} : { currentItem: progress.current }),
    };
    entry.unsent = true;
    if (nowMs - entry.lastEmitMs >= progressIntervalMs) {
      entry.lastEmitMs = nowMs;
      entry.unsent = false;
      this.emit('run.progress', entry.progress);
    }
  }

  cancel(runId: string): boolean {
    const entry = this.entries.get(runId);
    return entry === undefined ? false : entry.cancel(cancelledReason);
  }

  cancelAll(reason: string): void {
    for (const entry of this.entries.values()) entry.cancel(reason);
  }

  /** Resolves once every operation started here has ended (job runs are the queue's to wait for). */
  async settled(): Promise<void> {
    await Promise.all([...this.working]);
  }

  list(): ActiveRun[] {
    return [...this.entries.values()].map((e) => ({
      runId: e.runId,
      kind: e.kind,
      title: e.title,
      state: e.state,
      startedAt: e.startedAt.toISOString(),
      jobId: e.jobId,
      progress: e.progress,
    }));
  }

  private add(run: { readonly runId: string; readonly kind: RunKind; readonly title: string; readonly jobId: string | null; readonly cancel: (reason: string) => boolean }): void {
    this.entries.set(run.runId, { ...run, startedAt: this.clock.now(), state: 'queued', progress: null, lastEmitMs: -Infinity, unsent: false });
    this.emit('run.state', { runId: run.runId, kind: run.kind, title: run.title, state: 'queued' });
  }
}
