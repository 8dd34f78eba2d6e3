// `stats`: how much the repository holds, and how much deduplication and compression save.

import type { Repository } from './repository.ts';
import { usedBlobs } from './prune.ts';

export interface RepositoryStats {
  readonly snapshots: number;
  /** Sum of the original sizes of every snapshot, as if each were restored. */
  readonly restoreSize: number;
  /** Distinct data, before compression. */
  readonly uniqueRawSize: number;
  /** What the distinct data takes in packs, after compression and encryption. */
  readonly uniqueStoredSize: number;
  readonly blobs: number;
  readonly packs: number;
  /** Bytes of every repository file on disk. */
  readonly repositorySize: number;
  readonly unusedBlobs: number;
  readonly freeSpace: number | undefined;
}

export async function repositoryStats(repo: Repository): Promise<RepositoryStats> {
  const snaps = await repo.listSnapshots();
  const index = await repo.index();
  const used = await usedBlobs(repo);
  let uniqueRawSize = 0;
  let uniqueStoredSize = 0;
  let unusedBlobs = 0;
  for (const loc of index.entries()) {
    if (!used.has(loc.id)) {
      unusedBlobs++;
      continue;
    }
    uniqueRawSize += loc.rawLength;
    uniqueStoredSize += loc.length;
  }
  let repositorySize = 0;
  for (const type of ['config', 'keys', 'data', 'index', 'snapshots', 'locks'] as const) {
    for (const f of await repo.storage.list(type)) repositorySize += f.size;
  }
  return {
    snapshots: snaps.length,
    restoreSize: snaps.reduce((n, s) => n + s.summary.bytesTotal, 0),
    uniqueRawSize,
    uniqueStoredSize,
    blobs: index.size,
    packs: (await repo.storage.list('data')).length,
    repositorySize,
    unusedBlobs,
    freeSpace: await repo.storage.freeSpace(),
  };
}
