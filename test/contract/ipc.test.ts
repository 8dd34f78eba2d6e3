// Every channel of the IPC contract, over the in-memory transport, against a real engine: real repository, files, SQLite, MariaDB and PostgreSQL.

import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, type ChannelInput, type ChannelName, type ChannelOutput } from '../../shared/ipc/contract.ts';
import { RemoteError } from '../../electron/engine/ipc/memory-transport.ts';
import { openEngineHome, type EngineHome } from '../helpers/engine-home.ts';
import { tempDir, writeTree } from '../helpers/files.ts';
import { createDatabase as createMysqlDatabase, dropDatabase as dropMysqlDatabase, mariadb, mysqlHost, mysqlPort, uniqueDbName } from '../helpers/mysql.ts';
import { TestDatabases, pgHost, pgPort, query as pgQuery } from '../helpers/postgres.ts';

const exercised = new Set<string>();
let h: EngineHome;
let work: string;
let docs: string;
let repo: string;
let sqlitePath: string;
let mysqlDb: string;
const mysqlRestored = uniqueDbName('airlock_ipc_restored');
const pg = new TestDatabases();
const passphrase = 'a long and happy passphrase';

function call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
  exercised.add(channel);
  return h.client.call(channel, input);
}

async function failure<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<RemoteError> {
  exercised.add(channel);
  const err = await h.client.call(channel, input).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof RemoteError)) throw new Error(`${channel} was expected to fail with a RemoteError, got ${String(err)}`);
  return err;
}

const mysqlUrl = (db: string): string => `mysql://root@${mysqlHost}:${mysqlPort}/${db}`;
const pgUrl = (db: string): string => `postgres://root@${pgHost}:${pgPort}/${db}?sslmode=disable`;

beforeAll(async () => {
  work = await tempDir('airlock-ipc-');
  docs = join(work, 'Documents');
  repo = join(work, 'usb', 'backups');
  sqlitePath = join(work, 'shop.db');
  await writeTree(docs, { 'report.txt': 'quarterly report\n', 'letters/ana.txt': 'Dear Ana,\n', 'photos/cat.jpg': Buffer.alloc(70_000, 7) });
  const db = new Database(sqlitePath);
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items (name) VALUES (\'apple\'), (\'pear\'), (\'fig\');');
  db.close();
  mysqlDb = createMysqlDatabase('airlock_ipc');
  mariadb(mysqlDb, 'CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2)); INSERT INTO orders VALUES (1, 9.50), (2, 12.00);');
  h = await openEngineHome();
}, 60_000);

afterAll(async () => {
  await h.close();
  dropMysqlDatabase(mysqlDb);
  dropMysqlDatabase(mysqlRestored);
  await pg.dropAll();
});

