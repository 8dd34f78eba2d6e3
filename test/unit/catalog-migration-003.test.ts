// Migration 3 and the drill-report store: reports kept with their checks, newest first, filtered by job or repository, and bounded.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../../electron/engine/catalog/catalog.ts';
import { migrate, migrations, readUserVersion } from '../../electron/engine/catalog/migrations/index.ts';
import { AirlockError } from '../../electron/engine/errors.ts';

let dir: string;
let clock = Date.parse('2025-03-01T10:00:00.000Z');
const opened: Catalog[] = [];

function open(): Catalog {
  const catalog = openCatalog(join(dir, 'catalog.db'), { now: () => new Date(clock) });
  opened.push(catalog);
  return catalog;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-003-'));
  clock = Date.parse('2025-03-01T10:00:00.000Z');
});
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 003-drill-reports', () => {
  it('upgrades a version-2 catalog in place, keeping its jobs and audit log', () => {
    const db = new Database(join(dir, 'v2.db'));
    try {
      migrate(db, 'v2.db', migrations.slice(0, 2));
      db.prepare("INSERT INTO runs (kind, repository_location, started_at, status) VALUES ('drill', '/r', 1, 'ok')").run();
      expect(migrate(db, 'v2.db', migrations.slice(0, 3))).toEqual({ from: 2, to: 3 });
      expect(readUserVersion(db)).toBe(3);
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'drill_reports'").pluck().get()).toBe('drill_reports');
      expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(1);
      // The CHECKs hold even for a writer that is not Airlock.
      expect(() => db.prepare("INSERT INTO drill_reports (repository_location, snapshot_id, time, ok, duration_ms, checks) VALUES ('/r', 's', 1, 2, 0, '[]')").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO drill_reports (repository_location, snapshot_id, time, ok, duration_ms, checks) VALUES ('/r', 's', 1, 1, 0, '{}')").run()).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });

  it('stores reports and lists them newest first, by job or by repository', () => {
    const catalog = open();
    const check = { item: 'files', ok: true, detail: '3 files restored' };
    catalog.recordDrill({ jobId: 'a', repositoryLocation: '/r1', snapshotId: 's1', source: '/docs', ok: true, durationMs: 12.6, checks: [check] });
    clock += 1000;
    catalog.recordDrill({ jobId: 'b', repositoryLocation: '/r1', snapshotId: 's2', ok: false, durationMs: 5, checks: [{ item: 'orders', ok: false, detail: 'checksum differs' }] });
    clock += 1000;
    const third = catalog.recordDrill({ runId: 7, jobId: 'a', repositoryLocation: '/r2', snapshotId: 's3', ok: true, durationMs: 1, checks: [check] });
    expect(third).toMatchObject({ runId: 7, jobId: 'a', repositoryLocation: '/r2', snapshotId: 's3', source: null, ok: true, time: new Date(clock) });
    expect(catalog.listDrills().map((d) => d.snapshotId)).toEqual(['s3', 's2', 's1']);
    expect(catalog.listDrills({ jobId: 'a' }).map((d) => d.snapshotId)).toEqual(['s3', 's1']);
    expect(catalog.listDrills({ repository: '/r1', limit: 1 }).map((d) => [d.snapshotId, d.ok])).toEqual([['s2', false]]);
    expect(catalog.listDrills({ jobId: 'a', repository: '/r1' })[0]).toMatchObject({ durationMs: 13, checks: [check] });
    expect(() => catalog.listDrills({ limit: 0 })).toThrow(RangeError);
  });

  it('keeps at most 200 checks per report, failures first', () => {
    const catalog = open();
    const checks = Array.from({ length: 500 }, (_, i) => ({ item: `t${i}`, ok: i !== 450, detail: i === 450 ? 'rows differ' : 'ok' }));
    const stored = catalog.recordDrill({ repositoryLocation: '/r', snapshotId: 's', ok: false, durationMs: 1, checks });
    expect(stored.checks).toHaveLength(200);
    expect(stored.checks[0]).toEqual({ item: 't450', ok: false, detail: 'rows differ' });
    expect(stored.checks.at(-1)).toEqual({ item: '…', ok: true, detail: 'and 301 more checks' });
  });

  it('reads a row another program damaged as a clear error', () => {
    const catalog = open();
    catalog.recordDrill({ repositoryLocation: '/r', snapshotId: 's', ok: true, durationMs: 1, checks: [] });
    const raw = new Database(join(dir, 'catalog.db'));
    raw.exec(`UPDATE drill_reports SET checks = '[{"item": 1}]'`);
    raw.close();
    expect(() => catalog.listDrills()).toThrow(AirlockError);
  });
});
