// A job's upkeep after a successful run: when the read-back check, restore drill and prune fall due, and what they do to real repositories.

import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../../electron/engine/catalog/catalog.ts';
import { parseJob, type Job, type JobInput } from '../../electron/engine/jobs/job.ts';
import { upkeepDue, upkeepHistory } from '../../electron/engine/jobs/upkeep-due.ts';
import { JobRunFailed, runJob, type RunJobDeps } from '../../electron/engine/jobs/run-job.ts';
import { statusReport } from '../../electron/engine/jobs/status-report.ts';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { Repository } from '../../electron/engine/repo/repository.ts';
import { writeTree } from '../helpers/files.ts';
import { createRepository, testPassphrase } from '../helpers/repo.ts';
import { FakeClock } from './jobs-fake-clock.ts';

const DAY = 86_400_000;

describe('upkeepDue', () => {
  const now = new Date('2025-06-10T02:00:00Z');
  const policy = (fields: Partial<Pick<Job, 'verification' | 'prune'>>): Pick<Job, 'verification' | 'prune'> => ({ verification: { checkAfterRun: true }, ...fields });

  it('asks for nothing the job does not ask for', () => {
    expect(upkeepDue(policy({}), {}, now)).toEqual({ readData: undefined, drill: false, prune: false });
  });

  it('makes everything asked for due at once when it never ran', () => {
    const all = policy({ verification: { checkAfterRun: false, readData: { percent: 10, everyDays: 7 }, restoreDrill: { everyDays: 30 } }, prune: { everyDays: 7 } });
    expect(upkeepDue(all, {}, now)).toEqual({ readData: 0.1, drill: true, prune: true });
  });

  it('counts each kind from its own last success, with half an hour of slack for a run that starts a little early', () => {
    const all = policy({ verification: { checkAfterRun: true, readData: { percent: 50, everyDays: 7 }, restoreDrill: { everyDays: 30 } }, prune: { everyDays: 1 } });
    const history = {
      lastReadData: new Date(now.getTime() - 6 * DAY),
      lastDrill: new Date(now.getTime() - 30 * DAY + 20 * 60_000),
      lastPrune: new Date(now.getTime() - DAY + 45 * 60_000),
    };
    expect(upkeepDue(all, history, now)).toEqual({ readData: undefined, drill: true, prune: false });
    expect(upkeepDue(all, { ...history, lastReadData: new Date(now.getTime() - 7 * DAY) }, now).readData).toBe(0.5);
  });
});

