// Drives SQLite's online backup API in bounded steps: progress, cancellation, and giving up on a lock that never clears.

import type Database from 'better-sqlite3';
import { AirlockError } from '../../errors.ts';

export interface BackupRunOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((donePages: number, totalPages: number) => void) | undefined;
  /** Pages are copied in steps of about this many bytes; each step blocks the event loop while it runs. */
  readonly stepBytes?: number | undefined;
  /** How long the copy may make no progress (the destination stays locked) before it gives up. */
  readonly stallTimeoutMs: number;
  /** Names the destination in the error when it stays locked. */
  readonly destLabel: string;
}

const defaultStepBytes = 8 * 1024 * 1024;

/** Copies every page of `source` (main schema) into the file `destPath`, replacing its content. */
export async function runOnlineBackup(source: Database.Database, destPath: string, opts: BackupRunOptions): Promise<{ totalPages: number }> {
  opts.signal?.throwIfAborted();
  const pageSize = Number(source.pragma('page_size', { simple: true }));
  const pagesPerStep = Math.max(16, Math.floor((opts.stepBytes ?? defaultStepBytes) / pageSize));
  let lastRemaining = Number.POSITIVE_INFINITY;
  let lastMovedAt = performance.now();
  const result = await source.backup(destPath, {
    // Called between steps; throwing here stops the copy and better-sqlite3 removes a destination it created.
    progress: ({ totalPages, remainingPages }) => {
      opts.signal?.throwIfAborted();
      const now = performance.now();
      if (remainingPages < lastRemaining) {
        lastRemaining = remainingPages;
        lastMovedAt = now;
      } else if (now - lastMovedAt > opts.stallTimeoutMs) {
        // A step that cannot lock the destination returns SQLITE_BUSY, which better-sqlite3 retries forever.
        throw new AirlockError('SOURCE_BUSY', `${opts.destLabel} stayed locked by another program for more than ${Math.round(opts.stallTimeoutMs / 1000)} s. Close the program using it and try again.`);
      }
      opts.onProgress?.(totalPages - remainingPages, totalPages);
      return pagesPerStep;
    },
  });
  opts.onProgress?.(result.totalPages, result.totalPages);
  return { totalPages: result.totalPages };
}
