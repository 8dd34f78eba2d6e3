// Waiting, for a person at the command line, until the drives a job needs are plugged in.

import type { Clock } from '../jobs/clock.ts';
import type { DriveRef } from '../jobs/job.ts';
import type { DriveLister } from './drive.ts';
import { resolveDrives, waitingMessage, type DriveResolution } from './locate.ts';

/**
 * Resolves once every drive in `refs` is mounted, with where it is; says once what it waits for. Rejects with the
 * signal's reason when cancelled.
 */
export function waitForDrives(
  refs: readonly DriveRef[],
  options: { readonly drives: DriveLister; readonly clock: Clock; readonly signal?: AbortSignal; readonly pollMs?: number; readonly onWaiting?: (message: string) => void },
): Promise<DriveResolution> {
  const { drives, clock, signal } = options;
  return new Promise((resolve, reject) => {
    let said = false;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const cancelled = (): Error => {
      const reason: unknown = signal?.reason;
      return reason instanceof Error ? reason : new Error('Stopped waiting for the drive.');
    };
    const onAbort = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      reject(cancelled());
    };
    const look = (): void => {
      timer = undefined;
      if (signal?.aborted === true) return;
      const resolution = resolveDrives(refs, drives.list());
      if (resolution.missing.length === 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve(resolution);
        return;
      }
      if (!said) options.onWaiting?.(waitingMessage(resolution.missing));
      said = true;
      timer = clock.setTimeout(look, options.pollMs ?? 2_000);
    };
    if (signal?.aborted === true) {
      reject(cancelled());
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    look();
  });
}
