// The scheduler daemon: in-process with a fake clock (interrupted runs retried, graceful stop, the instance lock, the log),
// then `airlock daemon` as a child process for about a minute with three jobs, a second daemon, SIGTERM and no secrets on disk.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, parseJobDefinition, type Catalog, type JobRun } from '../../electron/engine/catalog/catalog.ts';
import { AirlockError } from '../../electron/engine/errors.ts';
import { Daemon } from '../../electron/engine/jobs/daemon.ts';
import { acquireInstanceLock, currentHolder, instanceLockName } from '../../electron/engine/jobs/instance-lock.ts';
import { jobExecutor, type ExecuteJob } from '../../electron/engine/jobs/job-runner.ts';
import { AlertCenter } from '../../electron/engine/alerts/alert-center.ts';
import { parseAlertSettings } from '../../electron/engine/alerts/alert-settings.ts';
import type { Alert } from '../../electron/engine/alerts/notifier.ts';
import type { Drive } from '../../electron/engine/drives/drive.ts';
import { openJsonLog, type JsonLog } from '../../electron/engine/jobs/json-log.ts';
import type { RunContext } from '../../electron/engine/jobs/queue.ts';
import type { JobRunSummary } from '../../electron/engine/jobs/run-job.ts';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { Repository } from '../../electron/engine/repo/repository.ts';
import { airlock, startCli } from '../helpers/cli.ts';
import { tempDir, writeTree } from '../helpers/files.ts';
import { cheapKdf } from '../helpers/repo.ts';
import { FakeClock, settle } from '../unit/jobs-fake-clock.ts';

const SECOND = 1000;

function summaryFor(jobId: string): JobRunSummary {
  return { jobId, jobName: jobId, snapshots: [], retention: [], verification: [], prunes: [], drills: [], warnings: [], partial: false, failures: [] };
}

