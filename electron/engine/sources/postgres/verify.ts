// Checks a restored PostgreSQL database against the row counts and checksums its dump recorded, table by table.

import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import type { DatabaseConnection } from '../database-url.ts';
import type { DumpReader } from '../dump-streams.ts';
import { describePgError, openSession } from './connect.ts';
import { copyQuery, dumpSessionSql } from './dump.ts';
import { loadDump } from './dump-format.ts';
import { StreamMeter } from './row-meter.ts';
import { resolveRelations } from './selection.ts';
import { displayName } from './sql-text.ts';

export interface TableCheck {
  readonly table: string;
  readonly expectedRows: number;
  readonly rows: number;
  /** Same rows, same order, same bytes as at backup. */
  readonly ok: boolean;
}

export interface PostgresVerifyReport {
  readonly ok: boolean;
  readonly tables: readonly TableCheck[];
}

export interface PostgresVerifyOptions {
  /** Check only these tables (as for a selective restore). */
  readonly tables?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { readonly table: string; readonly tablesDone: number; readonly tablesTotal: number }) => void;
}

/**
 * Reads every table of the database in `conn` exactly as the dump read it (same columns, key order, key
 * ranges and output settings) and compares row counts and SHA-256 with the manifest. Meant for a scratch
 * database just restored from `reader`; nothing is written.
 */
export async function verifyPostgresRestore(reader: DumpReader, conn: DatabaseConnection, opts: PostgresVerifyOptions = {}): Promise<PostgresVerifyReport> {
  const { manifest, items } = await loadDump(reader);
  const wanted = opts.tables === undefined ? null : new Set(resolveRelations(items, opts.tables));
  const tables = manifest.tables.filter((t) => wanted === null || wanted.has(t.item));
  const session = await openSession(conn, { signal: opts.signal });
  const checks: TableCheck[] = [];
  try {
    await session.client.query(dumpSessionSql);
    await session.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    for (const [i, t] of tables.entries()) {
      opts.signal?.throwIfAborted();
      const label = displayName(t.schema, t.name);
      let rows = 0;
      let ok = true;
      for (const part of t.parts) {
        const meter = new StreamMeter();
        const copy = session.client.query(copyTo(copyQuery(t, part)));
        try {
          await pipeline(copy, meter, new Writable({ write: (_chunk, _enc, done) => { done(); } }));
        } catch (err) {
          throw describePgError(err, conn, `checking table ${label}`);
        }
        rows += copy.rowCount;
        ok &&= copy.rowCount === part.rows && meter.digest() === part.sha256;
      }
      checks.push({ table: label, expectedRows: t.rows, rows, ok });
      opts.onProgress?.({ table: label, tablesDone: i + 1, tablesTotal: tables.length });
    }
    await session.client.query('COMMIT');
  } finally {
    await session.close();
  }
  return { ok: checks.every((c) => c.ok), tables: checks };
}
