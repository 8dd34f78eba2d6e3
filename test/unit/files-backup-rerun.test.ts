import { chmod, mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import type { Progress } from '../../electron/engine/progress.ts';
import { sameNodes, type TreeNode } from '../../electron/engine/repo/tree.ts';
import { restoreFiles } from '../../electron/engine/sources/files/restore.ts';
import { tempDir } from '../helpers/files.ts';
import { createRepository } from '../helpers/repo.ts';

describe('a re-run of a files backup', () => {
  it('reports the parent snapshot\'s totals from its first progress report on', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(src, i % 2 ? 'sub' : '', `f${i}.txt`), 'x'.repeat(100 + i));
    const bytes = Array.from({ length: 40 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0);
    const repo = await createRepository(join(work, 'repo'));

    await runBackup(repo, { source: { kind: 'files', paths: [src] } });

    const rerun: Progress[] = [];
    const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] }, onProgress: (p) => rerun.push(p) });
    expect(outcome.snapshot.summary.filesUnmodified).toBe(40);
    expect(rerun.length).toBeGreaterThan(0);
    for (const p of rerun) {
      expect(p.itemsTotal).toBe(40);
      expect(p.bytesTotal).toBe(bytes);
    }
    expect(rerun.at(-1)?.bytesDone).toBe(bytes);
  });
});

describe('a folder unchanged since the parent snapshot', () => {
  it('keeps the parent tree, and any change deep inside (mode, time, a new file) makes new trees up to the root', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    const deep = join(src, 'a', 'b', 'c');
    await mkdir(deep, { recursive: true });
    await mkdir(join(src, 'other'));
    await writeFile(join(deep, 'file.txt'), 'deep');
    await writeFile(join(src, 'other', 'x.txt'), 'x');
    const repo = await createRepository(join(work, 'repo'));
    const backup = async () => (await runBackup(repo, { source: { kind: 'files', paths: [src] } })).snapshot;

    const first = await backup();
    const same = await backup();
    expect(same.tree).toBe(first.tree);
    expect(same.summary.bytesAdded).toBe(0);

    await chmod(join(deep, 'file.txt'), 0o600);
    const chmodded = await backup();
    expect(chmodded.tree).not.toBe(first.tree);
    const earlier = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(join(deep, 'file.txt'), earlier, earlier);
    const touched = await backup();
    expect(touched.tree).not.toBe(chmodded.tree);
    await writeFile(join(deep, 'new.txt'), 'new');
    const added = await backup();
    expect(added.tree).not.toBe(touched.tree);

    const target = join(work, 'out');
    await restoreFiles(repo, added.tree, { target });
    const restored = await stat(join(target, 'src', 'a', 'b', 'c', 'file.txt'));
    expect(restored.mode & 0o777).toBe(0o600);
    expect(restored.mtimeMs).toBe(earlier.getTime());
    expect((await stat(join(target, 'src', 'a', 'b', 'c', 'new.txt'))).size).toBe(3);
  });

  it('is told apart from a stored listing by any field of any entry', () => {
    const node: TreeNode = { name: 'f', type: 'file', mode: 0o644, mtimeMs: 1.5, uid: 1, gid: 2, size: 3, inode: 4, ctimeMs: 5, content: ['c1', 'c2'], sha256: 'h' };
    const stored = new Map([['f', node]]);
    expect(sameNodes([{ ...node, content: ['c1', 'c2'] }], stored)).toBe(true);
    const changes: Partial<TreeNode>[] = [
      { mode: 0o600 }, { mtimeMs: 1.25 }, { uid: 9 }, { gid: 9 }, { size: 4 }, { inode: 9 }, { ctimeMs: 9 }, { content: ['c1'] },
      { content: ['c1', 'c3'] }, { sha256: 'g' }, { subtree: 't' }, { linkTarget: 'l' }, { hardlink: '1:2' }, { type: 'symlink' }, { name: 'g' },
    ];
    for (const change of changes) expect(sameNodes([{ ...node, ...change }], stored), JSON.stringify(change)).toBe(false);
    expect(sameNodes([], stored)).toBe(false);
    expect(sameNodes([node, { ...node, name: 'g' }], stored)).toBe(false);
  });
});
