// A fake clock for the jobs tests: time moves only when a test says so, and due timers fire in time order.

import type { Clock, TimerHandle } from '../../electron/engine/jobs/clock.ts';

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** Lets queued promise callbacks (a run settling, a retry being scheduled) happen; no real time passes. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, PendingTimer>();

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Timers still waiting, for asserting that nothing is left armed. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the next timer is due, if any. */
  nextDue(): Date | undefined {
    const next = this.earliest();
    return next === undefined ? undefined : new Date(next.due);
  }

  /** Moves time forward by `ms`, firing each due timer at its own time, settling promises after each. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(new Date(this.current + ms));
  }

  async advanceTo(target: Date | string): Promise<void> {
    const end = new Date(target).getTime();
    await settle();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.due > end) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.callback();
      await settle();
    }
    this.current = Math.max(this.current, end);
  }

  /**
   * Jumps the wall clock by `ms` without firing anything on the way, as a machine that was asleep or off sees it;
   * timers that fell due meanwhile then fire late, all at the new time.
   */
  async jump(ms: number): Promise<void> {
    this.current += ms;
    await this.advance(0);
  }

  private earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.timers.values()) {
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
