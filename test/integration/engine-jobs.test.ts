// The app's engine running jobs: remembered database passwords, runs that wait for an unplugged drive, alerts, and taking over the scheduler from `airlock daemon`.

import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ChannelInput, ChannelName, ChannelOutput, EventPayload } from '../../shared/ipc/contract.ts';
import { createEngine, type Engine } from '../../electron/engine/create-engine.ts';
import type { Drive, DriveLister } from '../../electron/engine/drives/drive.ts';
import { createMemoryTransport, type ContractClient } from '../../electron/engine/ipc/memory-transport.ts';
import { createRouter } from '../../electron/engine/ipc/router.ts';
import { acquireInstanceLock } from '../../electron/engine/jobs/instance-lock.ts';
import { createMemorySecretStore, type Notifier } from '../../electron/engine/ports.ts';
import { tempDir, writeTree } from '../helpers/files.ts';
import { createDatabase, dropDatabase, mariadb, mysqlAvailable, mysqlHost, mysqlPort, uniqueDbName } from '../helpers/mysql.ts';
import { FakeClock, settle } from '../unit/jobs-fake-clock.ts';

const passphrase = 'a long and happy passphrase';
const finalStates = new Set(['succeeded', 'partial', 'failed', 'cancelled']);

class FakeDrives implements DriveLister {
  mounted: Drive[] = [];
  list(): readonly Drive[] {
    return this.mounted;
  }
}

interface Harness {
  readonly work: string;
  readonly home: string;
  readonly engine: Engine;
  readonly clock: FakeClock;
  readonly drives: FakeDrives;
  readonly notified: EventPayload<'alert'>[];
  /** The `alert` events the renderer got. */
  readonly alerts: EventPayload<'alert'>[];
  readonly states: EventPayload<'run.state'>[];
  call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  finished(runId: string): Promise<EventPayload<'run.state'>>;
}

const open: { engine: Engine; client: ContractClient; work: string }[] = [];
afterEach(async () => {
  for (const { engine, client, work } of open.splice(0)) {
    client.close();
    await engine.close();
    await rm(work, { recursive: true, force: true });
  }
});

async function harness(options: { schedulerRetryMs?: number } = {}): Promise<Harness> {
  const work = await tempDir('airlock-engine-jobs-');
  const home = join(work, 'home');
  const clock = new FakeClock('2026-03-02T10:00:00Z');
  const drives = new FakeDrives();
  const notified: EventPayload<'alert'>[] = [];
  const notifier: Notifier = { notify: (alert) => notified.push(alert) };
  const engine = createEngine({ home, clock, drives, notifier, secrets: createMemorySecretStore(), actor: 'test', ...options });
  const client = createMemoryTransport(createRouter(engine));
  open.push({ engine, client, work });
  const states: EventPayload<'run.state'>[] = [];
  const alerts: EventPayload<'alert'>[] = [];
  const waiters = new Map<string, (state: EventPayload<'run.state'>) => void>();
  client.onEvent((event, payload) => {
    if (event === 'alert') alerts.push(payload as EventPayload<'alert'>);
    if (event !== 'run.state') return;
    const state = payload as EventPayload<'run.state'>;
    states.push(state);
    if (finalStates.has(state.state)) waiters.get(state.runId)?.(state);
  });
  return {
    work,
    home,
    engine,
    clock,
    drives,
    notified,
    alerts,
    states,
    call: (channel, input) => client.call(channel, input),
    finished(runId) {
      const done = states.find((s) => s.runId === runId && finalStates.has(s.state));
      if (done !== undefined) return Promise.resolve(done);
      return new Promise((resolve) => waiters.set(runId, resolve));
    },
  };
}

/** Every file under `folder`, read as text, for a search for secrets. */
async function everythingUnder(folder: string): Promise<string> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  const texts = await Promise.all(entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'latin1')));
  return texts.join('\n');
}

const available = mysqlAvailable();
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const undo of cleanup.splice(0).reverse()) undo();
});

