// The system clock's timers: waits longer than Node's timer limit (about 24.8 days) are chained, not fired at once.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../electron/engine/jobs/clock.ts';

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a 40-day timer after 40 days, not at once', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const day = 86_400_000;
    systemClock.setTimeout(fired, 40 * day);
    vi.advanceTimersByTime(25 * day);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(15 * day - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('clears a chained timer in any of its steps', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const handle = systemClock.setTimeout(fired, 30 * 86_400_000);
    vi.advanceTimersByTime(26 * 86_400_000);
    systemClock.clearTimeout(handle);
    vi.advanceTimersByTime(10 * 86_400_000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('reads the wall clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-06-02T02:00:00Z'));
    expect(systemClock.now().toISOString()).toBe('2025-06-02T02:00:00.000Z');
  });
});
