// One run of a job against real repositories: every source into every repository, recorded and audited, scoped retention, verification, cancel.

import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import { openCatalog, type Catalog } from '../../electron/engine/catalog/catalog.ts';
import { AirlockError } from '../../electron/engine/errors.ts';
import { parseJob, type Job, type JobInput } from '../../electron/engine/jobs/job.ts';
import {
  backupSourceFor,
  isRetryableJobError,
  JobRunFailed,
  jobTag,
  passphraseProvider,
  runJob,
  totalsOf,
  type JobRunSummary,
  type RunJobDeps,
} from '../../electron/engine/jobs/run-job.ts';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { Repository } from '../../electron/engine/repo/repository.ts';
import { checkRepository } from '../../electron/engine/verify/check.ts';
import { randomData, writeTree } from '../helpers/files.ts';
import { createRepository, testPassphrase } from '../helpers/repo.ts';
import { FakeClock } from './jobs-fake-clock.ts';

const DAY = 86_400_000;

let work: string;
let clock: FakeClock;
let catalog: Catalog;
let docs: string;
let dbFile: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'airlock-run-job-'));
  clock = new FakeClock('2025-06-02T02:00:00Z');
  catalog = openCatalog(join(work, 'home', 'catalog.db'), { now: () => clock.now() });
  docs = join(work, 'docs');
  await writeTree(docs, { 'a.txt': 'alpha\n', 'sub/b.txt': 'beta\n'.repeat(100) });
  dbFile = join(work, 'shop.db');
  const db = new Database(dbFile);
  db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT); INSERT INTO orders (item) VALUES ('tea'), ('cake');");
  db.close();
  return async () => {
    catalog.close();
    await rm(work, { recursive: true, force: true });
  };
});

function job(fields: Partial<JobInput> & Pick<JobInput, 'repositories'>): Job {
  return parseJob({ id: 'office', name: 'Office', sources: [docs], schedule: 'every day at 02:00', timeZone: 'UTC', ...fields });
}

function deps(extra: Partial<RunJobDeps> = {}): RunJobDeps {
  return {
    catalog,
    actor: 'scheduler',
    openRepository: (location) => Repository.open(new LocalStorage(location), testPassphrase, { now: () => clock.now() }),
    ...extra,
  };
}

async function newRepo(name: string): Promise<string> {
  const location = join(work, name);
  await createRepository(location);
  return location;
}

async function snapshotsIn(location: string) {
  const repo = await Repository.open(new LocalStorage(location), testPassphrase);
  return repo.listSnapshots();
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the run to fail');
}

