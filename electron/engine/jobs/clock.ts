// The clock port of the jobs layer: wall-clock time and one-shot timers, injected so tests drive time without sleeping.

/** An opaque timer handle (an object for the system clock, a number in tests); only the clock that made it can clear it. */
export type TimerHandle = object | number;

export interface Clock {
  now(): Date;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// Node fires a longer timeout at once (with a warning), so longer waits are chained in steps of at most this.
const longestNodeTimeoutMs = 2_147_483_647;

interface SystemTimer {
  current: NodeJS.Timeout | undefined;
}

/** The real clock. Its timers keep the process alive, as a daemon waiting for the next run needs. */
export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout(callback, ms) {
    const handle: SystemTimer = { current: undefined };
    const arm = (remaining: number): void => {
      const step = Math.min(remaining, longestNodeTimeoutMs);
      handle.current = globalThis.setTimeout(() => {
        if (remaining > step) arm(remaining - step);
        else callback();
      }, step);
    };
    arm(Math.max(0, ms));
    return handle;
  },
  clearTimeout(handle) {
    if (typeof handle === 'object' && 'current' in handle) globalThis.clearTimeout((handle as SystemTimer).current);
  },
};
