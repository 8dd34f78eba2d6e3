// Jobs through the real CLI: add, list, show, run, pause, resume, export, import, remove, then status and the audit log, tampering included.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../helpers/cli.ts';
import { tempDir, writeTree } from '../helpers/files.ts';
import { createRepository } from '../helpers/repo.ts';

interface ListedJob {
  id: string;
  name: string;
  sources: string[];
  repositories: string[];
  schedule: string;
  timeZone: string;
  paused: boolean;
  retention?: Record<string, number>;
  timeoutMs?: number;
  retries: number;
  nextRun: string | null;
  lastRun: { state: string; trigger: string } | null;
}

describe('scheduled jobs through the CLI', () => {
  let work: string;
  let home: string;
  let repo: string;
  let src: string;
  const env = () => ({ AIRLOCK_HOME: home });
  const run = (args: string[]) => airlock(args, { env: env() });
  const list = async (): Promise<ListedJob[]> => {
    const listed = await run(['job', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    return listed.json<ListedJob[]>();
  };

  beforeAll(async () => {
    work = await tempDir();
    home = join(work, 'home');
    repo = join(work, 'repo');
    src = join(work, 'docs');
    await writeTree(src, { 'letter.txt': 'Dear customer,\n', 'books/2025.csv': 'date,amount\n2025-01-01,10\n' });
    // A cheap key derivation: every `job run` opens the repository.
    await createRepository(repo);
  });

  it('adds a job in the documented form, showing its next five run times before saving', async () => {
    const added = await run([
      'job', 'add', '--name', 'Office files', '--repo', repo, '--source', src, '--schedule', 'weekdays at 18:30', '--tz', 'Europe/Berlin',
      '--keep-daily', '7', '--keep-weekly', '4', '--timeout', '2h', '--retries', '3',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('on weekdays at 18:30 (Europe/Berlin)');
    const times = added.stdout.split('\n').filter((l) => /^\s{4}(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 18:30 CES?T$/.test(l));
    expect(times).toHaveLength(5);
    expect(added.stdout.indexOf('next 5 runs')).toBeLessThan(added.stdout.indexOf('Saved.'));

    const [job] = await list();
    expect(job).toMatchObject({
      id: 'office-files',
      name: 'Office files',
      sources: [src],
      repositories: [repo],
      schedule: 'weekdays at 18:30',
      timeZone: 'Europe/Berlin',
      retention: { keepDaily: 7, keepWeekly: 4 },
      timeoutMs: 7_200_000,
      retries: 3,
      paused: false,
      lastRun: null,
    });
    expect(new Date(job!.nextRun!).getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses a duplicate name, a schedule it cannot read and missing options, saving nothing', async () => {
    const dup = await run(['job', 'add', '--name', 'office FILES', '--repo', repo, '--source', src, '--schedule', 'hourly']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/A job named "office FILES" already exists/);
    const bad = await run(['job', 'add', '--name', 'Bad', '--repo', repo, '--source', src, '--schedule', 'every blue moon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"every blue moon" is not a schedule Airlock understands/);
    const incomplete = await run(['job', 'add', '--name', 'Half']);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toMatch(/A job needs --repo, --source, --schedule/);
    expect((await list()).map((j) => j.name)).toEqual(['Office files']);
  });

  it('runs a job now and waits, with the exit code of a backup, and records the run', async () => {
    const ran = await run(['job', 'run', 'Office files', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const result = ran.json<{ state: string; summary: { snapshots: { snapshotId: string; repository: string }[]; verification: { errors: string[] }[] } }>();
    expect(result.state).toBe('succeeded');
    expect(result.summary.snapshots).toHaveLength(1);
    expect(result.summary.verification[0]!.errors).toEqual([]);

    const snaps = (await airlock(['snapshots', '--repo', repo, '--json'])).json<{ id: string; tags: string[]; sources: string[] }[]>();
    expect(snaps).toHaveLength(1);
    expect(snaps[0]).toMatchObject({ id: result.summary.snapshots[0]!.snapshotId, tags: ['job:office-files'], sources: [src] });

    const shown = await run(['job', 'show', 'Office files', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = shown.json<{ nextRuns: string[]; runs: { trigger: string; state: string; totals: { snapshots: number } }[] }>();
    expect(detail.nextRuns).toHaveLength(5);
    expect(detail.runs).toMatchObject([{ trigger: 'manual', state: 'succeeded', totals: { snapshots: 1 } }]);
  });

  it('exits as backup does when the job cannot reach its repository', async () => {
    const missing = join(work, 'unplugged');
    const added = await run(['job', 'add', '--name', 'USB copy', '--repo', missing, '--source', src, '--schedule', 'every day at 02:00', '--tz', 'UTC']);
    expect(added.code, added.stderr).toBe(0);
    const ran = await run(['job', 'run', 'USB copy']);
    expect(ran.code).toBe(10);
    expect(ran.stderr).toContain(`There is no Airlock repository at ${missing}`);
    const [last] = (await run(['job', 'show', 'USB copy', '--json'])).json<{ runs: { state: string; errorCode: string }[] }>().runs;
    expect(last).toMatchObject({ state: 'failed', errorCode: 'REPO_NOT_FOUND' });
    expect((await run(['job', 'remove', 'USB copy'])).code).toBe(0);
  });

  it('pauses and resumes a job', async () => {
    expect((await run(['job', 'pause', 'Office files'])).code).toBe(0);
    expect((await list())[0]).toMatchObject({ paused: true, nextRun: null });
    const resumed = await run(['job', 'resume', 'Office files']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/Resumed "Office files"; next run/);
    expect((await run(['job', 'pause', 'No such job'])).stderr).toMatch(/There is no job named "No such job"/);
  });

  it('exports to a readable file, and imports it back after removal: all or nothing, --replace to update', async () => {
    const file = join(work, 'jobs.json');
    const exported = await run(['job', 'export', '--out', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const document = JSON.parse(await readFile(file, 'utf8')) as { format: string; version: number; jobs: Record<string, unknown>[] };
    expect(document).toMatchObject({ format: 'airlock-jobs', version: 1 });
    expect(document.jobs).toHaveLength(1);
    expect(document.jobs[0]).toMatchObject({ name: 'Office files', schedule: 'weekdays at 18:30', retention: { keepDaily: 7, keepWeekly: 4 } });
    const before = (await list())[0]!;

    expect((await run(['job', 'remove', 'Office files'])).code).toBe(0);
    const imported = await run(['job', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    const after = (await list())[0]!;
    const { nextRun: _n1, lastRun: _l1, ...kept } = before;
    const { nextRun: _n2, lastRun: _l2, ...restored } = after;
    expect({ ...restored, createdAt: undefined }).toEqual({ ...kept, createdAt: undefined });

    const again = await run(['job', 'import', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--replace/);
    const edited = { ...document, jobs: [{ ...document.jobs[0], schedule: 'every 4 hours' }, { ...document.jobs[0], name: 'Broken', schedule: 'never ever' }] };
    const badFile = join(work, 'bad.json');
    await writeFile(badFile, JSON.stringify(edited));
    const refused = await run(['job', 'import', badFile, '--replace']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Entry 2 of .*bad\.json/);
    expect((await list())[0]!.schedule).toBe('weekdays at 18:30');
    const replaced = await run(['job', 'import', file, '--replace']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/Replaced "Office files"/);
  });

  it('edits only what is given', async () => {
    const edited = await run(['job', 'edit', 'Office files', '--schedule', '0 */4 * * *', '--keep-last', '3', '--json']);
    expect(edited.code, edited.stderr).toBe(0);
    expect((await list())[0]).toMatchObject({ schedule: '0 */4 * * *', retention: { keepLast: 3 }, timeoutMs: 7_200_000, sources: [src] });
  });

  it('answers "are my backups OK?" with every job, its state, last and next run', async () => {
    const status = await run(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const report = status.json<{ overall: string; jobs: { name: string; state: string; line: string; nextRunAt: string | null }[]; scheduler: { running: boolean }; repositories: { name: string }[] }>();
    expect(report.jobs).toHaveLength(1);
    expect(report.jobs[0]).toMatchObject({ name: 'Office files', state: 'ok' });
    expect(report.jobs[0]!.line).toMatch(/^Office files — OK: last backup .* · next /);
    expect(report.scheduler.running).toBe(false);
    expect(report.repositories.map((r) => r.name)).toEqual([repo]);
    const human = await run(['status']);
    expect(human.stdout).toMatch(/the scheduler is not running/);
    expect(human.stdout).toContain('Office files — OK');
  });

  it('keeps an audit log of job changes and backups that verifies, and shows a tampered entry', async () => {
    const shown = await run(['audit', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const entries = shown.json<{ seq: number; action: string; actor: string }[]>();
    expect(entries.map((e) => e.action)).toEqual([
      'job.add', 'backup', 'job.add', 'job.remove', 'job.pause', 'job.resume', 'job.remove', 'job.import', 'job.import', 'job.edit',
    ]);
    expect(entries.every((e) => e.actor.startsWith('cli:'))).toBe(true);
    const verified = await run(['audit', '--verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/The audit log is intact: 10 entries/);

    const raw = new Database(join(home, 'catalog.db'));
    raw.exec("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'cli:someone-else@front-desk' WHERE seq = 2;");
    raw.close();
    const tampered = await run(['audit', '--verify']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/tampered with at entry #2: its contents do not match its hash/);
  });
});

describe('a job that backs up only part of its sources', () => {
  let work: string;
  let home: string;
  let repo: string;
  let folder: string;
  let dbFile: string;
  const run = (args: string[]) => airlock(args, { env: { AIRLOCK_HOME: home } });

  beforeAll(async () => {
    work = await tempDir();
    home = join(work, 'home');
    repo = join(work, 'repo');
    folder = join(work, 'docs');
    dbFile = join(work, 'shop.db');
    await writeTree(folder, {
      'letter.txt': 'Dear customer,\n',
      'scratch.tmp': 'half-written\n',
      'thumbs/CACHEDIR.TAG': 'Signature: 8a477f597d28d172789f06886806bc55\n',
      'thumbs/a.png': 'not really a picture',
      'video.bin': 'x'.repeat(4096),
    });
    const db = new Database(dbFile);
    db.exec(`
      CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE sessions (id INTEGER PRIMARY KEY, token TEXT);
      INSERT INTO orders VALUES (1, 10), (2, 20);
      INSERT INTO customers VALUES (1, 'Ada');
      INSERT INTO sessions VALUES (1, 'secret-session');
    `);
    db.close();
    await createRepository(repo);
  });

  it('stores the exclusions and table list with the source each follows, and backs up only those', async () => {
    const added = await run([
      'job', 'add', '--name', 'Shop', '--repo', repo,
      '--source', folder, '--exclude', '*.tmp', '--exclude-caches', '--exclude-larger-than', '1k',
      '--source', `sqlite://${dbFile}`, '--tables', 'orders,customers',
      '--schedule', 'every day at 02:00', '--tz', 'UTC', '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json<{ job: { sources: unknown[] } }>().job.sources).toEqual([
      { source: folder, exclude: ['*.tmp'], excludeCaches: true, excludeLargerThan: 1024 },
      { source: `sqlite://${dbFile}`, tables: ['orders', 'customers'] },
    ]);
    const shown = await run(['job', 'show', 'Shop']);
    expect(shown.stdout).toContain(`${folder} (excluding *.tmp, cache folders, files over 1.00 KiB)`);
    expect(shown.stdout).toContain(`sqlite://${dbFile} (only tables orders, customers)`);

    const ran = await run(['job', 'run', 'Shop', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const made = ran.json<{ summary: { snapshots: { snapshotId: string; source: string }[] } }>().summary.snapshots;
    expect(made.map((s) => s.source)).toEqual([folder, `sqlite://${dbFile}`]);

    const listed = await airlock(['ls', '--repo', repo, made[0]!.snapshotId, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const names = listed.json<{ path: string; type: string }[]>().filter((e) => e.type === 'file').map((e) => e.path.split('/').at(-1));
    expect(names).toEqual(['letter.txt']);

    const restored = join(work, 'restored.db');
    const back = await airlock(['restore', '--repo', repo, made[1]!.snapshotId, '--to', `sqlite://${restored}`]);
    expect(back.code, back.stderr).toBe(0);
    const copy = new Database(restored, { readonly: true });
    const tables = copy.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    const orders = copy.prepare('SELECT count(*) AS n FROM orders').get() as { n: number };
    copy.close();
    expect(tables).toEqual(['customers', 'orders']);
    expect(orders.n).toBe(2);
  });

  it('keeps the options through export and import, and a plain string source still loads', async () => {
    const file = join(work, 'shop-jobs.json');
    expect((await run(['job', 'export', '--out', file])).code).toBe(0);
    const document = JSON.parse(await readFile(file, 'utf8')) as { jobs: Record<string, unknown>[] };
    const older = { ...document.jobs[0], name: 'Shop (old form)', id: 'shop-old', sources: [folder] };
    await writeFile(file, JSON.stringify({ ...document, jobs: [older, { ...document.jobs[0], name: 'Shop copy', id: 'shop-copy' }] }));
    const imported = await run(['job', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    const shown = await run(['job', 'list', '--json']);
    const jobs = shown.json<{ name: string; sources: unknown[] }[]>();
    expect(jobs.find((j) => j.name === 'Shop (old form)')?.sources).toEqual([folder]);
    expect(jobs.find((j) => j.name === 'Shop copy')?.sources).toEqual(jobs.find((j) => j.name === 'Shop')?.sources);
  });

  it('refuses an option without a source before it, and one that does not fit the source', async () => {
    const orphan = await run(['job', 'edit', 'Shop', '--exclude', '*.log']);
    expect(orphan.code).toBe(2);
    expect(orphan.stderr).toMatch(/--exclude applies to the --source given just before it/);
    const misfit = await run(['job', 'edit', 'Shop', '--source', folder, '--tables', 'orders']);
    expect(misfit.code).toBe(2);
    expect(misfit.stderr).toMatch(/sources\.0\.tables: a table list is for a database source, not a folder/);
    const missing = await run(['job', 'edit', 'Shop', '--source', `sqlite://${dbFile}`, '--tables', 'invoices']);
    expect(missing.code, missing.stderr).toBe(0);
    const ran = await run(['job', 'run', 'Shop']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/has no table "invoices"; it has "orders", "customers", "sessions"/);
  });
});
