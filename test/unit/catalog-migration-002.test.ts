// Migration 2 and the stores it backs: jobs validated on read, job runs that survive a crash, an append-only hash-chained audit log.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, parseJobDefinition, type Catalog, type CatalogOptions, type JobDefinition } from '../../electron/engine/catalog/catalog.ts';
import { jobRunStates } from '../../electron/engine/catalog/jobs.ts';
import { migrate, migrations, readUserVersion } from '../../electron/engine/catalog/migrations/index.ts';
import { AirlockError } from '../../electron/engine/errors.ts';
import { genesisHash } from '../../electron/engine/health/audit-chain.ts';

let dir: string;
let file: string;
const opened: Catalog[] = [];
let clock = Date.parse('2025-03-01T10:00:00.000Z');
const now = (): Date => new Date(clock);

function open(options: CatalogOptions = {}): Catalog {
  const catalog = openCatalog(file, { now, ...options });
  opened.push(catalog);
  return catalog;
}

/** Edits the file behind the catalog's back, as someone covering their tracks could. */
function tamper(...statements: string[]): void {
  const raw = new Database(file);
  try {
    for (const sql of statements) raw.exec(sql);
  } finally {
    raw.close();
  }
}

function caught(fn: () => unknown): AirlockError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AirlockError) return err;
    throw err;
  }
  throw new Error('expected an AirlockError');
}