describe('Daemon in-process, with a fake clock', () => {
  let dir: string;
  let clock: FakeClock;
  const catalogs: Catalog[] = [];
  const logs: JsonLog[] = [];
  let lines: Record<string, unknown>[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-daemon-unit-'));
    clock = new FakeClock('2025-06-02T10:00:00.500Z');
    lines = [];
    return async () => {
      for (const c of catalogs.splice(0)) c.close();
      for (const l of logs.splice(0)) l.close();
      await rm(dir, { recursive: true, force: true });
    };
  });

  function open(): Catalog {
    const catalog = openCatalog(join(dir, 'catalog.db'), { now: () => clock.now() });
    catalogs.push(catalog);
    return catalog;
  }
  function log(): JsonLog {
    const l = openJsonLog(join(dir, 'logs'), { now: () => clock.now(), echo: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    logs.push(l);
    return l;
  }
  function addJob(catalog: Catalog, id: string, schedule = '*/10 * * * * *'): void {
    catalog.addJob(parseJobDefinition({ id, name: id, sources: ['/srv/data'], repositories: [`/backups/${id}`], schedule, timeZone: 'UTC', createdAt: clock.now().toISOString(), retries: 0 }));
  }

  it('queues once more, at start-up, a run that a crash interrupted, for the time it stood for', async () => {
    const before = open();
    addJob(before, 'nightly', '0 2 * * *');
    const crashed = before.queueJobRun({ jobId: 'nightly', trigger: 'scheduled', scheduledFor: new Date('2025-06-02T02:00:00Z') });
    before.startJobRun(crashed, 1);
    before.close();

    const catalog = open();
    expect(catalog.getJobRun(crashed)?.state).toBe('interrupted');
    const calls: RunContext['run'][] = [];
    const execute: ExecuteJob = (stored, context) => {
      calls.push(context.run);
      return Promise.resolve(summaryFor(stored.job.id));
    };
    const daemon = new Daemon({ catalog, clock, log: log(), execute });
    daemon.start();
    await settle();
    expect(calls.map((r) => [r.jobId, r.trigger, r.scheduledFor.toISOString()])).toEqual([['nightly', 'catch-up', '2025-06-02T02:00:00.000Z']]);
    const [retry] = catalog.listJobRuns({ jobId: 'nightly', limit: 1 });
    expect(retry).toMatchObject({ retryOf: crashed, state: 'succeeded', trigger: 'catch-up' });
    // Nothing else was due: the retry covered the missed night.
    await clock.advance(60 * SECOND);
    expect(calls).toHaveLength(1);
    await daemon.stop('test over');
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['daemon.started', 'run.queued', 'run.started', 'run.finished', 'daemon.stopping', 'daemon.stopped']));
  });

  it('on stop, lets a running job finish within the grace period, then cancels it and records it as interrupted; the next start runs it again', async () => {
    const catalog = open();
    addJob(catalog, 'slow');
    const signals: AbortSignal[] = [];
    const execute: ExecuteJob = (_stored, context) => {
      signals.push(context.signal);
      return new Promise<JobRunSummary>((_resolve, reject) => {
        context.signal.addEventListener('abort', () => {
          reject(context.signal.reason as Error);
        });
      });
    };
    const daemon = new Daemon({ catalog, clock, log: log(), execute, graceMs: 5 * SECOND });
    daemon.start();
    await clock.advance(10 * SECOND);
    expect(signals).toHaveLength(1);
    const stopping = daemon.stop('test');
    await clock.advance(4 * SECOND);
    expect(signals[0]!.aborted).toBe(false);
    await clock.advance(1 * SECOND);
    await stopping;
    expect(signals[0]!.aborted).toBe(true);
    expect((signals[0]!.reason as AirlockError).code).toBe('CANCELLED');
    const runs = catalog.listJobRuns({ jobId: 'slow' });
    expect(runs.map((r) => [r.trigger, r.state, r.scheduledFor.toISOString()])).toEqual([['scheduled', 'interrupted', '2025-06-02T10:00:10.000Z']]);
    expect(runs[0]!.reason).toMatch(/stopped while this run was in progress/);
    // Nothing runs after the stop.
    await clock.advance(60 * SECOND);
    expect(signals).toHaveLength(1);

    const calls: string[] = [];
    const next = new Daemon({
      catalog,
      clock,
      log: log(),
      execute: (stored, context) => {
        calls.push(`${context.run.trigger} ${context.run.scheduledFor.toISOString()}`);
        return Promise.resolve(summaryFor(stored.job.id));
      },
    });
    next.start();
    await settle();
    expect(calls).toEqual(['catch-up 2025-06-02T10:00:10.000Z']);
    await next.stop('test');
  });

  it('picks up a job added by another process within its watch interval', async () => {
    const catalog = open();
    const calls: string[] = [];
    const daemon = new Daemon({
      catalog,
      clock,
      log: log(),
      watchMs: 2 * SECOND,
      execute: (stored, context) => {
        calls.push(`${stored.job.id} ${context.run.scheduledFor.toISOString()}`);
        return Promise.resolve(summaryFor(stored.job.id));
      },
    });
    daemon.start();
    const cli = openCatalog(join(dir, 'catalog.db'), { now: () => clock.now() });
    catalogs.push(cli);
    addJob(cli, 'late-comer', '*/5 * * * * *');
    await clock.advance(5 * SECOND);
    expect(calls).toEqual(['late-comer 2025-06-02T10:00:05.000Z']);
    cli.setJobPaused('late-comer', true);
    await clock.advance(20 * SECOND);
    expect(calls).toHaveLength(1);
    await daemon.stop('test');
  });

  it('holds a run whose drive is unplugged, logs and alerts that it waits, runs it when the drive appears, and alerts on failures', async () => {
    const catalog = open();
    // The repository really is on the "drive", which comes back mounted somewhere else than when the job was saved.
    await Repository.init(new LocalStorage(join(dir, 'mnt', 'airlock')), 'usb passphrase', { kdf: cheapKdf });
    const passphraseFile = join(dir, 'usb-passphrase');
    await writeFile(passphraseFile, 'usb passphrase\n');
    catalog.addJob(
      parseJobDefinition({
        passphraseFiles: { '/media/office/BACKUP-USB-2/airlock': passphraseFile },
        id: 'usb',
        name: 'USB copy',
        sources: [join(dir, 'no-such-folder')],
        repositories: ['/media/office/BACKUP-USB-2/airlock'],
        schedule: '*/10 * * * * *',
        timeZone: 'UTC',
        createdAt: clock.now().toISOString(),
        retries: 0,
        drives: [{ path: '/media/office/BACKUP-USB-2/airlock', uuid: '4f1c', label: 'BACKUP-USB-2', relativePath: 'airlock' }],
      }),
    );
    let mounted: Drive[] = [];
    const alerts: Alert[] = [];
    const located: string[] = [];
    const center = new AlertCenter({ catalog, clock, settings: parseAlertSettings({ escalateAfter: 2 }), notifiers: [{ notify: (a) => void alerts.push(a) }] });
    const daemon = new Daemon({
      catalog,
      clock,
      log: log(),
      drives: { list: () => mounted },
      drivePollMs: 5 * SECOND,
      alerts: center,
      execute: jobExecutor({ catalog, actor: 'daemon:test', drives: { list: () => mounted }, onStep: (step) => located.push(step.repository) }),
    });
    daemon.start();
    await clock.advance(10 * SECOND);
    expect(lines.filter((l) => l.event === 'drive.waiting').map((l) => l.message)).toEqual(['waiting for drive BACKUP-USB-2']);
    expect(alerts.map((a) => [a.kind, a.title])).toEqual([['drive-waiting', 'USB copy is waiting for drive BACKUP-USB-2']]);
    expect(catalog.listJobRuns({ jobId: 'usb' })).toEqual([]);

    // Plugged in at another mount point: the repository opens there; the source folder is missing, so it fails twice.
    mounted = [{ uuid: '4f1c', label: 'BACKUP-USB-2', mountPoint: join(dir, 'mnt') }];
    // Opening the repository is real disk work: wait (in real time) for each run to end before moving the fake clock on.
    const finishedRuns = async (count: number): Promise<void> => {
      for (let i = 0; i < 500 && catalog.listJobRuns({ jobId: 'usb' }).filter((r) => r.finishedAt !== null).length < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await clock.advance(5 * SECOND);
    await finishedRuns(1);
    await clock.advance(10 * SECOND);
    await finishedRuns(2);
    await center.idle();
    const runs = catalog.listJobRuns({ jobId: 'usb' });
    expect(runs.map((r) => [r.state, r.errorCode])).toEqual([
      ['failed', 'PATH_NOT_FOUND'],
      ['failed', 'PATH_NOT_FOUND'],
    ]);
    // Steps and records name the repository as the job does, wherever its drive is mounted today.
    expect(new Set(located)).toEqual(new Set(['/media/office/BACKUP-USB-2/airlock']));
    expect(catalog.listRuns({ kind: 'backup' }).map((r) => r.repositoryLocation)).toEqual(['/media/office/BACKUP-USB-2/airlock', '/media/office/BACKUP-USB-2/airlock']);
    expect(alerts.map((a) => [a.kind, a.level])).toEqual([
      ['drive-waiting', 'warning'],
      ['run-failed', 'warning'],
      ['escalation', 'critical'],
    ]);
    expect(lines.filter((l) => l.event === 'drive.found')).toHaveLength(1);
    await daemon.stop('test');
  });

  it('takes the single-instance lock once, names its holder to a second taker, and replaces one left by a dead process', async () => {
    const home = join(dir, 'home');
    const first = acquireInstanceLock(home, 'daemon');
    let refused: unknown;
    try {
      acquireInstanceLock(home, 'app');
    } catch (err) {
      refused = err;
    }
    expect((refused as AirlockError).code).toBe('SCHEDULER_RUNNING');
    expect((refused as AirlockError).message).toContain(`\`airlock daemon\` (process ${process.pid}`);
    expect(currentHolder(home)?.pid).toBe(process.pid);
    first.release();
    expect(currentHolder(home)).toBeUndefined();

    const child = spawn(process.execPath, ['-e', '0']);
    await once(child, 'exit');
    const stale = { ...first.holder, pid: child.pid, token: 'stale' };
    await writeFile(join(home, instanceLockName), JSON.stringify(stale));
    expect(currentHolder(home)).toBeUndefined();
    const second = acquireInstanceLock(home, 'app');
    expect(JSON.parse(await readFile(join(home, instanceLockName), 'utf8'))).toMatchObject({ role: 'app', pid: process.pid });
    second.release();
    expect(await readdir(home)).toEqual([]);
  });

  it('rotates its log by size, keeps a few files, and scrubs known secrets from every line', async () => {
    const folder = join(dir, 'rotating');
    const secret = 'hunter2 "quoted"';
    const l = openJsonLog(folder, { maxBytes: 400, keep: 2, secrets: [secret, undefined, ''] });
    logs.push(l);
    for (let i = 0; i < 20; i++) l.write('info', 'test.line', { i, message: `the passphrase is ${secret}`, padding: 'x'.repeat(40) });
    l.close();
    expect((await readdir(folder)).sort()).toEqual(['airlock.log', 'airlock.log.1', 'airlock.log.2']);
    for (const name of await readdir(folder)) {
      const text = await readFile(join(folder, name), 'utf8');
      expect((await stat(join(folder, name))).size).toBeLessThanOrEqual(400);
      expect(text).not.toContain('hunter2');
      for (const line of text.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ level: 'info', event: 'test.line', message: 'the passphrase is [redacted]' });
    }
    const newest = (await readFile(join(folder, 'airlock.log'), 'utf8')).trim().split('\n');
    expect((JSON.parse(newest.at(-1)!) as { i: number }).i).toBe(19);
  });
});