describe('runJob', () => {
  it('backs up every source into every repository, records each step with the job id, audits the backups and checks each repository', async () => {
    const first = await newRepo('repo-1');
    const second = await newRepo('repo-2');
    const sqlite = `sqlite://${dbFile}`;
    const summary = await runJob(job({ sources: [docs, sqlite], repositories: [first, second] }), deps());

    expect(summary.failures).toEqual([]);
    expect(summary.partial).toBe(false);
    expect(summary.snapshots.map((s) => `${s.repository} ${s.source}`)).toEqual([`${first} ${docs}`, `${first} ${sqlite}`, `${second} ${docs}`, `${second} ${sqlite}`]);
    for (const location of [first, second]) {
      const snaps = (await snapshotsIn(location)).sort((a, b) => a.kind.localeCompare(b.kind));
      expect(snaps.map((s) => [s.kind, s.sources, s.tags])).toEqual([
        ['files', [docs], [jobTag({ id: 'office' })]],
        ['sqlite', [sqlite], [jobTag({ id: 'office' })]],
      ]);
      expect(snaps.map((s) => s.time)).toEqual(['2025-06-02T02:00:00.000Z', '2025-06-02T02:00:00.000Z']);
    }
    expect(summary.verification.map((v) => [v.repository, v.kind, v.errors])).toEqual([
      [first, 'check', []],
      [second, 'check', []],
    ]);

    const runs = catalog.listRuns({ jobId: 'office' });
    expect(runs.filter((r) => r.kind === 'backup').map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(runs.filter((r) => r.kind === 'check').map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(new Set(runs.map((r) => r.snapshotId).filter((id) => id !== null))).toEqual(new Set(summary.snapshots.map((s) => s.snapshotId)));
    const audit = catalog.listAudit();
    expect(audit.map((e) => [e.actor, e.action, e.target, e.details.source])).toEqual([
      ['scheduler', 'backup', first, docs],
      ['scheduler', 'backup', first, sqlite],
      ['scheduler', 'backup', second, docs],
      ['scheduler', 'backup', second, sqlite],
    ]);
    expect(catalog.verifyAudit().ok).toBe(true);
    expect(totalsOf(summary)).toMatchObject({ snapshots: 4, warnings: 0, partial: false });
    const firstId = (await Repository.open(new LocalStorage(first), testPassphrase)).id;
    expect(catalog.listSnapshots(firstId)).toHaveLength(2);
  });

  it('applies the retention policy to its own snapshots only: a manual backup into the same repository keeps its history', async () => {
    const location = await newRepo('shared');
    const other = join(work, 'other');
    await writeTree(other, { 'c.txt': 'gamma\n' });
    const repo = await Repository.open(new LocalStorage(location), testPassphrase, { now: () => clock.now() });
    const manual = await runBackup(repo, { source: { kind: 'files', paths: [other] } });

    const daily = job({ repositories: [location], retention: { keepLast: 2 } });
    const summaries: JobRunSummary[] = [];
    for (let day = 0; day < 4; day++) {
      await clock.advance(DAY);
      summaries.push(await runJob(daily, deps()));
    }
    const snaps = await snapshotsIn(location);
    const mine = summaries.map((s) => s.snapshots[0]!.snapshotId);
    expect(snaps.map((s) => s.id).sort()).toEqual([manual.snapshot.id, mine[2]!, mine[3]!].sort());
    expect(summaries.map((s) => s.retention[0]!.removed.length)).toEqual([0, 0, 1, 1]);
    expect(summaries[3]!.retention[0]!.removed).toEqual([mine[1]]);

    const forgets = catalog.listAudit().filter((e) => e.action === 'forget');
    expect(forgets.map((e) => e.details.removed)).toEqual([[mine[0]], [mine[1]]]);
    // The catalog's cached list follows the repository.
    expect(catalog.listSnapshots(repo.id).map((s) => s.id).sort()).toEqual(snaps.map((s) => s.id).sort());
  });

  it('reads the data back on its own schedule, and skips the quick check when told to', async () => {
    const location = await newRepo('verify');
    const weekly = job({ repositories: [location], verification: { checkAfterRun: false, readData: { percent: 100, everyDays: 7 } } });
    const kinds: string[][] = [];
    // Days 0, 1, 6 and 8: due at 0, not again until 7 days later.
    for (const step of [0, DAY, 5 * DAY, 2 * DAY]) {
      await clock.advance(step);
      kinds.push((await runJob(weekly, deps())).verification.map((v) => v.kind));
    }
    expect(kinds).toEqual([['read-data'], [], [], ['read-data']]);
    expect(catalog.listRuns({ kind: 'verify' }).map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(catalog.listRuns({ kind: 'check' })).toEqual([]);
  });

  it('carries on with the other repositories when one is missing, then fails with a summary of both', async () => {
    const present = await newRepo('present');
    const missing = join(work, 'unplugged-drive');
    const err = await failureOf(runJob(job({ repositories: [missing, present] }), deps()));
    expect(err).toBeInstanceOf(JobRunFailed);
    const failed = err as JobRunFailed;
    expect(failed.code).toBe('REPO_NOT_FOUND');
    expect(failed.message).toContain(missing);
    expect(failed.summary.failures.map((f) => [f.step, f.repository, f.code])).toEqual([['open', missing, 'REPO_NOT_FOUND']]);
    expect(failed.summary.snapshots.map((s) => s.repository)).toEqual([present]);
    expect(await snapshotsIn(present)).toHaveLength(1);
    // A missing drive needs a person; a dropped server may come back by itself.
    expect(isRetryableJobError(failed)).toBe(false);
    const transient = new JobRunFailed({ ...failed.summary, failures: [{ ...failed.summary.failures[0]!, error: new AirlockError('SOURCE_UNREACHABLE', 'gone'), code: 'SOURCE_UNREACHABLE' }] });
    expect(isRetryableJobError(transient)).toBe(true);
  });

  it('records a failed source without forgetting anything in that repository', async () => {
    const location = await newRepo('partial-failure');
    const gone = join(work, 'no-such-folder');
    const keepOne = job({ sources: [docs, gone], repositories: [location], retention: { keepLast: 1 } });
    const err = await failureOf(runJob(keepOne, deps()));
    expect((err as JobRunFailed).summary.failures.map((f) => [f.step, f.source, f.code])).toEqual([['backup', gone, 'PATH_NOT_FOUND']]);
    expect((err as JobRunFailed).summary.retention).toEqual([]);
    expect(catalog.listRuns({ jobId: 'office', kind: 'backup' }).map((r) => r.status).sort()).toEqual(['failed', 'ok']);
  });

  it('stops within the backup when cancelled, leaving the repository unlocked and whole, and the next run works', async () => {
    const location = await newRepo('cancel');
    const big = join(work, 'big');
    await writeTree(big, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}.bin`, randomData(128 * 1024)])));
    const controller = new AbortController();
    const heavy = job({ sources: [big], repositories: [location], retention: { keepLast: 3 } });
    const err = await failureOf(
      runJob(heavy, deps({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.itemsDone >= 3) controller.abort(new AirlockError('CANCELLED', 'Cancelled by the test.'));
        },
      })),
    );
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('CANCELLED');
    expect(catalog.listRuns({ jobId: 'office' }).map((r) => [r.kind, r.status])).toEqual([['backup', 'cancelled']]);

    const storage = new LocalStorage(location);
    expect(await storage.list('locks')).toEqual([]);
    expect(await storage.list('snapshots')).toEqual([]);
    const repo = await Repository.open(storage, testPassphrase);
    expect((await checkRepository(repo)).errors).toEqual([]);

    const again = await runJob(heavy, deps());
    expect(again.snapshots).toHaveLength(1);
    expect(again.verification[0]!.errors).toEqual([]);
  });
});

/** The descriptors this process holds open on files under `dir`, from /proc (Linux). */
async function openFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target.startsWith(`${dir}/`)) out.push(target);
  }
  return out;
}

describe('runJob and open files', () => {
  it.skipIf(process.platform !== 'linux')(
    'closes every pack it opened for the check, the read-back and the drill once the run ends (skipped off Linux: it counts /proc/self/fd)',
    async () => {
      const location = await newRepo('handles');
      const thorough = job({ repositories: [location], verification: { checkAfterRun: true, readData: { percent: 100, everyDays: 1 }, restoreDrill: { everyDays: 1 } } });
      for (let run = 0; run < 2; run++) {
        const summary = await runJob(thorough, deps());
        expect(summary.verification.map((v) => [v.kind, v.errors])).toEqual([
          ['check', []],
          ['read-data', []],
        ]);
        expect(summary.drills.map((d) => d.ok)).toEqual([true]);
        expect(await openFilesUnder(location)).toEqual([]);
        await clock.advance(DAY);
      }
    },
  );
});

describe('backupSourceFor', () => {
  it('maps a folder, a SQLite URL and a database server address, and explains a malformed one', () => {
    expect(backupSourceFor('/srv/docs')).toEqual({ kind: 'files', paths: ['/srv/docs'] });
    expect(backupSourceFor('sqlite:///var/lib/app/my%20data.db')).toEqual({ kind: 'sqlite', path: '/var/lib/app/my data.db' });
    expect(() => backupSourceFor('sqlite://relative.db')).toThrow(/three slashes/);
    expect(backupSourceFor('postgres://backup@db1/shop')).toMatchObject({ kind: 'database', connection: { kind: 'postgres', host: 'db1', user: 'backup', database: 'shop' } });
    expect(() => backupSourceFor('mysql://root:secret@db1/shop')).toThrow(/Do not put the password in the database address/);
  });
});

describe('passphraseProvider', () => {
  it('reads the first line of the repository\'s file, else AIRLOCK_PASSPHRASE, else the fallback, else says what to do', async () => {
    const file = join(work, 'usb.pass');
    await writeFile(file, 'from the file\nsecond line\n');
    const provider = passphraseProvider({ files: { '/mnt/usb': file }, env: { AIRLOCK_PASSPHRASE: 'from env' } });
    expect(await provider('/mnt/usb')).toBe('from the file');
    expect(await provider('/srv/backup')).toBe('from env');
    expect(await passphraseProvider({ env: {}, fallback: () => Promise.resolve('asked') })('/srv/backup')).toBe('asked');
    await expect(passphraseProvider({ env: {} })('/srv/backup')).rejects.toThrow(/No passphrase for the repository \/srv\/backup/);
    await expect(passphraseProvider({ files: { '/mnt/usb': join(work, 'nope') }, env: {} })('/mnt/usb')).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});