describe('upkeep in a job run', () => {
  let work: string;
  let clock: FakeClock;
  let catalog: Catalog;
  let docs: string;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'airlock-upkeep-'));
    clock = new FakeClock('2025-06-02T02:00:00Z');
    catalog = openCatalog(join(work, 'home', 'catalog.db'), { now: () => clock.now() });
    docs = join(work, 'docs');
    await writeTree(docs, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`dir${i % 3}/file${i}.txt`, `contents of file ${i}\n`.repeat(50 + i)])));
    return async () => {
      catalog.close();
      await rm(work, { recursive: true, force: true });
    };
  });

  function job(fields: Partial<JobInput> & Pick<JobInput, 'repositories'>): Job {
    return parseJob({ id: 'office', name: 'Office', sources: [docs], schedule: 'every day at 02:00', timeZone: 'UTC', ...fields });
  }

  function deps(): RunJobDeps {
    return { catalog, actor: 'scheduler', openRepository: (location) => Repository.open(new LocalStorage(location), testPassphrase, { now: () => clock.now() }) };
  }

  async function newRepo(name: string): Promise<string> {
    const location = join(work, name);
    await createRepository(location);
    return location;
  }

  async function filesUnder(folder: string): Promise<string[]> {
    const out: string[] = [];
    for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
    return out;
  }

  it('restores a sample of the files on its own schedule, compares their hashes and stores the report', async () => {
    const location = await newRepo('drill');
    const monthly = job({ repositories: [location], verification: { checkAfterRun: true, restoreDrill: { everyDays: 30, sampleFiles: 5 } } });
    const drilled: boolean[] = [];
    for (const step of [0, DAY, 28 * DAY, DAY]) {
      await clock.advance(step);
      drilled.push((await runJob(monthly, deps())).drills.length > 0);
    }
    // Days 0, 1, 29 and 30: due at 0, then again 30 days later.
    expect(drilled).toEqual([true, false, false, true]);

    const reports = catalog.listDrills({ jobId: 'office' });
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatchObject({ ok: true, repositoryLocation: location, source: docs, time: new Date('2025-07-02T02:00:00Z') });
    expect(reports[0]!.checks).toEqual([{ item: 'files', ok: true, detail: 'a sample of 5 file(s) restored, all 5 checksums match' }]);
    const runs = catalog.listRuns({ kind: 'drill', jobId: 'office' });
    expect(runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(reports.map((r) => r.runId)).toEqual(runs.map((r) => r.id));
    expect(catalog.listAudit().filter((e) => e.action === 'drill').map((e) => e.details.ok)).toEqual([true, true]);
  });

  it('drills a SQLite source by restoring it and running its integrity check', async () => {
    const location = await newRepo('sqlite-drill');
    const dbFile = join(work, 'shop.db');
    const db = new Database(dbFile);
    db.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT); INSERT INTO orders (item) VALUES ('tea'), ('cake');");
    db.close();
    const summary = await runJob(job({ sources: [`sqlite://${dbFile}`], repositories: [location], verification: { checkAfterRun: false, restoreDrill: { everyDays: 7 } } }), deps());
    expect(summary.drills.map((d) => [d.ok, d.checks.map((c) => c.item)])).toEqual([[true, ['database']]]);
    expect(catalog.listDrills({ repository: location })[0]?.checks[0]?.detail).toMatch(/integrity check passed, 1 tables/);
  });

  it('fails the run loudly when the drill finds the data does not come back, and status says so', async () => {
    const location = await newRepo('damaged');
    const drilling = job({ repositories: [location], verification: { checkAfterRun: false, restoreDrill: { everyDays: 1 } } });
    await runJob(drilling, deps());
    // Damage the middle of every pack, where the quick structure check does not look but a restore must read.
    for (const file of await filesUnder(join(location, 'data'))) {
      const bytes = await readFile(file);
      const middle = Math.floor(bytes.length / 3);
      bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
      await writeFile(file, bytes);
    }
    await clock.advance(DAY);
    const err = await runJob(drilling, deps()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JobRunFailed);
    const failed = err as JobRunFailed;
    expect(failed.code).toBe('VERIFY_FAILED');
    expect(failed.summary.failures.map((f) => [f.step, f.code])).toEqual([['drill', 'VERIFY_FAILED']]);
    expect(failed.message).toMatch(/restore drill of snapshot \w{8} \(.*docs\) did not give the data back intact/);
    const [newest] = catalog.listDrills({ jobId: 'office', limit: 1 });
    expect(newest?.ok).toBe(false);
    expect(catalog.listRuns({ kind: 'drill', limit: 1 })[0]).toMatchObject({ status: 'failed', error: { code: 'VERIFY_FAILED' } });

    catalog.addJob({ job: drilling, passphraseFiles: {} });
    const report = await statusReport(catalog, { now: clock.now() });
    expect(report.repositories[0]?.lastDrill).toMatchObject({ ok: false });
    expect(report.repositories[0]?.line).toMatch(/restore drill FAILED/);
    expect(report.warnings.some((w) => w.level === 'critical' && /last restore drill of .* failed/.test(w.message))).toBe(true);
  });

  it('prunes on its own schedule, only when everything before it in that repository went well', async () => {
    const location = await newRepo('prune');
    const pruning = job({ repositories: [location], retention: { keepLast: 1 }, prune: { everyDays: 7 } });
    const pruned: number[] = [];
    for (let day = 0; day < 9; day++) {
      // A new file every day, so that forgotten snapshots leave data behind for prune.
      await writeFile(join(docs, `day${day}.bin`), `day ${day} `.repeat(20_000));
      if (day > 0) await clock.advance(DAY);
      pruned.push((await runJob(pruning, deps())).prunes.length);
    }
    expect(pruned).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 0]);
    const history = upkeepHistory(catalog, location, 'office');
    expect(history.lastPrune).toEqual(new Date('2025-06-09T02:00:00Z'));
    const prunes = catalog.listAudit().filter((e) => e.action === 'prune');
    expect(prunes).toHaveLength(2);
    expect(Number(prunes[1]!.details.bytesFreed)).toBeGreaterThan(0);
    const size = async () => (await Promise.all((await filesUnder(join(location, 'data'))).map(async (f) => (await stat(f)).size))).reduce((a, b) => a + b, 0);
    expect(await size()).toBeLessThan(3 * 200_000);

    // A repository whose backup failed is not pruned, even when prune is due.
    await clock.advance(7 * DAY);
    const broken = job({ sources: [docs, join(work, 'gone')], repositories: [location], prune: { everyDays: 7 } });
    const err = (await runJob(broken, deps()).catch((e: unknown) => e)) as JobRunFailed;
    expect(err.summary.prunes).toEqual([]);
    expect(catalog.listRuns({ kind: 'prune', limit: 10 })).toHaveLength(2);
  });
});