interface LogLine {
  readonly event: string;
  readonly jobId?: string;
  readonly runId?: number;
  readonly trigger?: string;
  readonly state?: string;
}

/** Every file under `root`, for grepping. */
async function allFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(path)));
    else out.push(path);
  }
  return out;
}

describe('airlock daemon as a child process', () => {
  it('runs three jobs once per due time, in order, into the right repositories; refuses a second daemon; stops on SIGTERM leaving nothing locked and no secret on disk', { timeout: 150_000 }, async () => {
    const work = await tempDir('airlock-daemon-');
    const home = join(work, 'home');
    const passphrase = `daemon-secret-${randomBytes(8).toString('hex')}`;
    const env = { AIRLOCK_HOME: home, AIRLOCK_PASSPHRASE: passphrase };
    const repoA = join(work, 'repo-a');
    const repoB = join(work, 'repo-b');
    for (const location of [repoA, repoB]) await Repository.init(new LocalStorage(location), passphrase, { kdf: cheapKdf });
    const docs = join(work, 'docs');
    await writeTree(docs, { 'invoice.txt': 'invoice 1\n', 'scans/page.txt': 'page\n'.repeat(500) });
    const dbFile = join(work, 'shop.db');
    const db = new Database(dbFile);
    db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT); INSERT INTO orders (item) VALUES ('tea');");
    db.close();

    // Three jobs every 15 seconds, offset by 5 seconds so that each due time is its own.
    const jobs = [
      { name: 'files', args: ['--repo', repoA, '--source', docs, '--schedule', '*/15 * * * * *', '--keep-last', '2'] },
      { name: 'shop-db', args: ['--repo', repoA, '--source', `sqlite://${dbFile}`, '--schedule', '5,20,35,50 * * * * *'] },
      { name: 'files-copy', args: ['--repo', repoB, '--source', docs, '--schedule', '10,25,40,55 * * * * *', '--no-check'] },
    ];
    for (const job of jobs) {
      const added = await airlock(['job', 'add', '--name', job.name, '--tz', 'UTC', ...job.args], { env });
      expect(added.code, added.stderr).toBe(0);
    }

    const started = Date.now();
    const child = startCli(['daemon', '--json', '--grace', '0s'], { env });
    child.stdin?.end();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const events: LogLine[] = [];
    const waiters: { test: () => boolean; resolve: () => void }[] = [];
    const until = (test: () => boolean, what: string, ms: number): Promise<void> =>
      new Promise((resolve, reject) => {
        if (test()) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for ${what}; stderr:\n${stderr}`));
        }, ms);
        waiters.push({
          test,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        events.push(JSON.parse(line) as LogLine);
      } catch {
        return;
      }
      for (const w of waiters.splice(0)) if (w.test()) w.resolve(); else waiters.push(w);
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const finishedOf = (name: string) => events.filter((e) => e.event === 'run.finished' && e.jobId === name && e.state === 'succeeded');

    await until(() => events.some((e) => e.event === 'daemon.started'), 'the daemon to start', 30_000);
    const second = await airlock(['daemon'], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/The scheduler is already running in `airlock daemon` \(process \d+/);

    await until(() => jobs.every((j) => finishedOf(j.name).length >= 3), 'three runs of every job', 90_000);
    // Stop in the middle of a run, with no grace: it must be cancelled cleanly.
    const startedCount = events.filter((e) => e.event === 'run.started').length;
    await until(() => events.filter((e) => e.event === 'run.started').length > startedCount, 'the next run to start', 30_000);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, stderr).toBe(0);
    expect(events.at(-1)?.event).toBe('daemon.stopped');
    const elapsed = Date.now() - started;

    // Nothing locked: no repository lock, no scheduler lock.
    for (const location of [repoA, repoB]) expect(await readdir(join(location, 'locks'))).toEqual([]);
    expect(await readdir(home)).not.toContain(instanceLockName);

    const catalog = openCatalog(join(home, 'catalog.db'));
    try {
      const byName = new Map(catalog.listJobs().map((s) => [s.job.name, s.job.id]));
      const runsOf = (name: string): JobRun[] => catalog.listJobRuns({ jobId: byName.get(name)!, limit: 1000 }).reverse();
      for (const job of jobs) {
        const runs = runsOf(job.name);
        expect(runs.every((r) => r.trigger === 'scheduled'), `${job.name}: ${JSON.stringify(runs)}`).toBe(true);
        // Once per due time: consecutive due times 15 s apart, none twice, none skipped, started in that order.
        const due = runs.map((r) => r.scheduledFor.getTime());
        for (let i = 1; i < due.length; i++) expect(due[i]! - due[i - 1]!, job.name).toBe(15 * SECOND);
        // A run SIGTERM caught before it started has no start time; all others started in due-time order.
        const startedAt = runs.flatMap((r) => (r.startedAt === null ? [] : [r.startedAt.getTime()]));
        expect([...startedAt].sort((a, b) => a - b)).toEqual(startedAt);
        for (const r of runs) if (r.startedAt !== null) expect(r.startedAt.getTime()).toBeGreaterThanOrEqual(r.scheduledFor.getTime());
        // Every run succeeded but the one SIGTERM cut short, which is owed a rerun.
        expect(runs.slice(0, -1).every((r) => r.state === 'succeeded'), `${job.name}: ${runs.map((r) => r.state).join(',')}`).toBe(true);
        expect(['succeeded', 'interrupted']).toContain(runs.at(-1)!.state);
        expect(runs.length).toBeGreaterThanOrEqual(3);
      }

      // The right snapshots in the right places: what the catalog recorded each run making is what its repository holds.
      const made = (name: string): string[] =>
        catalog
          .listRuns({ jobId: byName.get(name)!, kind: 'backup', limit: 1000 })
          .filter((r) => r.status === 'ok' && r.snapshotId !== null)
          .reverse()
          .map((r) => r.snapshotId!);
      const open = (location: string) => Repository.open(new LocalStorage(location), passphrase);
      const inA = await (await open(repoA)).listSnapshots();
      const inB = await (await open(repoB)).listSnapshots();
      const ids = (list: { id: string }[]) => list.map((s) => s.id).sort();
      const files = made('files');
      const keptFiles = ids(inA.filter((s) => s.kind === 'files'));
      // keep-last 2 after each run; a run stopped between its backup and its retention leaves one more.
      expect([ids(files.slice(-2).map((id) => ({ id }))), ids(files.slice(-3).map((id) => ({ id })))]).toContainEqual(keptFiles);
      expect(ids(inA.filter((s) => s.kind === 'sqlite'))).toEqual(ids(made('shop-db').map((id) => ({ id }))));
      expect(inA.filter((s) => s.kind === 'sqlite').every((s) => s.sources[0] === `sqlite://${dbFile}` && s.tags[0] === `job:${byName.get('shop-db')}`)).toBe(true);
      expect(ids(inB)).toEqual(ids(made('files-copy').map((id) => ({ id }))));
      expect(inB.every((s) => s.kind === 'files' && s.sources[0] === docs)).toBe(true);
      expect(made('shop-db').length).toBeGreaterThanOrEqual(3);
      expect(catalog.verifyAudit().ok).toBe(true);
      const audited = catalog.listAudit().filter((e) => e.action === 'backup' && e.actor.startsWith('daemon:'));
      expect(audited).toHaveLength(files.length + made('shop-db').length + made('files-copy').length);
    } finally {
      catalog.close();
    }

    // The passphrase the daemon used is nowhere in its home: not in the catalog (nor its WAL), not in the logs.
    const files = await allFiles(home);
    expect(files.some((f) => f.endsWith('airlock.log'))).toBe(true);
    for (const file of files) expect((await readFile(file)).includes(passphrase), file).toBe(false);
    expect(stderr.includes(passphrase)).toBe(false);
    expect(elapsed).toBeLessThan(120_000);
  });
});
