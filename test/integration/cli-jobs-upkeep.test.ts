// Through the real CLI: manual commands land in the audit log without secrets; a job's drill and prune show in `job show` and `status`.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../helpers/cli.ts';
import { tempDir, writeTree } from '../helpers/files.ts';
import { createRepository, testPassphrase } from '../helpers/repo.ts';

async function everyFile(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('manual commands and job upkeep through the CLI', () => {
  let work: string;
  let home: string;
  let repo: string;
  let src: string;
  const run = (args: string[], env: Record<string, string> = {}) => airlock(args, { env: { AIRLOCK_HOME: home, ...env } });

  beforeAll(async () => {
    work = await tempDir();
    home = join(work, 'home');
    repo = join(work, 'repo');
    src = join(work, 'docs');
    await writeTree(src, { 'letter.txt': 'Dear customer,\n', 'books/2025.csv': 'date,amount\n2025-01-01,10\n', 'books/2024.csv': 'date,amount\n2024-01-01,9\n' });
    await createRepository(repo);
  });

  it('audits manual backup, restore, forget, prune and key changes, with no passphrase anywhere in the home folder', async () => {
    const newPassphrase = 'a brand new passphrase 42';
    for (let i = 0; i < 2; i++) {
      const backedUp = await run(['backup', '--repo', repo, src]);
      expect(backedUp.code, backedUp.stderr).toBe(0);
    }
    const restored = await run(['restore', '--repo', repo, 'latest', '--target', join(work, 'restored')]);
    expect(restored.code, restored.stderr).toBe(0);
    const forgot = await run(['forget', '--repo', repo, '--keep-last', '1']);
    expect(forgot.code, forgot.stderr).toBe(0);
    const pruned = await run(['prune', '--repo', repo]);
    expect(pruned.code, pruned.stderr).toBe(0);
    const added = await run(['key', 'add', '--repo', repo], { AIRLOCK_NEW_PASSPHRASE: newPassphrase });
    expect(added.code, added.stderr).toBe(0);
    const addedId = added.stdout.match(/Added key (\w+)/)?.[1] ?? '';
    const removed = await run(['key', 'remove', '--repo', repo, addedId]);
    expect(removed.code, removed.stderr).toBe(0);
    // A dry run changes nothing, so it is not audited.
    expect((await run(['prune', '--repo', repo, '--dry-run'])).code).toBe(0);

    const shown = await run(['audit', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const entries = shown.json<{ action: string; actor: string; target: string; details: Record<string, unknown> }[]>();
    expect(entries.map((e) => e.action)).toEqual(['backup', 'backup', 'restore', 'forget', 'prune', 'key.add', 'key.remove']);
    expect(entries.every((e) => e.actor.startsWith('cli:') && e.target === repo)).toBe(true);
    expect(entries[0]?.details).toMatchObject({ source: src, partial: false });
    expect(entries[2]?.details).toMatchObject({ to: join(work, 'restored'), files: 3 });
    expect(entries[3]?.details).toMatchObject({ policy: { keepLast: 1 }, kept: 1 });
    expect((entries[3]?.details.removed as unknown[]).length).toBe(1);
    expect(entries[5]?.details.key).toMatch(new RegExp(`^${addedId}`));
    expect((await run(['audit', '--verify'])).code).toBe(0);

    for (const file of await everyFile(home)) {
      const bytes = await readFile(file);
      expect(bytes.includes(testPassphrase), file).toBe(false);
      expect(bytes.includes(newPassphrase), file).toBe(false);
    }
  });

  it('runs a job with a restore drill and prune, and shows the drill report in `job show` and `status` with free space and the forecast', async () => {
    await writeFile(join(src, 'new.txt'), 'more\n');
    // A repository of its own: the manual prune above would count as this one's last prune.
    const repo = join(work, 'repo-job');
    await createRepository(repo);
    const added = await run(['job', 'add', '--name', 'Docs', '--repo', repo, '--source', src, '--schedule', 'every day at 02:00', '--tz', 'UTC', '--keep-last', '2', '--drill-every', '30', '--drill-sample', '2', '--prune-every', '7']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/verification: quick check after each run; restore drill of 2 sample file\(s\) per folder every 30 day\(s\)/);
    expect(added.stdout).toMatch(/prune: +every 7 day\(s\), after a successful run/);

    const ran = await run(['job', 'run', 'Docs', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const result = ran.json<{ summary: { drills: { ok: boolean; checks: { detail: string }[] }[]; prunes: { repository: string }[] } }>();
    expect(result.summary.drills.map((d) => [d.ok, d.checks[0]?.detail])).toEqual([[true, 'a sample of 2 file(s) restored, all 2 checksums match']]);
    expect(result.summary.prunes.map((p) => p.repository)).toEqual([repo]);

    const shown = await run(['job', 'show', 'Docs']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/restore drills:\n.* passed {2}snapshot \w{8} of .*docs in .*repo-job\n {6}a sample of 2 file\(s\) restored/);
    const shownJson = (await run(['job', 'show', 'Docs', '--json'])).json<{ drills: { ok: boolean; snapshotId: string }[] }>();
    expect(shownJson.drills).toHaveLength(1);

    const status = await run(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const report = status.json<{ repositories: { name: string; line: string; lastDrill: { ok: boolean } | null; forecast: { freeBytes: number | null; percentFull: number | null; daysUntilFull: number | null; bytesUsed: number | null } }[] }>();
    const line = report.repositories.find((r) => r.name === repo);
    expect(line?.lastDrill?.ok).toBe(true);
    expect(line?.forecast.freeBytes).toBeGreaterThan(0);
    expect(line?.forecast.percentFull).toBeGreaterThan(0);
    expect(line?.forecast.bytesUsed).toBeGreaterThan(0);
    // One day of history gives no growth rate yet: the field is there, empty, and the line says why.
    expect(line?.forecast.daysUntilFull).toBeNull();
    const human = await run(['status']);
    const repoLine = human.stdout.split('\n').find((l) => l.trim().startsWith(`${repo}: `)) ?? '';
    expect(repoLine).toMatch(/: \d+% full — too early to forecast; last checked .*; restore drill passed/);
  });
});
