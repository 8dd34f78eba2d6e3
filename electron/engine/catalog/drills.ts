// Stored restore-drill reports: what each drill restored and compared, for `airlock job show`, `airlock status` and the app.

import type Database from 'better-sqlite3';
import * as z from 'zod';
import { parseJsonColumn, parseRow } from './stored-rows.ts';

export interface DrillCheckRecord {
  readonly item: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DrillReportInput {
  /** The `runs` row of kind drill that this report belongs to, when it was recorded as one. */
  readonly runId?: number;
  readonly jobId?: string;
  readonly repositoryLocation: string;
  readonly snapshotId: string;
  readonly source?: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly checks: readonly DrillCheckRecord[];
}

export interface DrillReportRecord {
  readonly id: number;
  readonly runId: number | null;
  readonly jobId: string | null;
  readonly repositoryLocation: string;
  readonly snapshotId: string;
  readonly source: string | null;
  readonly time: Date;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly checks: readonly DrillCheckRecord[];
}

export interface DrillReportQuery {
  readonly jobId?: string;
  readonly repository?: string;
  /** Newest first; default 20. */
  readonly limit?: number;
}

export interface DrillStore {
  recordDrill(report: DrillReportInput): DrillReportRecord;
  /** Newest first. */
  listDrills(query?: DrillReportQuery): DrillReportRecord[];
}

const rowSchema = z.object({
  id: z.int(),
  run_id: z.int().nullable(),
  job_id: z.string().nullable(),
  repository_location: z.string(),
  snapshot_id: z.string(),
  source: z.string().nullable(),
  time: z.int(),
  ok: z.union([z.literal(0), z.literal(1)]),
  duration_ms: z.int().nonnegative(),
  checks: z.string(),
});
const checksSchema = z.array(z.object({ item: z.string(), ok: z.boolean(), detail: z.string() }));

const columns = 'id, run_id, job_id, repository_location, snapshot_id, source, time, ok, duration_ms, checks';

/** A drill of a huge folder with thousands of failing files still gets a small row. */
const maxStoredChecks = 200;

export interface DrillStoreDeps {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
}

export function createDrillStore({ db, path, now }: DrillStoreDeps): DrillStore {
  const insert = db.prepare(
    `INSERT INTO drill_reports (run_id, job_id, repository_location, snapshot_id, source, time, ok, duration_ms, checks)
     VALUES (@runId, @jobId, @location, @snapshotId, @source, @time, @ok, @durationMs, @checks)`,
  );
  const selectOne = db.prepare(`SELECT ${columns} FROM drill_reports WHERE id = ?`);

  const toRecord = (row: unknown): DrillReportRecord => {
    const r = parseRow(rowSchema, row, path, 'a restore drill report');
    return {
      id: r.id,
      runId: r.run_id,
      jobId: r.job_id,
      repositoryLocation: r.repository_location,
      snapshotId: r.snapshot_id,
      source: r.source,
      time: new Date(r.time),
      ok: r.ok === 1,
      durationMs: r.duration_ms,
      checks: parseJsonColumn(checksSchema, r.checks, path, `the checks of drill report ${r.id}`),
    };
  };

  return {
    recordDrill(report) {
      // Failed checks first, so that a cut list still shows every problem it can.
      const ordered = [...report.checks.filter((c) => !c.ok), ...report.checks.filter((c) => c.ok)];
      const kept = ordered.length <= maxStoredChecks ? ordered : [...ordered.slice(0, maxStoredChecks - 1), { item: '…', ok: true, detail: `and ${ordered.length - maxStoredChecks + 1} more checks` }];
      const info = insert.run({
        runId: report.runId ?? null,
        jobId: report.jobId ?? null,
        location: report.repositoryLocation,
        snapshotId: report.snapshotId,
        source: report.source ?? null,
        time: now().getTime(),
        ok: report.ok ? 1 : 0,
        durationMs: Math.max(0, Math.round(report.durationMs)),
        checks: JSON.stringify(kept.map((c) => ({ item: c.item, ok: c.ok, detail: c.detail }))),
      });
      const row = selectOne.get(Number(info.lastInsertRowid));
      if (row === undefined) throw new Error('recordDrill: the report vanished after it was written');
      return toRecord(row);
    },
    listDrills(query = {}) {
      const limit = query.limit ?? 20;
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`listDrills: limit must be a positive integer, got ${limit}`);
      // Only fixed fragments are joined; values always travel as parameters.
      const where: string[] = [];
      const params: Record<string, string | number> = { limit };
      if (query.jobId !== undefined) {
        where.push('job_id = @jobId');
        params.jobId = query.jobId;
      }
      if (query.repository !== undefined) {
        where.push('repository_location = @repository');
        params.repository = query.repository;
      }
      const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
      return db.prepare(`SELECT ${columns} FROM drill_reports ${filter} ORDER BY time DESC, id DESC LIMIT @limit`).all(params).map(toRecord);
    },
  };
}
