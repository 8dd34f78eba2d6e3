// Synthetic backup histories for the health tests: one steady 20-minute, 10 GB run a day unless a test says otherwise.

import type { RunSample } from '../../electron/engine/health/run-sample.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const GB = 1e9;
export const MB = 1e6;
/** The first run of every synthetic history. */
export const T0 = Date.parse('2025-03-01T02:00:00Z');

export function run(startMs: number, over: Partial<RunSample> = {}): RunSample {
  const durationMs = over.durationMs ?? 20 * MINUTE;
  return {
    startedAt: new Date(startMs),
    finishedAt: new Date(startMs + durationMs),
    status: 'ok',
    durationMs,
    bytesRead: 10 * GB,
    bytesAdded: 200 * MB,
    warnings: 0,
    errorCode: null,
    errorMessage: null,
    ...over,
  };
}

export function daily(days: number, vary: (i: number) => Partial<RunSample> = () => ({})): RunSample[] {
  return Array.from({ length: days }, (_, i) => run(T0 + i * DAY, vary(i)));
}
