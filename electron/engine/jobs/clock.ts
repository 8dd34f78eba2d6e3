// The clock port of the jobs layer: wall-clock time and one-shot timers, injected so tests drive time without sleeping.

/** An opaque timer handle; only the clock that made it can clear it. */
export type TimerHandle = unknown;

export interface Clock {
  now(): Date;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Node fires a longer timeout at once (with a warning), so longer waits are chained in steps of at most this.
const longestNodeTimeoutMs = 2_147_483_647;

/** The real clock; timers do not keep the process alive on their own (the daemon holds it open deliberately). */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout(callback, ms) {
    const timer = globalThis.setTimeout(callback, Math.min(Math.max(0, ms), longestNodeTimeoutMs));
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as NodeJS.Timeout);
  },
};
