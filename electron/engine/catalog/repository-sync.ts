// Keeping the catalog in step with repositories: recording runs, caching snapshot lists, and rebuilding from scratch.

import { AirlockError } from '../errors.ts';
import type { Repository } from '../repo/repository.ts';
import type { Snapshot } from '../repo/snapshot.ts';
import type { Catalog, RunResult, RunStart, SnapshotRecord } from './catalog.ts';

export function snapshotRecord(s: Snapshot): SnapshotRecord {
  const { durationMs, ...sizes } = s.summary;
  return {
    id: s.id,
    time: new Date(s.time),
    hostname: s.hostname,
    sourceKind: s.kind,
    sourceDescription: s.sources.join(' '),
    tags: s.tags,
    summary: { ...sizes, durationMs, partial: s.partial ? 1 : 0 },
  };
}

/** Makes the catalog's copy of a repository's snapshot list exact: what `catalog rebuild` does for each repository. */
export async function refreshSnapshots(catalog: Catalog, repo: Repository): Promise<number> {
  const snapshots = await repo.listSnapshots();
  catalog.rememberRepository({ id: repo.id, location: repo.storage.location });
  catalog.replaceSnapshots(repo.id, snapshots.map(snapshotRecord));
  return snapshots.length;
}

/** Runs `work`, recording its start and outcome; a failure is recorded with its code and sentence, then rethrown. */
export async function recordRun<T>(catalog: Catalog | undefined, start: RunStart, work: () => Promise<T>, outcome: (value: T) => RunResult): Promise<T> {
  const id = catalog?.startRun(start);
  try {
    const value = await work();
    if (catalog && id !== undefined) catalog.finishRun(id, outcome(value));
    return value;
  } catch (err) {
    if (catalog && id !== undefined) {
      const cancelled = err instanceof AirlockError && err.code === 'CANCELLED';
      const error = err instanceof AirlockError ? { code: err.code, message: err.message } : { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err) };
      catalog.finishRun(id, { status: cancelled ? 'cancelled' : 'failed', error });
    }
    throw err;
  }
}
