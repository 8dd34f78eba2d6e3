// Restoring many small files: read a pack range at a time, written whole, and still verified one by one.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, link, mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import type { Repository } from '../../electron/engine/repo/repository.ts';
import { restoreFiles } from '../../electron/engine/sources/files/restore.ts';
import type { TreeNode } from '../../electron/engine/repo/tree.ts';
import { describeTree, tempDir } from '../helpers/files.ts';
import { createRepository } from '../helpers/repo.ts';

async function smallFiles(src: string): Promise<void> {
  await mkdir(join(src, 'a', 'b'), { recursive: true });
  const shared = randomBytes(3000);
  for (let i = 0; i < 300; i++) {
    const dir = i % 3 === 0 ? src : i % 3 === 1 ? join(src, 'a') : join(src, 'a', 'b');
    // Every tenth file has the same content as others: one blob for several files.
    await writeFile(join(dir, `f${i}.txt`), i % 10 === 0 ? shared : randomBytes(1 + ((i * 97) % 5000)));
  }
  await writeFile(join(src, 'empty'), '');
  // One chunk of zeros: comes back as a hole of the right length.
  await writeFile(join(src, 'zeros.bin'), Buffer.alloc(64 * 1024));
  await chmod(join(src, 'f3.txt'), 0o640);
  await utimes(join(src, 'f6.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  await link(join(src, 'f9.txt'), join(src, 'a', 'also-f9.txt'));
}

async function partials(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.airlock-partial'));
}

async function backedUp(work: string): Promise<{ repo: Repository; storage: LocalStorage; src: string; tree: string }> {
  const src = join(work, 'src');
  await smallFiles(src);
  const storage = new LocalStorage(join(work, 'repo'));
  const repo = await createRepository(storage);
  const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
  return { repo, storage, src, tree: outcome.snapshot.tree };
}

describe('restoring many small files', () => {
  it('reads neighbouring blobs together and gives back every file, link, hole and time', async () => {
    const work = await tempDir();
    const { repo, storage, src, tree } = await backedUp(work);
    const reads = vi.spyOn(storage, 'readRange');
    const target = join(work, 'out');
    const progress: number[] = [];
    const result = await restoreFiles(repo, tree, { target, onProgress: (p) => progress.push(p.bytesDone) });

    expect(await describeTree(join(target, 'src'))).toEqual(await describeTree(src));
    expect(result).toMatchObject({ files: 303, verified: 302 });
    // One read per tree, and a few for the 300 files' data: not one per file.
    expect(reads.mock.calls.length).toBeLessThan(10);
    expect(progress.at(-1)).toBe(result.bytes);
    const zeros = await stat(join(target, 'src', 'zeros.bin'));
    expect(zeros.size).toBe(64 * 1024);
    expect(zeros.blocks).toBe(0);
    expect((await stat(join(target, 'src', 'a', 'also-f9.txt'))).ino).toBe((await stat(join(target, 'src', 'f9.txt'))).ino);
    expect(await partials(target)).toEqual([]);
    await repo.storage.close?.();
  });

  it('writes files batch by batch as it walks the snapshot, not after listing all of it', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    // 4,500 files in 45 folders: more than one batch (4,096 files), which ends before the last folder.
    for (let d = 0; d < 45; d++) {
      const dir = join(src, `d${String(d).padStart(2, '0')}`);
      await mkdir(dir, { recursive: true });
      for (let f = 0; f < 100; f++) await writeFile(join(dir, `f${f}`), `${d}/${f}`);
    }
    const repo = await createRepository(join(work, 'repo'));
    const { snapshot } = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
    const target = join(work, 'out');
    let lastFolderAtFirstFile: boolean | undefined;
    const result = await restoreFiles(repo, snapshot.tree, {
      target,
      onProgress: (p) => {
        if (p.itemsDone === 1) lastFolderAtFirstFile = existsSync(join(target, 'src', 'd44'));
      },
    });
    expect(result.files).toBe(4500);
    // Listing the whole snapshot first (its memory growing with the number of files) would have made every folder.
    expect(lastFolderAtFirstFile).toBe(false);
    expect(await describeTree(join(target, 'src'))).toEqual(await describeTree(src));
    await repo.storage.close?.();
  }, 60_000);

  it('refuses a file whose recorded checksum does not match, leaving nothing under its name', async () => {
    const work = await tempDir();
    const { repo, tree } = await backedUp(work);
    // A tree claiming another checksum for f3.txt (as a damaged or tampered backup would).
    const root = await repo.loadTree(tree);
    const srcNode = root.nodes[0];
    if (srcNode?.subtree === undefined) throw new Error('no source folder in the snapshot');
    const inner = await repo.loadTree(srcNode.subtree);
    const nodes = inner.nodes.map((n) => (n.name === 'f3.txt' ? { ...n, sha256: '0'.repeat(64) } : n));
    const subtree = (await repo.saveTree(nodes)).id;
    const lying = (await repo.saveTree([{ ...srcNode, subtree }])).id;
    await repo.flush();

    const target = join(work, 'out');
    await expect(restoreFiles(repo, lying, { target })).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
    await expect(stat(join(target, 'src', 'f3.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await partials(target)).toEqual([]);
    await repo.storage.close?.();
  });

  it('catches a blob at the wrong place in the index: by the whole file checksum, or blob by blob without one', async () => {
    const work = await tempDir();
    const { repo, tree } = await backedUp(work);
    const srcNode = (await repo.loadTree(tree)).nodes[0];
    if (srcNode?.subtree === undefined) throw new Error('no source folder in the snapshot');
    const inner = await repo.loadTree(srcNode.subtree);
    const f3 = inner.nodes.find((n) => n.name === 'f3.txt');
    const f6 = inner.nodes.find((n) => n.name === 'f6.txt');
    const f6At = (await repo.index()).get(f6?.content?.[0] ?? '');
    if (!f3 || !f6At) throw new Error('f3.txt or f6.txt is not in the snapshot');
    // An index entry that sends an ID to another blob's place: the blob there is genuine, sealed with the
    // repository's key, so only a hash of its content can tell it is not the one asked for.
    const misplaced = 'e'.repeat(64);
    (await repo.index()).add({ packId: f6At.packId, blobs: [{ ...f6At, id: misplaced }] });
    const pointingThere = { ...f3, content: [misplaced], size: f6At.rawLength };
    const { sha256: _, ...withoutChecksum } = pointingThere;
    const restoreOnly = async (...nodes: TreeNode[]) => {
      const subtree = (await repo.saveTree(nodes)).id;
      const root = (await repo.saveTree([{ ...srcNode, subtree }])).id;
      await repo.flush();
      return restoreFiles(repo, root, { target: join(work, 'out') });
    };

    await expect(restoreOnly(pointingThere)).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
    await expect(restoreOnly(withoutChecksum)).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
    await expect(restoreOnly(withoutChecksum)).rejects.toThrow('does not match its ID');
    await expect(stat(join(work, 'out', 'src', 'f3.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The same blob for a file whose checksum matches it, then for one recorded without a checksum: decrypted once
    // for the first, it is still checked against its ID for the second.
    const f6Itself = { ...pointingThere, sha256: f6?.sha256 };
    await expect(restoreOnly(f6Itself, { ...withoutChecksum, name: 'g.txt' })).rejects.toThrow('does not match its ID');
    await expect(stat(join(work, 'out', 'src', 'g.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await partials(join(work, 'out'))).toEqual([]);
    await repo.storage.close?.();
  });

  it('stops when cancelled, leaving no partial file', async () => {
    const work = await tempDir();
    const { repo, tree } = await backedUp(work);
    const controller = new AbortController();
    const target = join(work, 'out');
    let seen = 0;
    const restoring = restoreFiles(repo, tree, {
      target,
      signal: controller.signal,
      onProgress: () => {
        if (++seen === 50) controller.abort();
      },
    });
    await expect(restoring).rejects.toThrow();
    expect(seen).toBeLessThan(100);
    expect(await partials(target)).toEqual([]);
    await repo.storage.close?.();
  });

  it('refuses unsafe names in a folder and in its subfolder at once, before writing anything', async () => {
    const work = await tempDir();
    const repo = await createRepository(join(work, 'repo'));
    const file = { type: 'file' as const, mode: 0o644, mtimeMs: 0, size: 0, content: [] };
    const inner = (await repo.saveTree([{ ...file, name: '..' }])).id;
    // "a" is walked first (names are sorted) and refused too: its refusal must be caught, not left unhandled.
    const root = (await repo.saveTree([{ type: 'dir', name: 'a', mode: 0o755, mtimeMs: 0, subtree: inner }, { ...file, name: 'b/../../escape' }])).id;
    await repo.flush();
    const target = join(work, 'out');
    await expect(restoreFiles(repo, root, { target })).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    await repo.storage.close?.();
  });
});
