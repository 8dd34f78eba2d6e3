// Damage on the drive: flipped bytes, truncation, missing files, unknown versions — always detected and named, never restored silently.

import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import { restoreFiles } from '../../electron/engine/sources/files/restore.ts';
import { checkRepository } from '../../electron/engine/verify/check.ts';
import { airlock } from '../helpers/cli.ts';
import { randomData, tempDir, writeTree } from '../helpers/files.ts';
import { createRepository, reopen } from '../helpers/repo.ts';

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function flipByte(file: string, at: (size: number) => number): Promise<void> {
  const data = await readFile(file);
  const i = at(data.length);
  data[i] = (data[i] ?? 0) ^ 0x40;
  await writeFile(file, data);
}

describe('damage is detected and named', () => {
  let work: string;
  let repoDir: string;
  let src: string;

  beforeEach(async () => {
    work = await tempDir();
    repoDir = join(work, 'repo');
    src = join(work, 'src');
    await writeTree(src, { 'a.bin': randomData(300_000), 'b.txt': 'text '.repeat(50_000), 'c/d.txt': 'small' });
    const repo = await createRepository(repoDir);
    await runBackup(repo, { source: { kind: 'files', paths: [src] } });
    expect((await checkRepository(await reopen(repoDir), { readData: 1 })).errors).toEqual([]);
  });

  it('a flipped byte in a data pack: check --read-data names the pack, restore refuses the damaged file', async () => {
    // The largest pack holds file data; the structural check does not read it, --read-data does.
    const packs = await filesIn(join(repoDir, 'data'));
    const sizes = await Promise.all(packs.map(async (p) => (await readFile(p)).length));
    const pack = packs[sizes.indexOf(Math.max(...sizes))];
    await flipByte(pack!, () => 100);
    const repo = await reopen(repoDir);
    const structural = await checkRepository(repo);
    expect(structural.errors).toEqual([]);
    const report = await checkRepository(repo, { readData: 1 });
    expect(report.errors.join('\n')).toMatch(/Pack [0-9a-f]{12} is damaged/);
    const snap = (await repo.listSnapshots())[0]!;
    await expect(restoreFiles(repo, snap.tree, { target: join(work, 'out') })).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
  });

  it('a flipped byte in a pack header: even the structural check finds it', async () => {
    const [pack] = await filesIn(join(repoDir, 'data'));
    await flipByte(pack!, (n) => n - 10);
    const report = await checkRepository(await reopen(repoDir));
    expect(report.errors.join('\n')).toMatch(/header failed its integrity check/);
  });

  it('a truncated pack is reported', async () => {
    const [pack] = await filesIn(join(repoDir, 'data'));
    await truncate(pack!, 1000);
    const report = await checkRepository(await reopen(repoDir));
    expect(report.errors.join('\n')).toMatch(/Pack [0-9a-f]{12}.*(truncated|damaged)/);
  });

  it('a flipped byte in an index file is reported by name', async () => {
    const [index] = await filesIn(join(repoDir, 'index'));
    await flipByte(index!, (n) => n >> 1);
    const report = await checkRepository(await reopen(repoDir));
    expect(report.errors.join('\n')).toMatch(/Index file index\/[0-9a-f]{12} failed its integrity check/);
  });

  it('a flipped byte in a snapshot manifest is reported by name', async () => {
    const [snap] = await filesIn(join(repoDir, 'snapshots'));
    await flipByte(snap!, (n) => n >> 1);
    const report = await checkRepository(await reopen(repoDir));
    expect(report.errors.join('\n')).toMatch(/Snapshot [0-9a-f]{8} failed its integrity check/);
  });

  it('a damaged key file is told apart from a wrong passphrase', async () => {
    const [key] = await filesIn(join(repoDir, 'keys'));
    const text = await readFile(key!, 'utf8');
    await writeFile(key!, text.replace(/"wrapped": "(.)/, (_m, c: string) => `"wrapped": "${c === 'A' ? 'B' : 'A'}`));
    await expect(reopen(repoDir)).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringMatching(/Key file keys\/[0-9a-f]+ is damaged/) as unknown });
  });

  it('a missing pack is reported as missing', async () => {
    const packs = await filesIn(join(repoDir, 'data'));
    await writeFile(join(work, 'moved'), await readFile(packs[0]!));
    await truncate(packs[0]!, 0);
    await rm(packs[0]!);
    const report = await checkRepository(await reopen(repoDir));
    expect(report.errors.join('\n')).toMatch(/listed in the index but missing/);
  });

  it('a restore from a missing pack names the pack and says to run check', async () => {
    // The largest pack holds the files' data; the trees are in another, so the restore gets as far as reading data.
    const packs = await filesIn(join(repoDir, 'data'));
    const sizes = await Promise.all(packs.map(async (p) => (await readFile(p)).length));
    const dataPack = packs[sizes.indexOf(Math.max(...sizes))]!;
    await rm(dataPack);
    const repo = await reopen(repoDir);
    const [snapshot] = await repo.listSnapshots();
    await expect(restoreFiles(repo, snapshot!.tree, { target: join(work, 'out') })).rejects.toMatchObject({
      code: 'CORRUPT_DATA',
      message: expect.stringMatching(/Pack [0-9a-f]{12} is missing from the repository\. Run `airlock check`\./) as unknown,
    });
  });

  it('a repository of an unknown format version is refused, untouched, with a clear sentence', async () => {
    const config = join(repoDir, 'config');
    const text = (await readFile(config, 'utf8')).replace('"version": 1', '"version": 2');
    await writeFile(config, text);
    const before = await Promise.all((await filesIn(repoDir)).map(async (f) => [f, await readFile(f)] as const));
    const result = await airlock(['snapshots', '--repo', repoDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/format version 2; this Airlock reads version 1/);
    for (const [f, data] of before) expect(await readFile(f)).toEqual(data);
  });

  it('a wrong passphrase writes nothing and exits 12', async () => {
    const before = (await filesIn(repoDir)).sort();
    const result = await airlock(['backup', '--repo', repoDir, src], { env: { AIRLOCK_PASSPHRASE: 'wrong' } });
    expect(result.code).toBe(12);
    expect((await filesIn(repoDir)).sort()).toEqual(before);
  });
});

describe('what desktops and drives leave behind', () => {
  it('ignores files that are not repository files (.DS_Store, ._ files, Thumbs.db)', async () => {
    const work = await tempDir();
    const repoDir = join(work, 'repo');
    const repo = await createRepository(repoDir);
    await writeTree(join(work, 'src'), { 'a.txt': 'a' });
    await runBackup(repo, { source: { kind: 'files', paths: [join(work, 'src')] } });
    for (const dir of ['snapshots', 'index', 'keys', 'locks', 'data/00']) {
      await writeFile(join(repoDir, dir, '.DS_Store'), 'finder');
      await writeFile(join(repoDir, dir, 'Thumbs.db'), 'explorer');
    }
    const again = await reopen(repoDir);
    expect(await again.listSnapshots()).toHaveLength(1);
    expect((await checkRepository(again, { readData: 1 })).errors).toEqual([]);
  });

  it('a damaged lock file blocks nothing and unlock removes it', async () => {
    const work = await tempDir();
    const repoDir = join(work, 'repo');
    await createRepository(repoDir);
    await writeFile(join(repoDir, 'locks', 'cd'.repeat(32)), 'not a lock');
    await writeTree(join(work, 'src'), { 'a.txt': 'a' });
    const backup = await airlock(['backup', '--repo', repoDir, join(work, 'src')]);
    expect(backup.code, backup.stderr).toBe(0);
    expect((await airlock(['unlock', '--repo', repoDir])).code).toBe(0);
    expect(await readdir(join(repoDir, 'locks'))).toEqual([]);
  });

  it('refuses a bad compression level before creating anything', async () => {
    const work = await tempDir();
    const result = await airlock(['init', '--repo', join(work, 'repo'), '--compression', '30']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Compression level must be a whole number from 1/);
    expect(await readdir(work)).toEqual([]);
  });
});