function definition(id: string, fields: Record<string, unknown> = {}): JobDefinition {
  return parseJobDefinition({ id, name: id, sources: ['/srv/data'], repositories: ['/backups/a'], schedule: 'every day at 02:00', timeZone: 'UTC', ...fields });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-002-'));
  file = join(dir, 'catalog.db');
  clock = Date.parse('2025-03-01T10:00:00.000Z');
});
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 002-jobs-and-audit', () => {
  function atVersion2(): Database.Database {
    const db = new Database(join(dir, 'raw.db'));
    migrate(db, 'raw.db', migrations.slice(0, 2));
    return db;
  }

  it('upgrades a version-1 catalog in place, keeping its history, and adds the three tables', () => {
    const db = new Database(join(dir, 'v1.db'));
    try {
      migrate(db, 'v1.db', migrations.slice(0, 1));
      db.prepare("INSERT INTO runs (kind, repository_location, started_at, status) VALUES ('backup', '/r', 1, 'ok')").run();
      expect(migrate(db, 'v1.db', migrations.slice(0, 2))).toEqual({ from: 1, to: 2 });
      expect(readUserVersion(db)).toBe(2);
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(tables).toEqual(['audit', 'job_runs', 'jobs', 'repositories', 'runs', 'settings', 'snapshots']);
      expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
      const triggers = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").pluck().all();
      expect(triggers).toEqual(['audit_no_delete', 'audit_no_update']);
    } finally {
      db.close();
    }
  });

  it('makes the audit table append-only: rows go in, but cannot be changed or removed', () => {
    const db = atVersion2();
    try {
      const insert = db.prepare("INSERT INTO audit (time, actor, action, target, details, prev_hash, hash) VALUES ('t', 'a', 'backup', '/r', '{}', ?, ?)");
      insert.run(genesisHash, 'a'.repeat(64));
      expect(() => db.prepare("UPDATE audit SET actor = 'someone else'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
      expect(() => insert.run('a'.repeat(64), 'short')).toThrow(/CHECK constraint/);
      expect(() => db.prepare("INSERT INTO audit (time, actor, action, target, details, prev_hash, hash) VALUES ('t', 'a', 'b', 'c', '[]', ?, ?)").run(genesisHash, 'b'.repeat(64))).toThrow(
        /CHECK constraint/,
      );
      expect(db.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('keeps job names unique whatever their case, definitions JSON objects, and job run states within the known set', () => {
    const db = atVersion2();
    try {
      const job = db.prepare('INSERT INTO jobs (id, name, definition, paused, created_at, updated_at) VALUES (?, ?, ?, 0, 0, 0)');
      job.run('a', 'Office', '{}');
      expect(() => job.run('b', 'OFFICE', '{}')).toThrow(/UNIQUE/);
      expect(() => job.run('c', 'Other', '[1]')).toThrow(/CHECK constraint/);
      expect(() => db.prepare("INSERT INTO jobs (id, name, definition, paused, created_at, updated_at) VALUES ('d', 'D', '{}', 2, 0, 0)").run()).toThrow(/CHECK constraint/);
      const run = db.prepare("INSERT INTO job_runs (job_id, trigger, scheduled_for, queued_at, state) VALUES ('a', ?, 0, 0, ?)");
      for (const state of jobRunStates) expect(() => run.run('scheduled', state)).not.toThrow();
      expect(() => run.run('scheduled', 'done')).toThrow(/CHECK constraint/);
      expect(() => run.run('cron', 'queued')).toThrow(/CHECK constraint/);
    } finally {
      db.close();
    }
  });
});

describe('jobs store', () => {
  it('round-trips a job with its defaults, finds it by name in any case, and keeps pausing in its own column', () => {
    const catalog = open();
    const stored = catalog.addJob(definition('office', { name: 'Office files', retention: { keepDaily: 7 }, passphraseFiles: { '/backups/a': '/etc/airlock/a.pass' } }));
    expect(stored.job).toMatchObject({ id: 'office', name: 'Office files', retries: 2, missedRuns: 'catch-up', paused: false, retention: { keepDaily: 7 } });
    expect(stored.passphraseFiles).toEqual({ '/backups/a': '/etc/airlock/a.pass' });
    expect(stored.createdAt).toEqual(now());
    expect(catalog.findJob('office FILES')?.job.id).toBe('office');
    expect(catalog.findJob('office')?.job.name).toBe('Office files');

    clock += 1000;
    expect(catalog.setJobPaused('office', true).job.paused).toBe(true);
    const reread = catalog.getJob('office')!;
    expect(reread.job.paused).toBe(true);
    expect(reread.updatedAt).toEqual(now());
    expect(catalog.listJobs().map((s) => s.job.id)).toEqual(['office']);
  });

  it('refuses a second job with the same name or id, and a rename onto another job', () => {
    const catalog = open();
    catalog.addJob(definition('a', { name: 'Alpha' }));
    catalog.addJob(definition('b', { name: 'Beta' }));
    expect(caught(() => catalog.addJob(definition('c', { name: 'ALPHA' }))).code).toBe('JOB_EXISTS');
    expect(caught(() => catalog.addJob(definition('a', { name: 'Gamma' }))).code).toBe('JOB_EXISTS');
    expect(caught(() => catalog.replaceJob(definition('b', { name: 'alpha' }))).code).toBe('JOB_EXISTS');
    expect(caught(() => catalog.replaceJob(definition('zzz'))).code).toBe('JOB_NOT_FOUND');
    expect(catalog.replaceJob(definition('b', { name: 'Beta 2', schedule: 'hourly' })).job).toMatchObject({ name: 'Beta 2', schedule: 'hourly' });
    expect(catalog.listJobs().map((s) => s.job.name)).toEqual(['Alpha', 'Beta 2']);
  });

  it('validates passphrase files: absolute paths, and only for the job\'s own repositories', () => {
    expect(caught(() => definition('x', { passphraseFiles: { '/backups/a': 'relative.pass' } })).message).toMatch(/absolute path/);
    expect(caught(() => definition('x', { passphraseFiles: { '/elsewhere': '/p' } })).message).toMatch(/\/elsewhere, which is not among the job's repositories/);
  });

  it('reads every definition back through the job schema: a hand-edited one is named, and can still be removed', () => {
    const catalog = open();
    catalog.addJob(definition('broken', { name: 'Broken one' }));
    tamper(`UPDATE jobs SET definition = json_set(definition, '$.schedule', 'every blue moon') WHERE id = 'broken'`);
    const err = caught(() => catalog.listJobs());
    expect(err.code).toBe('CATALOG_UNREADABLE');
    expect(err.message).toContain('"Broken one"');
    expect(err.message).toContain('airlock job remove');
    expect(catalog.removeJob('Broken one')).toBe(true);
    expect(catalog.listJobs()).toEqual([]);
  });
});

describe('job runs', () => {
  it('go from queued to their outcome with totals, newest first, and give the time of the last one', () => {
    const catalog = open();
    const scheduledFor = new Date('2025-03-01T02:00:00Z');
    const id = catalog.queueJobRun({ jobId: 'office', trigger: 'catch-up', scheduledFor });
    expect(catalog.getJobRun(id)).toMatchObject({ state: 'queued', attempts: 0, startedAt: null, scheduledFor, queuedAt: now() });
    clock += 500;
    catalog.startJobRun(id, 1);
    catalog.retryJobRunLater(id, 'The drive went away.', 'IO_ERROR');
    expect(catalog.getJobRun(id)).toMatchObject({ state: 'waiting-retry', reason: 'The drive went away.', errorCode: 'IO_ERROR' });
    clock += 500;
    catalog.startJobRun(id, 2);
    clock += 2000;
    const totals = { snapshots: 2, bytesRead: 1000, bytesAdded: 10, warnings: 1, partial: true };
    const done = catalog.finishJobRun(id, { state: 'partial', totals });
    expect(done).toMatchObject({ state: 'partial', attempts: 2, reason: null, errorCode: null, totals });
    expect(done.startedAt).toEqual(new Date(Date.parse('2025-03-01T10:00:00.500Z')));
    expect(done.finishedAt).toEqual(now());

    clock += 1000;
    const second = catalog.queueJobRun({ jobId: 'office', trigger: 'manual', scheduledFor: now() });
    catalog.queueJobRun({ jobId: 'other', trigger: 'scheduled', scheduledFor: now() });
    expect(catalog.listJobRuns({ jobId: 'office' }).map((r) => r.id)).toEqual([second, id]);
    expect(catalog.lastJobRunAt('office')).toEqual(now());
    expect(catalog.lastJobRunAt('never-ran')).toBeUndefined();
  });

  it('marks runs left pending by a process that is gone as interrupted when the catalog is opened again', () => {
    const first = open();
    const running = first.queueJobRun({ jobId: 'a', trigger: 'scheduled', scheduledFor: now() });
    first.startJobRun(running, 1);
    const waiting = first.queueJobRun({ jobId: 'b', trigger: 'scheduled', scheduledFor: now() });
    const finished = first.queueJobRun({ jobId: 'c', trigger: 'scheduled', scheduledFor: now() });
    first.finishJobRun(finished, { state: 'succeeded' });
    const still = open();
    // Its owner (this process, with the first catalog open) is alive: nothing is touched.
    expect(still.interruptedJobRunsAtOpen).toBe(0);
    first.close();

    const second = open();
    expect(second.interruptedJobRunsAtOpen).toBe(2);
    expect(second.getJobRun(running)).toMatchObject({ state: 'interrupted', attempts: 1 });
    expect(second.getJobRun(waiting)?.state).toBe('interrupted');
    expect(second.getJobRun(waiting)?.reason).toMatch(/stopped before this run finished/);
    expect(second.getJobRun(finished)?.state).toBe('succeeded');
  });

  it('tells another connection\'s commits apart from its own with dataVersion', () => {
    const a = open();
    const b = open();
    const before = a.dataVersion();
    a.addJob(definition('own'));
    expect(a.dataVersion()).toBe(before);
    b.addJob(definition('theirs'));
    expect(a.dataVersion()).not.toBe(before);
  });
});

describe('audit log', () => {
  function fill(catalog: Catalog, n: number): void {
    for (let i = 0; i < n; i++) {
      clock += 1000;
      catalog.appendAudit({ actor: 'cli:alice@front-desk', action: i % 2 === 0 ? 'backup' : 'job.edit', target: `/r${i}`, details: { n: i, nested: { list: [1, 'two', null] } } });
    }
  }

  it('chains each entry to the one before and verifies whole', () => {
    const catalog = open();
    fill(catalog, 5);
    const entries = catalog.listAudit();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]!.prevHash).toBe(genesisHash);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    expect(entries[2]).toMatchObject({ actor: 'cli:alice@front-desk', action: 'backup', target: '/r2', details: { n: 2, nested: { list: [1, 'two', null] } }, time: '2025-03-01T10:00:03.000Z' });
    expect(catalog.listAudit({ limit: 2 }).map((e) => e.seq)).toEqual([4, 5]);
    expect(catalog.verifyAudit()).toMatchObject({ ok: true, length: 5, head: entries[4]!.hash, headSeq: 5 });
  });

  it('shows an entry changed behind its back, naming it', () => {
    const catalog = open();
    fill(catalog, 4);
    tamper('DROP TRIGGER audit_no_update', `UPDATE audit SET details = '{"n":99}' WHERE seq = 3`);
    expect(catalog.verifyAudit()).toMatchObject({ ok: false, seq: 3, problem: 'altered' });
  });

  it('shows an entry removed from the middle, and entries cut off the end', () => {
    const catalog = open();
    fill(catalog, 4);
    tamper('DROP TRIGGER audit_no_delete', 'DELETE FROM audit WHERE seq = 2');
    expect(catalog.verifyAudit()).toMatchObject({ ok: false, seq: 3, problem: 'broken-link' });

    const other = join(dir, 'other.db');
    const second = openCatalog(other, { now });
    opened.push(second);
    fill(second, 3);
    const raw = new Database(other);
    raw.exec('DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3;');
    raw.close();
    expect(second.verifyAudit()).toMatchObject({ ok: false, seq: null, problem: 'truncated' });
    // Sequence numbers are never handed out twice, so the gap stays visible.
    expect(second.appendAudit({ actor: 'x', action: 'backup', target: '/r', details: {} }).seq).toBe(4);
  });

  it('lets two catalogs append in turn without forking the chain', () => {
    const a = open();
    const b = open();
    for (let i = 0; i < 6; i++) (i % 2 === 0 ? a : b).appendAudit({ actor: i % 2 === 0 ? 'daemon' : 'cli', action: 'backup', target: '/r', details: { i } });
    expect(a.verifyAudit()).toMatchObject({ ok: true, length: 6 });
  });
});