describe.skipIf(!available)('database passwords remembered by the app (needs MariaDB at 127.0.0.1:3306; skipped without it)', () => {
  it('backs up and drills a MariaDB database whose password was given to jobs.create, and writes the password nowhere', { timeout: 120_000 }, async () => {
    const savedEnv = process.env.AIRLOCK_DB_PASSWORD;
    delete process.env.AIRLOCK_DB_PASSWORD;
    cleanup.push(() => {
      if (savedEnv !== undefined) process.env.AIRLOCK_DB_PASSWORD = savedEnv;
    });
    const database = createDatabase('airlock_engpw');
    cleanup.push(() => {
      dropDatabase(database);
    });
    mariadb(database, "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(20)); INSERT INTO orders VALUES (1, 'tea'), (2, 'cake');");
    const user = uniqueDbName('airlock_e').slice(0, 30);
    const dbPassword = `db-secret-${randomBytes(8).toString('hex')}`;
    for (const host of ['%', 'localhost']) {
      // The drill restores into a throw-away airlock_drill_… database on the same server.
      mariadb(undefined, `CREATE USER '${user}'@'${host}' IDENTIFIED BY '${dbPassword}'; GRANT ALL ON \`${database}\`.* TO '${user}'@'${host}'; GRANT ALL ON \`airlock\\_drill\\_%\`.* TO '${user}'@'${host}';`);
    }
    cleanup.push(() => {
      for (const host of ['%', 'localhost']) mariadb(undefined, `DROP USER IF EXISTS '${user}'@'${host}'`);
    });

    const h = await harness();
    const repo = join(h.work, 'repo');
    await h.call('repositories.create', { path: repo, passphrase, remember: true });
    const source = `mysql://${user}@${mysqlHost}:${mysqlPort}/${database}`;
    const job = await h.call('jobs.create', {
      job: { name: 'Orders', sources: [source], repositories: [repo], schedule: 'daily at 04:00', timeZone: 'UTC', verification: { checkAfterRun: true, restoreDrill: { everyDays: 1 } } },
      sourcePasswords: { [source]: dbPassword },
    });
    expect(job.sourcesMissingPassword).toEqual([]);
    const { runId } = await h.call('jobs.runNow', { id: job.id });
    const end = await h.finished(runId);
    expect(end).toMatchObject({ state: 'succeeded' });
    const runs = h.engine.catalog.listRuns({ jobId: job.id });
    expect(runs.map((r) => [r.kind, r.status]).sort()).toEqual([
      ['backup', 'ok'],
      ['check', 'ok'],
      ['drill', 'ok'],
    ]);

    // Without the remembered password the same job is refused by the server: the password above really was used.
    await h.call('jobs.update', { id: job.id, job: { name: 'Orders', sources: [source], repositories: [repo], schedule: 'daily at 04:00', timeZone: 'UTC' }, sourcePasswords: { [source]: '' } });
    const refused = await h.finished((await h.call('jobs.runNow', { id: job.id })).runId);
    expect(refused).toMatchObject({ state: 'failed' });
    expect(refused.message).toMatch(/rejected user/);

    await h.engine.close();
    const written = await everythingUnder(h.work);
    expect(written).toContain('Orders');
    expect(written).not.toContain(dbPassword);
    expect(written).not.toContain(passphrase);
  });
});

/** A job backing up a folder into a repository on USB drive BACKUP-USB-2, plugged in for now. */
async function officeJobOnUsbDrive() {
  const h = await harness();
  const docs = join(h.work, 'docs');
  await writeTree(docs, { 'a.txt': 'alpha\n' });
  const mount = join(h.work, 'media', 'BACKUP-USB-2');
  const repo = join(mount, 'airlock');
  const usb: Drive = { uuid: '4f1c-9a2b', label: 'BACKUP-USB-2', mountPoint: mount };
  h.drives.mounted = [usb];
  await h.call('repositories.create', { path: repo, passphrase, remember: true });
  const job = await h.call('jobs.create', { job: { name: 'Office', sources: [docs], repositories: [repo], schedule: 'daily at 04:00', timeZone: 'UTC' } });
  return { h, repo, usb, job };
}

