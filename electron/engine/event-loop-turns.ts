// Synchronous system calls in batches, with the event loop given a turn whenever they have held it for long enough.

import { setImmediate as nextTurn } from 'node:timers/promises';

/** Long enough that quick calls batch well (a warm lstat takes 5 us); short enough that no one sees the wait. */
const TURN_AFTER_MS = 10;

/**
 * Through the thread pool, each file system call costs several times the call itself, so the engine makes many small
 * ones synchronously. Counting calls would not bound the wait on a slow or cold drive (256 seeks of an old disk take
 * seconds), so the time is watched instead: after `ms`, the window, progress and cancellation get their turn.
 */
export class EventLoopTurns {
  private last: number;
  private readonly ms: number;
  private readonly now: () => number;

  constructor(ms = TURN_AFTER_MS, now: () => number = () => performance.now()) {
    this.ms = ms;
    this.now = now;
    this.last = now();
  }

  /** Whether the event loop has waited long enough: then `await turns.take()`. */
  due(): boolean {
    return this.now() - this.last >= this.ms;
  }

  async take(): Promise<void> {
    await nextTurn();
    this.last = this.now();
  }
}
