// Bad input: files that change or cannot be read during a backup, symlink loops, and manifests tampered to escape a restore.

import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import { restoreFiles } from '../../electron/engine/sources/files/restore.ts';
import { airlock } from '../helpers/cli.ts';
import { nobody, nobodySkipReason } from '../helpers/unprivileged.ts';
import { describeTree, randomData, tempDir, writeTree } from '../helpers/files.ts';
import { createRepository } from '../helpers/repo.ts';

describe('files that misbehave during a backup', () => {
  it('a file that keeps changing while read is retried, then stored with a warning naming it', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    await writeTree(src, { 'growing.log': randomData(20 * 1024 * 1024), 'steady.txt': 'steady' });
    const repo = await createRepository(join(work, 'repo'));
    // Another process appends to the file for as long as the backup runs.
    const writer = spawn(process.execPath, ['-e', `const fs=require('fs');setInterval(()=>fs.appendFileSync(${JSON.stringify(join(src, 'growing.log'))},'x'.repeat(4096)),1)`]);
    try {
      const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
      expect(outcome.partial).toBe(false);
      expect(outcome.warnings.join('\n')).toMatch(/growing\.log changed while it was being read/);
    } finally {
      writer.kill();
    }
  });

  it('a small file that grows after the walk looked at it is read to its end and stored as it was read', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    // Thousands of neighbours: the walk looks at every entry of a folder before reading any, so the log grows
    // between the walk's look and its read, and is read past the size the walk saw.
    const neighbours = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`n${i}.txt`, `neighbour ${i}`]));
    await writeTree(src, { ...neighbours, 'small.log': 'start\n' });
    const log = join(src, 'small.log');
    const repo = await createRepository(join(work, 'repo'));
    const writer = spawn(process.execPath, ['-e', `const fs=require('fs');fs.appendFileSync(${JSON.stringify(log)},'up\\n');setInterval(()=>fs.appendFileSync(${JSON.stringify(log)},'line\\n'),1)`]);
    try {
      while (!(await readFile(log, 'utf8')).includes('up')) await new Promise((r) => setTimeout(r, 10));
      const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
      expect(outcome.partial).toBe(false);
      await restoreFiles(repo, outcome.snapshot.tree, { target: join(work, 'out') });
    } finally {
      writer.kill();
    }
    const restored = await readFile(join(work, 'out', 'src', 'small.log'), 'utf8');
    expect(restored).toMatch(/^start\nup\n(line\n)*$/);
    expect((await readFile(log, 'utf8')).startsWith(restored)).toBe(true);
  });

  it('unreadable files are listed, the snapshot is marked partial, and the CLI exits 3', async (ctx) => {
    const work = await tempDir();
    const src = join(work, 'src');
    await writeTree(src, { 'ok.txt': 'fine', 'secret/locked.txt': 'no access', 'blocked.txt': 'no access' });
    await chmod(join(src, 'blocked.txt'), 0o000);
    await chmod(join(src, 'secret'), 0o000);
    const asRoot = process.getuid?.() === 0;
    // Root reads everything, so as root the backup runs as the unprivileged user "nobody".
    if (asRoot) {
      const cannot = nobodySkipReason();
      if (cannot !== undefined) ctx.skip(cannot);
      await chmod(work, 0o777);
      await chown(src, nobody, nobody);
    } else if (process.platform === 'win32') {
      // Skipped on Windows: chmod 000 does not make a file unreadable there.
      ctx.skip();
    }
    const repo = join(work, 'repo');
    const ids = asRoot ? { uid: nobody, gid: nobody } : {};
    const env = { AIRLOCK_HOME: join(work, 'home') };
    expect((await airlock(['init', '--repo', repo], { ...ids, env })).code).toBe(0);
    const backup = await airlock(['backup', '--repo', repo, src, '--json'], { ...ids, env });
    expect(backup.code, backup.stderr).toBe(3);
    const result = backup.json<{ partial: boolean; warnings: string[] }>();
    expect(result.partial).toBe(true);
    expect(result.warnings.join('\n')).toMatch(/blocked\.txt: EACCES/);
    expect(result.warnings.join('\n')).toMatch(/secret: EACCES/);
    expect(backup.stderr).toMatch(/could not read .*blocked\.txt/);
    const list = await airlock(['snapshots', '--repo', repo, '--json'], { ...ids, env });
    expect(list.json<{ partial: boolean }[]>()[0]?.partial).toBe(true);
  });

  it('a file whose name is not valid UTF-8 is reported and makes the snapshot partial, never silently dropped', async (ctx) => {
    // Windows and macOS file systems do not allow such names at all.
    if (process.platform !== 'linux') ctx.skip();
    const work = await tempDir();
    const src = join(work, 'src');
    await writeTree(src, { 'ok.txt': 'fine' });
    await writeFile(Buffer.concat([Buffer.from(`${src}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'latin-1 name');
    const repo = await createRepository(join(work, 'repo'));
    const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
    expect(outcome.partial).toBe(true);
    expect(outcome.warnings.join('\n')).toMatch(/name is not valid UTF-8/);
  });

  it('symlink loops are stored as links, never followed, and restored as they were', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    await mkdir(join(src, 'dir'), { recursive: true });
    await writeFile(join(src, 'dir', 'file.txt'), 'content');
    await symlink('b', join(src, 'a'));
    await symlink('a', join(src, 'b'));
    await symlink('..', join(src, 'dir', 'up'));
    await symlink(src, join(src, 'self'));
    const repo = await createRepository(join(work, 'repo'));
    const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
    expect(outcome.warnings).toEqual([]);
    await restoreFiles(repo, outcome.snapshot.tree, { target: join(work, 'out') });
    expect(await describeTree(join(work, 'out', 'src'))).toEqual(await describeTree(src));
    expect(await readlink(join(work, 'out', 'src', 'dir', 'up'))).toBe('..');
  });
});

describe('tampered manifests never write outside the restore target', () => {
  const evilNames = ['../escaped.txt', '/etc/escaped.txt', '..', 'a/../../escaped.txt', 'C:\\escaped.txt', ''];

  for (const name of evilNames) {
    it(`refuses an entry named ${JSON.stringify(name)} and writes nothing`, async () => {
      const work = await tempDir();
      const repo = await createRepository(join(work, 'repo'));
      const data = Buffer.from('payload');
      const blob = await repo.saveBlob('data', data);
      const { createHash } = await import('node:crypto');
      const file = { name, type: 'file' as const, mode: 0o644, mtimeMs: 0, size: data.length, content: [blob.id], sha256: createHash('sha256').update(data).digest('hex') };
      const inner = await repo.saveTree([file, { ...file, name: 'innocent.txt' }]);
      const root = await repo.saveTree([{ name: 'dir', type: 'dir', mode: 0o755, mtimeMs: 0, subtree: inner.id }]);
      await repo.flush();
      const target = join(work, 'target', 'inside');
      await expect(restoreFiles(repo, root.id, { target })).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
      expect(await readdir(work)).toEqual(['repo']);
    });
  }

  it('refuses a folder entry that a symlink in the same snapshot would redirect', async () => {
    const work = await tempDir();
    const repo = await createRepository(join(work, 'repo'));
    const data = Buffer.from('payload');
    const blob = await repo.saveBlob('data', data);
    const { createHash } = await import('node:crypto');
    const inner = await repo.saveTree([{ name: 'f.txt', type: 'file', mode: 0o644, mtimeMs: 0, size: data.length, content: [blob.id], sha256: createHash('sha256').update(data).digest('hex') }]);
    const root = await repo.saveTree([
      { name: 'x', type: 'symlink', mode: 0o777, mtimeMs: 0, linkTarget: join(work, 'outside') },
      { name: 'x', type: 'dir', mode: 0o755, mtimeMs: 0, subtree: inner.id },
    ]);
    await repo.flush();
    await expect(restoreFiles(repo, root.id, { target: join(work, 'target') })).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
    expect(await readdir(work)).toEqual(['repo']);
  });
});