describe('the IPC contract over the in-memory transport', () => {
  it('keeps settings in the catalog and the SMTP password out of them', async () => {
    const before = await call('settings.get', {});
    expect(before).toMatchObject({ language: 'en', theme: 'system', notifications: true, smtp: null, smtpPasswordSet: false, dataFolder: h.home, secretStoreEncrypted: false });
    const after = await call('settings.set', { language: 'ar', theme: 'dark', smtp: { host: '127.0.0.1', port: 25, secure: false, username: null, from: 'airlock@clinic.test', to: ['it@clinic.test'] }, smtpPassword: 'relay-secret' });
    expect(after).toMatchObject({ language: 'ar', theme: 'dark', smtpPasswordSet: true });
    expect((await call('settings.get', {})).language).toBe('ar');
    // The relay is the one `airlock alerts` uses (test/integration/settings-alerts.test.ts follows it to the mail).
    expect(after).toMatchObject({ smtp: { host: '127.0.0.1', port: 25, minLevel: 'warning' }, escalateAfter: 3, digest: null });
    const audit = await call('activity.audit', {});
    expect(JSON.stringify(audit.entries)).not.toContain('relay-secret');
  });

  it('lists local folders and drives for the pickers, and says when a folder is not there', async () => {
    const home = await call('fs.homeDir', {});
    expect(home.path.length).toBeGreaterThan(0);
    const listing = await call('fs.browse', { path: docs });
    expect(listing.parent).toBe(work);
    expect(listing.entries.map((e) => [e.name, e.kind])).toEqual([
      ['letters', 'directory'],
      ['photos', 'directory'],
      ['report.txt', 'file'],
    ]);
    expect(listing.entries.find((e) => e.name === 'report.txt')?.size).toBe(17);
    const missing = await failure('fs.browse', { path: join(work, 'nope') });
    expect(missing.code).toBe('PATH_NOT_FOUND');
    const drives = await call('drives.list', {});
    expect(drives.some((d) => d.mountPath === home.path && d.totalBytes !== null)).toBe(true);
  });

  it('creates a repository, remembers its passphrase when asked, and lists it', async () => {
    const created = await call('repositories.create', { path: repo, passphrase, remember: true });
    expect(created).toMatchObject({ location: repo, available: true, unlocked: true, passphraseRemembered: true, snapshotCount: 0 });
    expect(created.id).toMatch(/^[0-9a-f]+$/);
    const list = await call('repositories.list', {});
    expect(list.map((r) => r.location)).toEqual([repo]);
    const status = await call('app.status', {});
    expect(status).toMatchObject({ overall: 'empty', jobs: [], repositories: [{ location: repo, available: true, lastCheckAt: null }] });
    expect(status.repositories[0]?.freeBytes).toBeGreaterThan(0);
  });

  it('tests sources and names the exact problem', async () => {
    expect(await call('sources.test', { source: docs })).toMatchObject({ ok: true, kind: 'files' });
    expect(await call('sources.test', { source: `sqlite://${sqlitePath}` })).toEqual({ ok: true, kind: 'sqlite', detail: 'SQLite database with 1 table' });
    expect(await call('sources.test', { source: `sqlite://${join(work, 'gone.db')}` })).toMatchObject({ ok: false, code: 'SOURCE_UNREACHABLE' });
    expect(await call('sources.test', { source: mysqlUrl(mysqlDb) })).toMatchObject({ ok: true, kind: 'mysql' });
    expect(await call('sources.test', { source: mysqlUrl('airlock_no_such_db_x') })).toMatchObject({ ok: false, code: 'SOURCE_NOT_FOUND' });
    expect(await call('sources.test', { source: `mysql://nobody_here@${mysqlHost}:${mysqlPort}/${mysqlDb}`, password: 'wrong' })).toMatchObject({ ok: false, code: 'SOURCE_AUTH_FAILED' });
    expect(await call('sources.test', { source: 'relative/folder' })).toMatchObject({ ok: false, code: 'SOURCE_INVALID' });
  });

  it('lists the tables of SQLite, MariaDB and PostgreSQL sources', async () => {
    expect((await call('sources.tables', { source: `sqlite://${sqlitePath}` })).tables).toEqual([{ name: 'items', schema: null, rows: 3, bytes: null }]);
    expect((await call('sources.tables', { source: mysqlUrl(mysqlDb) })).tables.map((t) => t.name)).toEqual(['orders']);
    const pgDb = await pg.create('ipc');
    await pgQuery(pgDb, 'CREATE TABLE invoices (id int primary key); CREATE SCHEMA lab; CREATE TABLE lab.samples (id int)');
    const tables = (await call('sources.tables', { source: pgUrl(pgDb) })).tables;
    expect(tables.map((t) => `${t.schema ?? ''}.${t.name}`)).toEqual(['lab.samples', 'public.invoices']);
  });

  it('previews a schedule in words with its next runs, or says what is wrong', async () => {
    const preview = await call('jobs.previewSchedule', { schedule: 'daily at 02:00', timeZone: 'UTC', count: 3 });
    expect(preview.ok).toBe(true);
    if (!preview.ok) return;
    expect(preview.summary).toContain('2:00');
    expect(preview.nextRuns).toHaveLength(3);
    expect(preview.nextRuns.every((t) => t.endsWith('T02:00:00.000Z'))).toBe(true);
    const bad = await call('jobs.previewSchedule', { schedule: 'whenever', timeZone: 'UTC' });
    expect(bad.ok).toBe(false);
  });

  let jobId = '';
  let mysqlJobId = '';

  it('creates, edits, pauses and resumes jobs', async () => {
    const job = await call('jobs.create', {
      job: { name: 'Office files', sources: [docs, `sqlite://${sqlitePath}`], repositories: [repo], schedule: 'daily at 02:00', timeZone: 'UTC', retention: { keepLast: 5 } },
    });
    jobId = job.id;
    expect(job).toMatchObject({ id: 'office-files', paused: false, retries: 2, missedRuns: 'catch-up', retention: { keepLast: 5 }, verification: { checkAfterRun: true } });
    expect(job.scheduleSummary).toContain('UTC');
    const edited = await call('jobs.update', { id: jobId, job: { name: 'Office', sources: [docs, `sqlite://${sqlitePath}`], repositories: [repo], schedule: 'daily at 03:00', timeZone: 'UTC' } });
    expect(edited).toMatchObject({ id: jobId, name: 'Office', schedule: 'daily at 03:00', retention: null });
    expect((await call('jobs.pause', { id: jobId })).paused).toBe(true);
    expect((await call('jobs.resume', { id: jobId })).paused).toBe(false);
    expect((await call('jobs.get', { id: jobId })).name).toBe('Office');
    const invalid = await failure('jobs.create', { job: { name: 'Bad', sources: ['relative'], repositories: [repo], schedule: 'daily at 02:00', timeZone: 'UTC' } });
    expect(invalid.code).toBe('USAGE');
    expect(invalid.message).toContain('absolute path');
    const mysqlJob = await call('jobs.create', { job: { name: 'Shop database', sources: [mysqlUrl(mysqlDb)], repositories: [repo], schedule: 'hourly', timeZone: 'UTC' } });
    mysqlJobId = mysqlJob.id;
    expect(mysqlJob.sourcesMissingPassword).toEqual([mysqlUrl(mysqlDb)]);
    expect((await call('jobs.list', {})).map((j) => j.name)).toEqual(['Office', 'Shop database']);
  });

  it('runs a job now, reporting progress and the end with its proof', async () => {
    const { runId } = await call('jobs.runNow', { id: jobId });
    const end = await h.finished(runId);
    expect(end).toMatchObject({ kind: 'backup', state: 'succeeded' });
    expect(end.summary).toMatch(/^2 snapshots saved/);
    expect(h.events.some((e) => e.event === 'run.progress' && (e.payload as { runId: string }).runId === runId)).toBe(true);
    expect(h.events.some((e) => e.event === 'status.changed')).toBe(true);
    expect(await call('runs.active', {})).toEqual([]);
    const db = await call('jobs.runNow', { id: mysqlJobId });
    expect(await h.finished(db.runId)).toMatchObject({ state: 'succeeded' });
  });

  it('cancels a run', async () => {
    const { runId } = await call('jobs.runNow', { id: jobId });
    expect(await call('runs.cancel', { runId })).toEqual({ cancelled: true });
    expect((await h.finished(runId)).state).toBe('cancelled');
    expect(await call('runs.cancel', { runId })).toEqual({ cancelled: false });
  });

  it('answers "are my backups OK?" with jobs, repositories and history', async () => {
    const status = await call('app.status', {});
    expect(['ok', 'attention']).toContain(status.overall);
    const office = status.jobs.find((j) => j.id === jobId);
    expect(office).toMatchObject({ name: 'Office', running: false });
    expect(office?.lastSuccessAt).not.toBeNull();
    expect(office?.nextRunAt).toMatch(/T03:00:00.000Z$/);
    expect(status.repositories[0]).toMatchObject({ location: repo, available: true });
    expect(status.repositories[0]?.bytesUsed).toBeGreaterThan(0);
    expect(status.history.filter((p) => p.jobId === jobId && p.state === 'ok')).toHaveLength(1);
  });

  let filesSnapshot = '';
  let sqliteSnapshot = '';
  let mysqlSnapshot = '';

  it('lists snapshots by repository and job, browses their trees and tables, and searches them', async () => {
    const all = await call('snapshots.list', { repository: repo });
    expect(all.map((s) => s.sourceKind).sort()).toEqual(['files', 'mysql', 'sqlite']);
    const own = await call('snapshots.list', { repository: repo, jobId });
    expect(own).toHaveLength(2);
    filesSnapshot = own.find((s) => s.sourceKind === 'files')?.id ?? '';
    sqliteSnapshot = own.find((s) => s.sourceKind === 'sqlite')?.id ?? '';
    mysqlSnapshot = all.find((s) => s.sourceKind === 'mysql')?.id ?? '';
    expect(own.find((s) => s.sourceKind === 'files')).toMatchObject({ jobId, files: 3 });

    const root = await call('snapshots.browse', { repository: repo, snapshotId: filesSnapshot, path: '/' });
    expect(root.parent).toBeNull();
    const top = root.entries[0];
    expect(top?.kind).toBe('directory');
    let folder = root;
    while (!folder.entries.some((e) => e.name === 'report.txt')) {
      const next = folder.entries.find((e) => e.kind === 'directory');
      if (next === undefined) throw new Error('report.txt not found in the snapshot');
      folder = await call('snapshots.browse', { repository: repo, snapshotId: filesSnapshot, path: next.path });
    }
    expect(folder.entries.find((e) => e.name === 'report.txt')).toMatchObject({ kind: 'file', size: 17 });

    expect((await call('snapshots.tables', { repository: repo, snapshotId: sqliteSnapshot })).tables).toEqual([{ name: 'items', schema: null, rows: 3, bytes: null }]);
    expect((await call('snapshots.tables', { repository: repo, snapshotId: mysqlSnapshot })).tables).toMatchObject([{ name: 'orders', rows: 2 }]);
    const dbRoot = await call('snapshots.browse', { repository: repo, snapshotId: mysqlSnapshot, path: '/' });
    expect(dbRoot.entries).toMatchObject([{ name: 'orders', kind: 'table' }]);

    const found = await call('snapshots.search', { repository: repo, text: 'ANA' });
    expect(found.matches.map((m) => m.path.split('/').pop())).toEqual(['ana.txt']);
    expect(found.truncated).toBe(false);
  });

  it('compares two snapshots and previews retention with reasons', async () => {
    await writeFile(join(docs, 'report.txt'), 'quarterly report, revised\n');
    await writeFile(join(docs, 'new.txt'), 'new\n');
    const { runId } = await call('jobs.runNow', { id: jobId });
    expect((await h.finished(runId)).state).toBe('succeeded');
    const files = (await call('snapshots.list', { repository: repo, jobId })).filter((s) => s.sourceKind === 'files');
    expect(files).toHaveLength(2);
    const diff = await call('snapshots.diff', { repository: repo, a: files[1]?.id ?? '', b: files[0]?.id ?? '' });
    expect(diff).toMatchObject({ added: 1, modified: 1, removed: 0, truncated: false });
    expect(diff.changes.find((c) => c.change === 'added')?.path).toMatch(/new\.txt$/);

    const preview = await call('jobs.previewRetention', { repository: repo, policy: { keepLast: 1 }, jobId });
    const fileDecisions = preview.snapshots.filter((s) => files.some((f) => f.id === s.id));
    expect(fileDecisions.map((d) => [d.keep, d.reasons])).toEqual([
      [true, ['last #1']],
      [false, []],
    ]);
    expect(preview.forgetCount).toBe(2);
  });

  it('plans a restore exactly, refuses to overwrite by accident, and restores with proof', async () => {
    const target = join(work, 'restored');
    const plan = await call('restore.plan', { repository: repo, snapshotId: filesSnapshot, items: [], target: { kind: 'folder', path: target } });
    expect(plan).toMatchObject({ totalItems: 3, clashes: 0, problems: [] });
    expect(plan.writes.every((w) => w.to.startsWith(target))).toBe(true);
    const clashing = await call('restore.plan', { repository: repo, snapshotId: filesSnapshot, items: [], target: { kind: 'folder', path: work } });
    expect(clashing.clashes).toBe(3);
    expect(clashing.problems[0]).toContain('already exist');
    const refused = await failure('restore.start', { repository: repo, snapshotId: filesSnapshot, items: [], target: { kind: 'folder', path: work } });
    expect(refused.code).toBe('TARGET_EXISTS');

    const { runId } = await call('restore.start', { repository: repo, snapshotId: filesSnapshot, items: [], target: { kind: 'folder', path: target } });
    const end = await h.finished(runId);
    expect(end).toMatchObject({ kind: 'restore', state: 'succeeded' });
    expect(end.summary).toContain('3 files restored');
    expect(end.summary).toContain('all checksums match');
    expect(await readFile(join(target, 'Documents', 'letters', 'ana.txt'), 'utf8')).toBe('Dear Ana,\n');
    // The original, changed since, was left alone.
    expect(await readFile(join(docs, 'report.txt'), 'utf8')).toBe('quarterly report, revised\n');
  });

  it('restores a SQLite snapshot to a new file and exports it as SQL', async () => {
    const newDb = join(work, 'restored-shop.db');
    const { runId } = await call('restore.start', { repository: repo, snapshotId: sqliteSnapshot, items: [], target: { kind: 'sqlite-file', path: newDb } });
    expect(await h.finished(runId)).toMatchObject({ state: 'succeeded' });
    const db = new Database(newDb, { readonly: true });
    expect(db.prepare('SELECT name FROM items ORDER BY id').pluck().all()).toEqual(['apple', 'pear', 'fig']);
    db.close();

    const sql = join(work, 'shop.sql');
    const exported = await call('restore.start', { repository: repo, snapshotId: sqliteSnapshot, items: [], target: { kind: 'sql-file', path: sql } });
    expect(await h.finished(exported.runId)).toMatchObject({ kind: 'export', state: 'succeeded' });
    expect(await readFile(sql, 'utf8')).toContain('CREATE TABLE');
  });

  it('restores a MariaDB snapshot into a new database and proves it matches', async () => {
    const target = { kind: 'database' as const, url: mysqlUrl(mysqlRestored) };
    const plan = await call('restore.plan', { repository: repo, snapshotId: mysqlSnapshot, items: [], target });
    expect(plan).toMatchObject({ clashes: 0, problems: [], writes: [{ from: 'orders', kind: 'table' }] });
    const { runId } = await call('restore.start', { repository: repo, snapshotId: mysqlSnapshot, items: [], target });
    const end = await h.finished(runId);
    expect(end.state).toBe('succeeded');
    expect(end.summary).toContain('all row counts and checksums match');
    expect(mariadb(mysqlRestored, 'SELECT SUM(total) FROM orders').trim()).toBe('21.50');
    const again = await call('restore.plan', { repository: repo, snapshotId: mysqlSnapshot, items: [], target });
    expect(again.clashes).toBe(1);

    const sql = join(work, 'orders.sql');
    const exported = await call('restore.start', { repository: repo, snapshotId: mysqlSnapshot, items: [], target: { kind: 'sql-file', path: sql } });
    expect(await h.finished(exported.runId)).toMatchObject({ kind: 'export', state: 'succeeded' });
    expect(await readFile(sql, 'utf8')).toMatch(/INSERT INTO `orders`/);
  });

  it('backs up a PostgreSQL database and restores one table of it into a new database', async () => {
    const source = await pg.create('ipc_src');
    await pgQuery(source, "CREATE TABLE patients (id int primary key, name text); INSERT INTO patients VALUES (1, 'Ana'), (2, 'Omar'); CREATE TABLE visits (id int)");
    // Only the patients: the job's table list reaches the dump.
    const job = await call('jobs.create', {
      job: { name: 'Clinic database', sources: [pgUrl(source)], sourceOptions: { [pgUrl(source)]: { tables: ['patients'] } }, repositories: [repo], schedule: 'daily at 04:00', timeZone: 'UTC' },
    });
    expect(job.sourceOptions).toEqual({ [pgUrl(source)]: { tables: ['patients'] } });
    const misfit = await failure('jobs.update', { id: job.id, job: { name: 'Clinic database', sources: [pgUrl(source)], sourceOptions: { [pgUrl(source)]: { exclude: ['*.tmp'] } }, repositories: [repo], schedule: 'daily at 04:00', timeZone: 'UTC' } });
    expect(misfit.message).toContain('exclude is for a folder source, not a database');
    const { runId } = await call('jobs.runNow', { id: job.id });
    expect((await h.finished(runId)).state).toBe('succeeded');
    const snap = (await call('snapshots.list', { repository: repo, jobId: job.id }))[0];
    expect(snap?.sourceKind).toBe('postgres');
    const tables = (await call('snapshots.tables', { repository: repo, snapshotId: snap?.id ?? '' })).tables;
    expect(tables.map((t) => `${t.schema ?? ''}.${t.name}:${t.rows ?? -1}`)).toEqual(['public.patients:2']);

    const target = pg.reserve('ipc_dst');
    const input = { repository: repo, snapshotId: snap?.id ?? '', items: ['/public.patients'], target: { kind: 'database' as const, url: pgUrl(target) } };
    expect(await call('restore.plan', input)).toMatchObject({ totalItems: 1, clashes: 0, problems: [] });
    const restored = await call('restore.start', input);
    const end = await h.finished(restored.runId);
    expect(end.state).toBe('succeeded');
    expect(await pgQuery(target, 'SELECT name FROM patients ORDER BY id')).toEqual([{ name: 'Ana' }, { name: 'Omar' }]);
    expect(await call('jobs.remove', { id: job.id })).toEqual({ removed: true });
  });

  it('checks the repository with progress and shows its stats', async () => {
    const { runId } = await call('repositories.check', { repository: repo, readDataPercent: 100 });
    const end = await h.finished(runId);
    expect(end).toMatchObject({ kind: 'check', state: 'succeeded' });
    expect(end.summary).toMatch(/^No errors found/);
    const stats = await call('repositories.stats', { repository: repo });
    expect(stats.snapshots).toBe(6);
    expect(stats.repositorySize).toBeGreaterThan(0);
  });

  it('manages keys and passphrases, and locks and opens again', async () => {
    const keys = await call('repositories.keys.list', { repository: repo });
    expect(keys).toHaveLength(1);
    expect(keys[0]?.current).toBe(true);
    const added = await call('repositories.keys.add', { repository: repo, newPassphrase: 'second passphrase for the office' });
    expect(await call('repositories.keys.list', { repository: repo })).toHaveLength(2);
    expect(await call('repositories.keys.remove', { repository: repo, keyId: added.id })).toEqual({});
    await call('repositories.keys.changePassphrase', { repository: repo, newPassphrase: 'the new passphrase' });

    await call('repositories.lock', { repository: repo, forgetPassphrase: true });
    const locked = await failure('snapshots.browse', { repository: repo, snapshotId: filesSnapshot, path: '/' });
    expect(locked.code).toBe('REPO_LOCKED');
    const unattended = await call('jobs.runNow', { id: jobId });
    const ended = await h.finished(unattended.runId);
    expect(ended.state).toBe('failed');
    expect(ended.message).toContain('choose to remember the passphrase');
    // The alert center tells the app (the `alert` event and the desktop) as it tells the log and email.
    expect(h.events.some((e) => e.event === 'alert' && JSON.stringify(e.payload).includes('failed') && JSON.stringify(e.payload).includes('remember the passphrase'))).toBe(true);
    const wrong = await failure('repositories.open', { path: repo, passphrase, remember: false });
    expect(wrong.code).toBe('WRONG_PASSPHRASE');
    const opened = await call('repositories.open', { path: repo, passphrase: 'the new passphrase', remember: false });
    expect(opened).toMatchObject({ unlocked: true, passphraseRemembered: false, snapshotCount: 6 });
  });

  it('shows the run history with reasons and the audit log with its chain verified', async () => {
    const runs = await call('activity.runs', { repository: repo });
    expect(new Set(runs.map((r) => r.kind))).toEqual(new Set(['backup', 'check', 'verify', 'restore', 'export']));
    const backup = runs.find((r) => r.kind === 'backup' && r.status === 'ok');
    expect(backup).toBeDefined();
    const detail = await call('activity.run', { id: backup?.id ?? 0 });
    expect(detail).toMatchObject({ id: backup?.id, warnings: [] });
    const audit = await call('activity.audit', {});
    expect(audit.verification).toMatchObject({ ok: true });
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['repository.create', 'job.add', 'backup', 'restore', 'key.add', 'key.remove', 'key.passwd', 'settings.change']));
    expect(JSON.stringify(audit)).not.toContain(passphrase);
  });

  it('removes a job and forgets a repository without touching its data', async () => {
    expect(await call('jobs.remove', { id: mysqlJobId })).toEqual({ removed: true });
    expect(await call('jobs.remove', { id: mysqlJobId })).toEqual({ removed: false });
    expect(await call('repositories.forget', { repository: repo })).toEqual({ forgotten: true });
    expect(await call('repositories.list', {})).toEqual([]);
    expect((await stat(join(repo, 'config'))).isFile()).toBe(true);
  });

  it('refuses a bad input or an unknown channel in plain words', async () => {
    const bad = await h.client.callRaw('jobs.get', { id: 42 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RemoteError);
    expect(bad).toMatchObject({ code: 'INVALID_INPUT' });
    expect((bad as RemoteError).message).toContain('id:');
    const unknown = await h.client.callRaw('jobs.launchMissiles', {}).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_CHANNEL' });
  });

  it('has exercised every channel of the contract', () => {
    expect(channelNames.filter((c) => !exercised.has(c))).toEqual([]);
  });
});
