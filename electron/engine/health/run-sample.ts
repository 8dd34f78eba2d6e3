// The part of a catalog run that the health functions read, and its mapping from the catalog's Run.

import type { Run, RunStatus } from '../catalog/runs.ts';

export interface RunSample {
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly status: RunStatus;
  readonly durationMs: number | null;
  /** How much the source held: what the backup read. */
  readonly bytesRead: number | null;
  /** New data the backup stored after deduplication. */
  readonly bytesAdded: number | null;
  /** How many warnings (skipped or unreadable files) the run reported. */
  readonly warnings: number;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

export function runSampleOf(run: Run): RunSample {
  return {
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    status: run.status,
    durationMs: run.durationMs,
    bytesRead: run.stats.bytesRead,
    bytesAdded: run.stats.bytesAdded,
    warnings: run.warnings.length,
    errorCode: run.error?.code ?? null,
    errorMessage: run.error?.message ?? null,
  };
}

/** A run that produced a snapshot; `partial` did, minus the files it could not read. */
export function succeeded(run: RunSample): boolean {
  return run.status === 'ok' || run.status === 'partial';
}

/** A run that should have produced a snapshot and did not. Cancelled runs were someone's choice, not a failure. */
export function failed(run: RunSample): boolean {
  return run.status === 'failed' || run.status === 'interrupted';
}

/** When the run's outcome became known (its start if the catalog has no finish time). */
export function endedAt(run: RunSample): Date {
  return run.finishedAt ?? run.startedAt;
}

/** Newest first, by start time: the order every health function reads history in. */
export function newestFirst(runs: readonly RunSample[]): RunSample[] {
  return [...runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
}