describe('runs that wait for an unplugged drive', () => {
  it('shows a run started by hand as queued, waiting for the drive, and runs it under the same id once the drive is plugged in', { timeout: 60_000 }, async () => {
    const { h, repo, usb, job } = await officeJobOnUsbDrive();
    expect(h.engine.catalog.getJob(job.id)?.job.drives).toEqual([{ path: repo, relativePath: 'airlock', uuid: usb.uuid, label: usb.label }]);

    h.drives.mounted = [];
    const { runId } = await h.call('jobs.runNow', { id: job.id });
    const active = await h.call('runs.active', {});
    expect(active).toEqual([expect.objectContaining({ runId, kind: 'backup', state: 'queued', jobId: job.id })]);
    expect(h.states.filter((s) => s.runId === runId).at(-1)?.message).toMatch(/^Waiting for drive BACKUP-USB-2; plug it in/);
    // Still waiting after a look or two, and no alert: the person who clicked sees the wait in the app.
    await h.clock.advance(20_000);
    expect((await h.call('runs.active', {})).map((r) => r.state)).toEqual(['queued']);
    expect(h.notified).toEqual([]);

    h.drives.mounted = [usb];
    await h.clock.advance(10_000);
    const end = await h.finished(runId);
    expect(end).toMatchObject({ state: 'succeeded' });
    expect(await h.call('runs.active', {})).toEqual([]);
    expect((await h.call('snapshots.list', { repository: repo, jobId: job.id })).length).toBe(1);
  });

  it('holds the re-run of a run a crash interrupted until the drive is back, with an alert, and records what it repeats', { timeout: 60_000 }, async () => {
    const { h, usb, job } = await officeJobOnUsbDrive();
    const { catalog } = h.engine;
    const crashed = catalog.queueJobRun({ jobId: job.id, trigger: 'scheduled', scheduledFor: new Date('2026-03-02T04:00:00Z') });
    catalog.startJobRun(crashed, 1);
    catalog.finishJobRun(crashed, { state: 'interrupted', reason: 'The power went out.' });

    h.drives.mounted = [];
    h.engine.start();
    expect(h.engine.scheduling).toBe(true);
    const waiting = await h.call('runs.active', {});
    expect(waiting).toEqual([expect.objectContaining({ kind: 'backup', state: 'queued', jobId: job.id })]);
    await h.engine.alerts.idle();
    expect(h.notified.map((a) => a.title)).toEqual(['Office is waiting for drive BACKUP-USB-2']);

    h.drives.mounted = [usb];
    await h.clock.advance(10_000);
    expect(await h.finished(waiting[0]?.runId ?? '')).toMatchObject({ state: 'succeeded' });
    expect(catalog.listJobRuns({ jobId: job.id })[0]).toMatchObject({ state: 'succeeded', trigger: 'catch-up', retryOf: crashed });
  });

  it('cancels a run that waits for its drive', async () => {
    const h = await harness();
    const mount = join(h.work, 'media', 'USB');
    const usb: Drive = { label: 'USB', mountPoint: mount };
    h.drives.mounted = [usb];
    const job = await h.call('jobs.create', { job: { name: 'Office', sources: [h.work], repositories: [join(mount, 'repo')], schedule: 'daily at 04:00', timeZone: 'UTC' } });
    h.drives.mounted = [];
    const { runId } = await h.call('jobs.runNow', { id: job.id });
    expect(h.states.filter((s) => s.runId === runId).at(-1)).toMatchObject({ state: 'queued', message: expect.stringMatching(/^Waiting for drive USB/) as string });
    expect(await h.call('runs.cancel', { runId })).toEqual({ cancelled: true });
    expect(await h.finished(runId)).toMatchObject({ state: 'cancelled' });
    expect(await h.call('runs.active', {})).toEqual([]);
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe('alerts from the app engine', () => {
  it('tells the desktop and the renderer when a job run fails', async () => {
    const h = await harness();
    const repo = join(h.work, 'repo');
    await h.call('repositories.create', { path: repo, passphrase, remember: true });
    const job = await h.call('jobs.create', { job: { name: 'Gone', sources: [join(h.work, 'not-there')], repositories: [repo], schedule: 'daily at 04:00', timeZone: 'UTC' } });
    const end = await h.finished((await h.call('jobs.runNow', { id: job.id })).runId);
    expect(end.state).toBe('failed');
    await h.engine.alerts.idle();
    expect(h.notified).toEqual([expect.objectContaining({ level: 'warning', title: 'Backup Gone failed' })]);
    expect(h.alerts).toEqual(h.notified);
    const log = await readFile(join(h.home, 'logs', 'app.log'), 'utf8');
    expect(log).toContain('"event":"alert"');
  });
});

describe('taking over the scheduler', () => {
  it('leaves scheduling to `airlock daemon` while it runs, says so in app.status, and takes over within a retry once it stops', async () => {
    const h = await harness({ schedulerRetryMs: 30_000 });
    await h.call('jobs.create', { job: { name: 'Office', sources: [h.work], repositories: [join(h.work, 'repo')], schedule: 'daily at 04:00', timeZone: 'UTC' } });
    const daemon = acquireInstanceLock(h.home, 'daemon');
    h.engine.start();
    expect(h.engine.scheduling).toBe(false);
    expect(h.engine.scheduler).toMatchObject({ by: 'elsewhere', role: 'daemon' });
    const status = await h.call('app.status', {});
    expect(status.warnings.map((w) => w.message)).toContain('The scheduler runs in `airlock daemon` on this computer; this app takes over scheduling when it stops.');

    await h.clock.advance(30_000);
    expect(h.engine.scheduling).toBe(false);
    daemon.release();
    await h.clock.advance(30_000);
    await settle();
    expect(h.engine.scheduling).toBe(true);
    expect(h.engine.scheduler).toEqual({ by: 'this-engine' });
    expect((await h.call('app.status', {})).warnings.map((w) => w.message).join('\n')).not.toMatch(/scheduler runs/);
    // The daemon cannot start now that the app schedules.
    expect(() => acquireInstanceLock(h.home, 'daemon')).toThrow(/already running in the Airlock app/);
  });
});
