// `prune`: removes data no snapshot refers to; repacks packs that are mostly unused; crash-safe at every step.

import type { ProgressListener } from '../progress.ts';
import type { IndexedPack } from './blob-index.ts';
import { PackWriter, type PackedBlob } from './pack.ts';
import type { Repository } from './repository.ts';

export interface PruneOptions {
  readonly dryRun?: boolean;
  /** Repack a pack when more than this fraction of its bytes is unused (restic's default is 5%). */
  readonly maxUnused?: number;
  readonly onProgress?: ProgressListener | undefined;
}

export interface PruneReport {
  readonly packsRemoved: number;
  readonly packsRepacked: number;
  readonly packsKept: number;
  readonly blobsRemoved: number;
  readonly bytesFreed: number;
  readonly indexFilesReplaced: number;
  readonly temporaryFilesRemoved: number;
}

/** Every blob reachable from any snapshot: tree blobs and the data blobs their files list. */
export async function usedBlobs(repo: Repository): Promise<Set<string>> {
  const used = new Set<string>();
  const visit = async (treeId: string): Promise<void> => {
    if (used.has(treeId)) return;
    used.add(treeId);
    for (const node of (await repo.loadTree(treeId)).nodes) {
      for (const id of node.content ?? []) used.add(id);
      if (node.subtree) await visit(node.subtree);
    }
  };
  for (const snap of await repo.listSnapshots()) await visit(snap.tree);
  return used;
}

export async function pruneRepository(repo: Repository, options: PruneOptions = {}): Promise<PruneReport> {
  const lock = options.dryRun ? undefined : await repo.lock('exclusive', 'prune');
  try {
    const used = await usedBlobs(repo);
    const indexFiles = await repo.readIndexFiles();
    const packSizes = new Map((await repo.storage.list('data')).map((f) => [f.name, f.size]));
    // Each blob is kept once, in the first pack that has it; a second copy counts as unused.
    const kept = new Set<string>();
    const plans: { packId: string; all: readonly PackedBlob[]; keep: PackedBlob[]; drop: PackedBlob[] }[] = [];
    const seenPacks = new Set<string>();
    for (const packs of indexFiles.values()) {
      for (const pack of packs) {
        if (seenPacks.has(pack.packId)) continue;
        seenPacks.add(pack.packId);
        const keep: PackedBlob[] = [];
        const drop: PackedBlob[] = [];
        for (const b of pack.blobs) {
          if (used.has(b.id) && !kept.has(b.id)) {
            kept.add(b.id);
            keep.push(b);
          } else {
            drop.push(b);
          }
        }
        plans.push({ packId: pack.packId, all: pack.blobs, keep, drop });
      }
    }
    const maxUnused = options.maxUnused ?? 0.05;
    const unindexed = [...packSizes.keys()].filter((id) => !seenPacks.has(id));
    const removeWhole = plans.filter((p) => p.keep.length === 0).map((p) => p.packId);
    const repack = plans.filter((p) => {
      if (p.keep.length === 0 || p.drop.length === 0) return false;
      const dropped = p.drop.reduce((n, b) => n + b.length, 0);
      const total = dropped + p.keep.reduce((n, b) => n + b.length, 0);
      return dropped / total > maxUnused;
    });
    const repackIds = new Set(repack.map((p) => p.packId));
    const untouched = plans.filter((p) => p.keep.length > 0 && !repackIds.has(p.packId));
    const bytesFreed = [...removeWhole, ...unindexed, ...repack.map((p) => p.packId)].reduce((n, id) => n + (packSizes.get(id) ?? 0), 0);

    let temporaryFilesRemoved = 0;
    const newPacks: IndexedPack[] = [];
    if (!options.dryRun) {
      // 1. Copy the still-used blobs of mostly-empty packs into new packs (ciphertext as is: no re-encryption).
      let writer = new PackWriter();
      const finish = async () => {
        if (writer.count === 0) return;
        const { id, bytes, blobs } = writer.finish(repo.masterKey.encryption);
        await repo.storage.write('data', id, bytes);
        newPacks.push({ packId: id, blobs });
        writer = new PackWriter();
      };
      let done = 0;
      for (const plan of repack) {
        for (const b of plan.keep) {
          const envelope = await repo.storage.readRange('data', plan.packId, b.offset, b.length);
          // Verify before copying: prune must never spread damage into new packs.
          await repo.decodeBlob({ ...b, packId: plan.packId }, envelope, `Blob ${b.id.slice(0, 12)}`);
          writer.add(b.id, b.type, b.compressed, b.rawLength, envelope);
          if (writer.byteLength >= repo.config.packSize) await finish();
        }
        options.onProgress?.({ phase: 'prune', bytesDone: 0, itemsDone: ++done, itemsTotal: repack.length });
      }
      await finish();
      // 2. One new index for everything that stays, written before any old file goes: a crash here leaves duplicates, never gaps.
      // A pack kept as it is stays indexed whole, so that its header and the index keep agreeing.
      const survivors: IndexedPack[] = [...untouched.map((p) => ({ packId: p.packId, blobs: p.all })), ...newPacks];
      const written = survivors.length > 0 ? await repo.writeIndexFile(survivors) : undefined;
      // 3. Old index files, then the packs nothing refers to any more.
      for (const name of indexFiles.keys()) if (name !== written) await repo.storage.remove('index', name);
      for (const id of [...removeWhole, ...repack.map((p) => p.packId), ...unindexed]) await repo.storage.remove('data', id);
      temporaryFilesRemoved = await repo.storage.cleanTemporary();
    }
    return {
      packsRemoved: removeWhole.length + unindexed.length,
      packsRepacked: repack.length,
      packsKept: untouched.length,
      blobsRemoved: [...removeWhole.map((id) => plans.find((p) => p.packId === id)), ...repack].reduce((n, p) => n + (p?.drop.length ?? 0), 0),
      bytesFreed,
      indexFilesReplaced: options.dryRun ? 0 : indexFiles.size,
      temporaryFilesRemoved,
    };
  } finally {
    await lock?.release();
  }
}
