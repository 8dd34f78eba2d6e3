// The files workflow through the real CLI: init, backup, list, restore, dedup on re-runs, keys, forget/prune, copy.

import { chmod, link, mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../electron/engine/catalog/catalog.ts';
import { airlock } from '../helpers/cli.ts';
import { describeTree, randomData, tempDir, writeTree } from '../helpers/files.ts';

interface BackupJson {
  snapshot: string;
  partial: boolean;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  bytesRead: number;
  bytesAdded: number;
  bytesTotal: number;
  durationMs: number;
}

describe('files backup and restore through the CLI', () => {
  let work: string;
  let repo: string;
  let src: string;
  let home: string;
  const env = () => ({ AIRLOCK_HOME: home });

  beforeAll(async () => {
    work = await tempDir();
    repo = join(work, 'repo');
    src = join(work, 'source');
    home = join(work, 'home');
    await writeTree(src, {
      'readme.txt': 'hello\n',
      'docs/report.txt': 'quarterly numbers\n'.repeat(1000),
      'docs/ünïcødé name with spaces.txt': 'unicode\n',
      'data/big.bin': randomData(6 * 1024 * 1024),
      'data/copy-of-big.bin': Buffer.alloc(0),
      'empty.txt': '',
    });
    // A duplicate of big.bin: stored once.
    await writeFile(join(src, 'data/copy-of-big.bin'), await readFile(join(src, 'data/big.bin')));
    await mkdir(join(src, 'empty-dir'));
    await symlink('readme.txt', join(src, 'link-to-readme'));
    await symlink('/nonexistent/target', join(src, 'dangling-link'));
    await link(join(src, 'readme.txt'), join(src, 'docs/hardlink-to-readme'));
    await chmod(join(src, 'docs/report.txt'), 0o600);
    await utimes(join(src, 'readme.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
    const init = await airlock(['init', '--repo', repo, '--json'], { env: env() });
    expect(init.code, init.stderr).toBe(0);
  });

  it('protects the key slot with scrypt of full strength in at most 64 MiB of memory', async () => {
    const [slot] = await readdir(join(repo, 'keys'));
    const key = JSON.parse(await readFile(join(repo, 'keys', slot ?? ''), 'utf8')) as { N: number; r: number; p: number };
    // The work a guess costs (N·p blocks of r) must not fall below N = 2^17, p = 1; the memory held while a
    // repository opens (128·N·r bytes) must stay within 64 MiB, as it sets every command's peak memory.
    expect(key.N * key.p * key.r).toBeGreaterThanOrEqual(2 ** 17 * 8);
    expect(128 * key.N * key.r).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  it('restores exactly what was backed up, metadata included, and proves it by checksum', async () => {
    const backup = await airlock(['backup', '--repo', repo, src, '--json', '--tag', 'first'], { env: env() });
    expect(backup.code, backup.stderr).toBe(0);
    const result = backup.json<BackupJson>();
    expect(result.filesNew).toBe(6);
    expect(result.partial).toBe(false);
    // The duplicate 6 MiB file and the hard link add nothing: the repository holds about one copy.
    expect(result.bytesAdded).toBeLessThan(7 * 1024 * 1024);

    const target = join(work, 'restore-all');
    const restore = await airlock(['restore', '--repo', repo, 'latest', '--target', target], { env: env() });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/checksums match/);
    expect(await describeTree(join(target, 'source'))).toEqual(await describeTree(src));
    // The hard link comes back as a hard link, not a second copy.
    expect((await stat(join(target, 'source/docs/hardlink-to-readme'))).ino).toBe((await stat(join(target, 'source/readme.txt'))).ino);
  });

  it('does not read unchanged files again, and stores little after a small change', async () => {
    const again = await airlock(['backup', '--repo', repo, src, '--json'], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const unchanged = again.json<BackupJson>();
    expect(unchanged).toMatchObject({ filesNew: 0, filesChanged: 0, filesUnmodified: 6, bytesRead: 0 });

    // Insert a few bytes near the start of the big file: content-defined chunking re-synchronises.
    const big = await readFile(join(src, 'data/big.bin'));
    await writeFile(join(src, 'data/big.bin'), Buffer.concat([big.subarray(0, 1000), Buffer.from('inserted!'), big.subarray(1000)]));
    const changed = await airlock(['backup', '--repo', repo, src, '--json'], { env: env() });
    const result = changed.json<BackupJson>();
    expect(result.filesChanged).toBe(1);
    expect(result.bytesRead).toBe(big.length + 9);
    expect(result.bytesAdded).toBeLessThan(big.length / 2);
  });

  it('lists snapshots and their files, and resolves ID prefixes and "latest"', async () => {
    const list = await airlock(['snapshots', '--repo', repo, '--json'], { env: env() });
    const snaps = list.json<{ id: string; tags: string[]; sources: string[] }[]>();
    expect(snaps).toHaveLength(3);
    expect(snaps[0]?.tags).toEqual(['first']);
    expect(snaps[0]?.sources).toEqual([src]);
    const ls = await airlock(['ls', '--repo', repo, snaps[0]!.id.slice(0, 10), '/source/docs'], { env: env() });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout.split('\n').filter(Boolean).sort()).toEqual(['/source/docs', '/source/docs/hardlink-to-readme', '/source/docs/report.txt', '/source/docs/ünïcødé name with spaces.txt']);
    const missing = await airlock(['ls', '--repo', repo, 'ffffffffff'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No snapshot "ffffffffff"/);
  });

  it('restores chosen paths only, and never overwrites existing files unless asked', async () => {
    const target = join(work, 'restore-one');
    const one = await airlock(['restore', '--repo', repo, 'latest', '--target', target, '--include', '/source/docs/report.txt'], { env: env() });
    expect(one.code, one.stderr).toBe(0);
    expect(await readdir(join(target, 'source'))).toEqual(['docs']);
    expect(await readdir(join(target, 'source/docs'))).toEqual(['report.txt']);

    await writeFile(join(target, 'source/docs/report.txt'), 'my edits');
    const refused = await airlock(['restore', '--repo', repo, 'latest', '--target', target], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exist.*report\.txt/s);
    expect(await readFile(join(target, 'source/docs/report.txt'), 'utf8')).toBe('my edits');
    expect(await readdir(join(target, 'source'))).toEqual(['docs']);

    const forced = await airlock(['restore', '--repo', repo, 'latest', '--target', target, '--overwrite'], { env: env() });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(target, 'source/docs/report.txt'), 'utf8')).toBe('quarterly numbers\n'.repeat(1000));
  });

  it('shows what changed between two snapshots', async () => {
    const snaps = (await airlock(['snapshots', '--repo', repo, '--json'], { env: env() })).json<{ id: string }[]>();
    const diff = await airlock(['diff', '--repo', repo, snaps[1]!.id, snaps[2]!.id, '--json'], { env: env() });
    expect(diff.code, diff.stderr).toBe(0);
    const changes = diff.json<{ changes: { path: string; kind: string }[] }>().changes;
    expect(changes).toContainEqual({ path: '/source/data/big.bin', kind: 'modified', type: 'file' });
    expect(changes.filter((c) => c.kind !== 'metadata')).toHaveLength(1);
  });

  it('answers with the documented exit codes: 12 wrong passphrase, 10 no repository', async () => {
    const wrong = await airlock(['snapshots', '--repo', repo], { env: { ...env(), AIRLOCK_PASSPHRASE: 'not it' } });
    expect(wrong.code).toBe(12);
    expect(wrong.stderr).toMatch(/Wrong passphrase/);
    const none = await airlock(['snapshots', '--repo', join(work, 'no-such-repo')], { env: env() });
    expect(none.code).toBe(10);
    expect(none.stderr).toMatch(/no Airlock repository/);
    const usage = await airlock(['backup', '--repo', repo], { env: env() });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/What should be backed up/);
  });

  it('forgets by policy with reasons, prunes, and still checks clean with --read-data', async () => {
    const dry = await airlock(['forget', '--repo', repo, '--keep-last', '1', '--dry-run', '--json'], { env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    const decisions = dry.json<{ groups: { decisions: { keep: boolean; reasons: string[] }[] }[] }>().groups[0]!.decisions;
    expect(decisions.map((d) => d.keep)).toEqual([false, false, true]);
    expect(decisions[2]!.reasons).toEqual(['last #1']);
    expect((await airlock(['snapshots', '--repo', repo, '--json'], { env: env() })).json<unknown[]>()).toHaveLength(3);

    const real = await airlock(['forget', '--repo', repo, '--keep-last', '1', '--prune', '--json'], { env: env() });
    expect(real.code, real.stderr).toBe(0);
    expect(real.json<{ removed: string[] }>().removed).toHaveLength(2);
    const check = await airlock(['check', '--repo', repo, '--read-data', '--json'], { env: env() });
    expect(check.code, check.stderr).toBe(0);
    expect(check.json<{ ok: boolean; errors: string[] }>()).toMatchObject({ ok: true, errors: [] });
    const target = join(work, 'after-prune');
    expect((await airlock(['restore', '--repo', repo, 'latest', '--target', target], { env: env() })).code).toBe(0);
    expect(await describeTree(join(target, 'source'))).toEqual(await describeTree(src));
  });

  it('refuses to forget everything when no rule is given', async () => {
    const none = await airlock(['forget', '--repo', repo], { env: env() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/will not forget every snapshot/);
  });

  it('adds, lists, changes and removes passphrases without rewriting any data', async () => {
    const packsBefore = (await readdir(join(repo, 'data'), { recursive: true })).sort();
    const add = await airlock(['key', 'add', '--repo', repo, '--json'], { env: { ...env(), AIRLOCK_NEW_PASSPHRASE: 'second passphrase' } });
    expect(add.code, add.stderr).toBe(0);
    const second = { ...env(), AIRLOCK_PASSPHRASE: 'second passphrase' };
    expect((await airlock(['snapshots', '--repo', repo], { env: second })).code).toBe(0);
    const keys = (await airlock(['key', 'list', '--repo', repo, '--json'], { env: second })).json<{ id: string; current: boolean }[]>();
    expect(keys).toHaveLength(2);
    const inUse = keys.find((k) => k.current)!;
    const refused = await airlock(['key', 'remove', '--repo', repo, inUse.id], { env: second });
    expect(refused.code).toBe(1);
    const other = keys.find((k) => !k.current)!;
    expect((await airlock(['key', 'remove', '--repo', repo, other.id], { env: second })).code).toBe(0);
    expect((await airlock(['snapshots', '--repo', repo], { env: env() })).code).toBe(12);

    const passwd = await airlock(['key', 'passwd', '--repo', repo], { env: { ...second, AIRLOCK_NEW_PASSPHRASE: 'third passphrase' } });
    expect(passwd.code, passwd.stderr).toBe(0);
    expect((await airlock(['snapshots', '--repo', repo], { env: second })).code).toBe(12);
    expect((await airlock(['snapshots', '--repo', repo], { env: { ...env(), AIRLOCK_PASSPHRASE: 'third passphrase' } })).code).toBe(0);
    expect((await readdir(join(repo, 'data'), { recursive: true })).sort()).toEqual(packsBefore);
  });

  it('copies snapshots to a second repository, writing only what is missing', async () => {
    const pass = { ...env(), AIRLOCK_PASSPHRASE: 'third passphrase' };
    const usb = join(work, 'usb');
    expect((await airlock(['init', '--repo', usb], { env: pass })).code).toBe(0);
    const first = await airlock(['copy', '--from', repo, '--repo', usb, '--json'], { env: pass });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json<{ copied: unknown[]; bytesWritten: number }>().copied).toHaveLength(1);
    const again = await airlock(['copy', '--from', repo, '--repo', usb, '--json'], { env: pass });
    expect(again.json<{ copied: unknown[]; skipped: unknown[]; bytesWritten: number }>()).toMatchObject({ copied: [], bytesWritten: 0 });
    const target = join(work, 'from-usb');
    expect((await airlock(['restore', '--repo', usb, 'latest', '--target', target], { env: pass })).code).toBe(0);
    expect(await describeTree(join(target, 'source'))).toEqual(await describeTree(src));
  });

  it('records every run in the catalog, failures with their reason', () => {
    const catalog = openCatalog(join(home, 'catalog.db'));
    try {
      const runs = catalog.listRuns({ limit: 100 });
      const backups = runs.filter((r) => r.kind === 'backup');
      expect(backups.length).toBeGreaterThanOrEqual(3);
      expect(backups.every((r) => r.status === 'ok' && r.snapshotId !== null)).toBe(true);
      expect(runs.some((r) => r.kind === 'restore' && r.status === 'failed' && r.error?.code === 'TARGET_EXISTS')).toBe(true);
      expect(runs.some((r) => r.kind === 'forget' && r.status === 'ok')).toBe(true);
      expect(catalog.listSnapshots(backups[0]!.repositoryId!)).toHaveLength(1);
    } finally {
      catalog.close();
    }
  });

  it('rebuilds the catalog from the repository after the catalog is deleted', async () => {
    const pass = { AIRLOCK_HOME: join(work, 'fresh-home'), AIRLOCK_PASSPHRASE: 'third passphrase' };
    const rebuilt = await airlock(['catalog', 'rebuild', '--repo', repo, '--json'], { env: pass });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.json<{ repositories: { snapshots: number }[] }>().repositories[0]?.snapshots).toBe(1);
  });
});

describe('exclusions', () => {
  it('skips patterns, cache folders and large files', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    await writeTree(src, {
      'keep.txt': 'keep',
      'skip.log': 'log',
      'node_modules/pkg/index.js': 'x',
      'cache/CACHEDIR.TAG': 'Signature: 8a477f597d28d172789f06886806bc55\n',
      'cache/blob': 'cached',
      'huge.iso': randomData(200 * 1024),
      'sub/also.log': 'log',
    });
    const repo = join(work, 'repo');
    expect((await airlock(['init', '--repo', repo])).code).toBe(0);
    const b = await airlock(['backup', '--repo', repo, src, '--exclude', '*.log', '--exclude', 'node_modules/', '--exclude-caches', '--exclude-larger-than', '100K', '--json'], { env: { AIRLOCK_HOME: work } });
    expect(b.code, b.stderr).toBe(0);
    const ls = await airlock(['ls', '--repo', repo, 'latest'], { env: { AIRLOCK_HOME: work } });
    expect(ls.stdout.split('\n').filter(Boolean).sort()).toEqual(['/src', '/src/keep.txt', '/src/sub']);
  });
});
