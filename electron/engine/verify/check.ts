// `check`: proves the repository is whole — structure always, and every byte of (a subset of) the packs on request.

import { createHash } from 'node:crypto';
import { mapLimit } from '../concurrency.ts';
import { AirlockError } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import type { BlobLocation } from '../repo/blob-index.ts';
import { parseKeyFile } from '../repo/keys.ts';
import { readLocks } from '../repo/lock.ts';
import { readPackHeader, type PackedBlob } from '../repo/pack.ts';
import type { Repository } from '../repo/repository.ts';

export interface CheckOptions {
  /** Fraction of packs (0..1] whose every blob is decrypted and verified; 0 checks structure only. */
  readonly readData?: number;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
}

export interface CheckReport {
  readonly errors: string[];
  readonly warnings: string[];
  readonly snapshots: number;
  readonly packs: number;
  readonly blobs: number;
  readonly packsRead: number;
  readonly bytesRead: number;
}

function sameBlobs(a: readonly PackedBlob[], b: readonly PackedBlob[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: PackedBlob) => `${x.id}:${x.offset}:${x.length}:${x.rawLength}:${x.type}:${x.compressed}`;
  const set = new Set(a.map(key));
  return b.every((x) => set.has(key(x)));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Picks about `fraction` of the packs, spread over the whole repository, different on each run. */
function sample<T>(items: readonly T[], fraction: number): T[] {
  if (fraction >= 1) return [...items];
  const wanted = Math.max(1, Math.round(items.length * fraction));
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as T, shuffled[i] as T];
  }
  return shuffled.slice(0, wanted);
}

export async function checkRepository(repo: Repository, options: CheckOptions = {}): Promise<CheckReport> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const storage = repo.storage;

  for (const { name } of await storage.list('keys')) {
    try {
      parseKeyFile(await storage.read('keys', name), name);
    } catch (err) {
      errors.push(message(err));
    }
  }
  for (const name of (await readLocks({ storage, key: repo.masterKey.encryption, now: repo.now })).damaged) {
    warnings.push(`Lock file locks/${name.slice(0, 12)} is damaged; it blocks nothing, and \`airlock unlock\` removes it.`);
  }

  // The index: every pack it names must exist and carry exactly the blobs it lists.
  const indexFiles = await repo.readIndexFiles((name, err) => errors.push(`${message(err)} (index/${name.slice(0, 12)})`));
  const expected = new Map<string, readonly PackedBlob[]>();
  const located = new Map<string, BlobLocation>();
  for (const packs of indexFiles.values()) {
    for (const pack of packs) {
      expected.set(pack.packId, pack.blobs);
      for (const b of pack.blobs) if (!located.has(b.id)) located.set(b.id, { ...b, packId: pack.packId });
    }
  }
  const onDisk = new Map((await storage.list('data')).map((f) => [f.name, f.size]));
  for (const packId of expected.keys()) if (!onDisk.has(packId)) errors.push(`Pack ${packId.slice(0, 12)} is listed in the index but missing from data/.`);
  for (const packId of onDisk.keys()) if (!expected.has(packId)) warnings.push(`Pack ${packId.slice(0, 12)} is not in any index (left by an interrupted backup); \`airlock prune\` removes it.`);

  let done = 0;
  await mapLimit([...expected.keys()].filter((id) => onDisk.has(id)), 4, async (packId) => {
    options.signal?.throwIfAborted();
    const size = onDisk.get(packId) ?? 0;
    try {
      const header = await readPackHeader(repo.masterKey.encryption, packId, size, (n) => storage.readRange('data', packId, size - n, n));
      if (!sameBlobs(header, expected.get(packId) ?? [])) errors.push(`Pack ${packId.slice(0, 12)}'s header does not match the index.`);
    } catch (err) {
      errors.push(message(err));
    }
    options.onProgress?.({ phase: 'check structure', bytesDone: 0, itemsDone: ++done, itemsTotal: expected.size });
  });

  // Snapshots: each must decrypt, and every tree and data blob they reach must be in the index.
  const snapshotNames = (await storage.list('snapshots')).map((f) => f.name);
  const seenTrees = new Set<string>();
  const missing = new Set<string>();
  const visit = async (treeId: string, where: string): Promise<void> => {
    if (seenTrees.has(treeId)) return;
    seenTrees.add(treeId);
    const at = located.get(treeId);
    if (!at) {
      missing.add(treeId);
      errors.push(`Tree ${treeId.slice(0, 12)} (${where}) is missing from the index.`);
      return;
    }
    let tree;
    try {
      tree = await repo.loadTree(treeId, at);
    } catch (err) {
      errors.push(`${message(err)} (${where})`);
      return;
    }
    for (const node of tree.nodes) {
      for (const id of node.content ?? []) {
        if (!located.has(id) && !missing.has(id)) {
          missing.add(id);
          errors.push(`Data blob ${id.slice(0, 12)} of ${where}/${node.name} is missing from the index.`);
        }
      }
      if (node.subtree) await visit(node.subtree, `${where}/${node.name}`);
    }
  };
  for (const name of snapshotNames) {
    options.signal?.throwIfAborted();
    try {
      const snap = await repo.loadSnapshot(name);
      await visit(snap.tree, `snapshot ${name.slice(0, 8)}`);
    } catch (err) {
      errors.push(message(err));
    }
  }

  // Reading the data: each pack's bytes must hash to its name and each blob must decrypt to its ID.
  let packsRead = 0;
  let bytesRead = 0;
  const fraction = options.readData ?? 0;
  if (fraction > 0) {
    const chosen = sample([...expected.keys()].filter((id) => onDisk.has(id)), fraction);
    const bytesTotal = chosen.reduce((n, id) => n + (onDisk.get(id) ?? 0), 0);
    await mapLimit(chosen, 2, async (packId) => {
      options.signal?.throwIfAborted();
      try {
        const bytes = await storage.read('data', packId);
        if (createHash('sha256').update(bytes).digest('hex') !== packId) errors.push(`Pack ${packId.slice(0, 12)} is damaged: its contents no longer match its name.`);
        for (const blob of expected.get(packId) ?? []) {
          const what = `Blob ${blob.id.slice(0, 12)} in pack ${packId.slice(0, 12)}`;
          if (blob.offset + blob.length > bytes.length) {
            errors.push(`${what} lies beyond the end of the pack (truncated).`);
            continue;
          }
          try {
            await repo.decodeBlob({ ...blob, packId }, bytes.subarray(blob.offset, blob.offset + blob.length), what);
          } catch (err) {
            errors.push(message(err));
          }
        }
        bytesRead += bytes.length;
      } catch (err) {
        errors.push(err instanceof AirlockError ? err.message : `Pack ${packId.slice(0, 12)} could not be read: ${message(err)}`);
      }
      packsRead++;
      options.onProgress?.({ phase: 'check data', bytesDone: bytesRead, bytesTotal, itemsDone: packsRead, itemsTotal: chosen.length });
    });
  }

  return { errors, warnings, snapshots: snapshotNames.length, packs: onDisk.size, blobs: located.size, packsRead, bytesRead };
}

/** Parses `10%`, `0.1`, or `1/5` (the n-th fifth is not tracked: a random fifth). */
export function parseSubset(text: string): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const frac = /^(\d+)\/(\d+)$/.exec(text);
  const value = pct ? Number(pct[1]) / 100 : frac ? Number(frac[1]) / Number(frac[2]) : Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new AirlockError('USAGE', `"${text}" is not a subset; use a percentage like 10% or a fraction like 1/10.`);
  return value;
}
