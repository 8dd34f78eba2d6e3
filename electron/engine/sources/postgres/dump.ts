// Dumps one PostgreSQL database through `pg`: one REPEATABLE READ snapshot shared by parallel COPY workers.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { AirlockError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';
import type { DumpWriter, WrittenStream } from '../dump-streams.ts';
import { readCatalog } from './catalog.ts';
import { describePgError, openSession, type Session } from './connect.ts';
import {
  dumpFormat, dumpFormatVersion, largeObjectsName, manifestName, schemaName, tableStreamName,
  type DumpManifest, type SchemaFile, type SequenceValue, type TableData, type TablePart,
} from './dump-format.ts';
import { encodeLargeObjects } from './large-objects.ts';
import { StreamMeter } from './row-meter.ts';
import { buildSchema, type TableSpec } from './schema.ts';
import { selectRelations } from './selection.ts';
import { displayName, ident, literal, qualified } from './sql-text.ts';

export interface PostgresDumpProgress {
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  /** The planner's estimate, when the table has been analyzed. */
  readonly rowsTotal?: number;
}

export interface PostgresDumpOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PostgresDumpProgress) => void;
  /** COPY sessions working at once (default 2), all inside the same snapshot. */
  readonly parallel?: number;
  /** Dump only these relations ("schema.table" or "table") and what they need. */
  readonly tables?: readonly string[];
  /** How long to wait for a table another session holds an exclusive lock on (default 60 s). */
  readonly lockTimeoutMs?: number;
  /** Keyed tables larger than this (by the server's page count) are read as key ranges in parallel (default 64 MiB). */
  readonly rangeSplitBytes?: number;
}

export interface PostgresDumpSummary {
  readonly database: string;
  readonly serverVersion: string;
  readonly tables: number;
  readonly rows: number;
  readonly bytes: number;
  readonly largeObjects: number;
  readonly warnings: readonly string[];
  readonly manifest: DumpManifest;
}

/** Settings that make COPY output exact and identical run to run (ISO dates, shortest exact floats, UTC). */
export const dumpSessionSql = [
  "SET search_path = ''",
  "SET client_encoding = 'UTF8'",
  "SET DateStyle = 'ISO'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 3',
  "SET TimeZone = 'UTC'",
  "SET bytea_output = 'hex'",
  'SET statement_timeout = 0',
  'SET idle_in_transaction_session_timeout = 0',
  'SET row_security = off',
  'SET synchronize_seqscans = off',
].join('; ');

/** Tables larger than this are dumped as key ranges by several sessions at once. */
const defaultSplitBytes = 64 * 1024 * 1024;
/** About this many sampled rows decide where the ranges split. */
const sampleRows = 20_000;

export interface KeyRange {
  readonly from: string | null;
  readonly to: string | null;
}

/** The COPY that reads one range of a table, as dumped (and as a verification reads it again). */
export function copyQuery(t: Pick<TableSpec, 'schema' | 'name' | 'columns' | 'orderBy' | 'keyType'>, range: KeyRange): string {
  const cols = t.columns.map(ident).join(', ');
  const name = qualified(t.schema, t.name);
  if (t.columns.length === 0) return `COPY (SELECT FROM ONLY ${name}) TO STDOUT`;
  if (t.orderBy === null) return `COPY ${name} (${cols}) TO STDOUT`;
  const conditions: string[] = [];
  const key = ident(t.orderBy[0] ?? '');
  if (range.from !== null) conditions.push(`${key} >= ${literal(range.from)}::${t.keyType ?? 'text'}`);
  if (range.to !== null) conditions.push(`${key} < ${literal(range.to)}::${t.keyType ?? 'text'}`);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  return `COPY (SELECT ${cols} FROM ONLY ${name}${where} ORDER BY ${t.orderBy.map(ident).join(', ')}) TO STDOUT`;
}

/**
 * Splits a large keyed table into ranges of its leading key column, so that several sessions can read it
 * at once. The split points come from a repeatable sample: the same table gives the same ranges, which
 * keeps the streams of successive backups aligned for deduplication.
 */
async function planRanges(main: Session, t: TableSpec, parallel: number, splitBytes: number): Promise<KeyRange[]> {
  const whole: KeyRange[] = [{ from: null, to: null }];
  const size = t.pages * 8192;
  const first = t.orderBy?.[0];
  if (first === undefined || t.keyType === null || parallel < 2 || size < splitBytes) return whole;
  const n = Math.min(parallel, Math.ceil(size / splitBytes));
  const fractions = Array.from({ length: n - 1 }, (_, i) => (i + 1) / n);
  const percent = Math.min(100, Math.max(0.01, (100 * sampleRows) / Math.max(1, t.estimatedRows)));
  const r = await main.client.query<{ b: (string | null)[] | null }>(
    `SELECT (pg_catalog.percentile_disc(ARRAY[${fractions.join(', ')}]::float8[]) WITHIN GROUP (ORDER BY ${ident(first)}))::text[] AS b
     FROM ONLY ${qualified(t.schema, t.name)} TABLESAMPLE SYSTEM (${percent.toFixed(4)}) REPEATABLE (0)`,
  );
  const bounds = [...new Set((r.rows[0]?.b ?? []).filter((b): b is string => b !== null))];
  if (bounds.length === 0) return whole;
  return [null, ...bounds].map((from, i) => ({ from, to: bounds[i] ?? null }));
}

/** Fails early, naming every grant the account lacks, instead of dying on table 412 of 900. */
async function checkPrivileges(main: Session, conn: DatabaseConnection, tableOids: readonly number[], sequences: readonly { schema: string; name: string }[]): Promise<void> {
  const r = await main.client.query<{ what: string; grant: string }>(`
    SELECT DISTINCT format('USAGE on schema %I', n.nspname) AS what, format('GRANT USAGE ON SCHEMA %I TO %I', n.nspname, current_user) AS grant
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE (c.oid = ANY($1::oid[]) OR (n.nspname, c.relname) IN (SELECT * FROM unnest($2::text[], $3::text[]))) AND NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE')
    UNION ALL
    SELECT format('SELECT on %s %I.%I', CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname),
           format('GRANT SELECT ON %s %I.%I TO %I', CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname, current_user)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE (c.oid = ANY($1::oid[]) OR (n.nspname, c.relname) IN (SELECT * FROM unnest($2::text[], $3::text[]))) AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
        AND NOT CASE c.relkind WHEN 'S' THEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT') ELSE pg_catalog.has_table_privilege(c.oid, 'SELECT') END
    LIMIT 20`, [tableOids, sequences.map((q) => q.schema), sequences.map((q) => q.name)]);
  if (r.rows.length === 0) return;
  const first = r.rows[0];
  const more = r.rows.length > 1 ? ` It also lacks: ${r.rows.slice(1).map((x) => x.what).join('; ')}${r.rows.length === 20 ? '; …' : ''}.` : '';
  throw new AirlockError('SOURCE_PRIVILEGE', `User "${conn.user}" lacks the ${first?.what ?? 'privileges'} needed to dump ${describeConnection(conn)} (fix: ${first?.grant ?? 'grant SELECT'}).${more} A superuser or a member of pg_read_all_data can dump everything.`);
}

/** Locks the dumped tables against DDL for the rest of the dump, then makes sure none was rewritten since the snapshot. */
async function lockTables(main: Session, tableOids: readonly number[], lockTimeoutMs: number): Promise<void> {
  const rels = await main.client.query<{ oid: number; name: string }>(
    `SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = ANY($1::oid[]) ORDER BY c.oid`, [tableOids]);
  await main.client.query(`SET lock_timeout = ${Math.max(0, Math.floor(lockTimeoutMs))}`);
  for (let i = 0; i < rels.rows.length; i += 500) {
    const batch = rels.rows.slice(i, i + 500);
    try {
      await main.client.query(`LOCK TABLE ${batch.map((r) => `ONLY ${r.name}`).join(', ')} IN ACCESS SHARE MODE`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === '55P03') {
        throw new AirlockError('SOURCE_BUSY', `Another session holds an exclusive lock on a table (${(err as Error).message}), probably a long ALTER TABLE or VACUUM FULL. Try again when it has finished.`, { cause: err });
      }
      if (code === '42P01') {
        throw new AirlockError('SOURCE_CHANGED', `A table was dropped or renamed just as the dump started (${(err as Error).message}). Run the backup again.`, { cause: err });
      }
      throw err;
    }
  }
  await main.client.query('SET lock_timeout = 0');
  // Rewrites (TRUNCATE, ALTER TABLE … TYPE, CLUSTER, VACUUM FULL) are not MVCC-safe: the snapshot would see an empty table.
  const rewritten = await main.client.query<{ name: string }>(`
    SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = ANY($1::oid[]) AND c.relfilenode <> 0 AND c.relfilenode IS DISTINCT FROM pg_catalog.pg_relation_filenode(c.oid)`, [tableOids]);
  if (rewritten.rows.length > 0) {
    throw new AirlockError('SOURCE_CHANGED', `Table ${rewritten.rows.map((r) => r.name).join(', ')} was rewritten (TRUNCATE, ALTER TABLE or VACUUM FULL) just as the dump started, so its rows are not in the snapshot. Run the backup again.`);
  }
}

async function readSequenceValues(main: Session, sequences: readonly { item: number; schema: string; name: string }[]): Promise<SequenceValue[]> {
  const out: SequenceValue[] = [];
  for (let i = 0; i < sequences.length; i += 200) {
    const batch = sequences.slice(i, i + 200);
    const sql = batch.map((s, j) => `SELECT ${j} AS i, last_value::text AS v, is_called FROM ${qualified(s.schema, s.name)}`).join(' UNION ALL ');
    const r = await main.client.query<{ i: number; v: string; is_called: boolean }>(sql);
    for (const row of r.rows) {
      const s = batch[row.i];
      if (s) out.push({ item: s.item, schema: s.schema, name: s.name, lastValue: row.v, isCalled: row.is_called });
    }
  }
  return out;
}

interface PartTask {
  readonly t: TableSpec;
  readonly range: KeyRange;
  readonly stream: string;
  readonly order: number;
  readonly estimate: number;
}

/** One table's rows per table, summed over its parts, for progress events. */
class TableProgress {
  private readonly done = new Map<number, { rows: number; bytes: number }>();
  private readonly onProgress: PostgresDumpOptions['onProgress'];

  constructor(onProgress: PostgresDumpOptions['onProgress']) {
    this.onProgress = onProgress;
  }

  add(t: TableSpec, rows: number, bytes: number): void {
    if (this.onProgress === undefined) return;
    const d = this.done.get(t.item) ?? { rows: 0, bytes: 0 };
    d.rows += rows;
    d.bytes += bytes;
    this.done.set(t.item, d);
    const table = displayName(t.schema, t.name);
    this.onProgress(t.estimatedRows >= 0 ? { table, rows: d.rows, bytes: d.bytes, rowsTotal: Math.round(t.estimatedRows) } : { table, rows: d.rows, bytes: d.bytes });
  }
}

/** Writes one part of a table's rows, in key order, straight into the writer. */
async function dumpPart(session: Session, conn: DatabaseConnection, writer: DumpWriter, task: PartTask, progress: TableProgress): Promise<TablePart> {
  const { t, range, stream } = task;
  const label = displayName(t.schema, t.name);
  let seenRows = 0;
  let seenBytes = 0;
  const meter = new StreamMeter((m) => {
    const rows = m.approximateRows;
    progress.add(t, rows - seenRows, m.bytes - seenBytes);
    seenRows = rows;
    seenBytes = m.bytes;
  }, { sha256: false });
  let rows: number;
  let written: WrittenStream;
  try {
    const copy = session.client.query(copyTo(copyQuery(t, range)));
    const flowing = pipeline(copy, meter);
    const stored = writer.write(stream, meter).catch((err: unknown) => {
      meter.destroy(err as Error);
      throw err;
    });
    [, written] = await Promise.all([flowing, stored]);
    // The server's own count (COPY n); the estimate shown so far is corrected to it.
    rows = copy.rowCount;
    progress.add(t, rows - seenRows, 0);
  } catch (err) {
    throw describePgError(err, conn, `dumping table ${label}`);
  }
  return { stream, from: range.from, to: range.to, rows, bytes: written.bytes, sha256: written.sha256 };
}

async function openWorker(conn: DatabaseConnection, snapshot: string, signal: AbortSignal): Promise<Session> {
  const s = await openSession(conn, { signal });
  try {
    await s.client.query(dumpSessionSql);
    await s.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await s.client.query(`SET TRANSACTION SNAPSHOT ${literal(snapshot)}`);
    return s;
  } catch (err) {
    await s.close();
    throw describePgError(err, conn, 'starting a parallel dump session');
  }
}

/**
 * Dumps the database named in `conn` into `writer`: schema.json (ordered DDL, pre-data / table-bound /
 * late), one COPY text stream per table in key order (a large keyed table: one per key range, read in
 * parallel), large-objects.bin, and manifest.json (written last, with row counts and a SHA-256 per
 * stream). Everything comes from one snapshot; DDL on a dumped table waits until the dump ends because
 * every table is share-locked. Without manifest.json the dump is incomplete: a failed dump never writes it.
 */
export async function dumpPostgres(conn: DatabaseConnection, writer: DumpWriter, opts: PostgresDumpOptions = {}): Promise<PostgresDumpSummary> {
  const abort = new AbortController();
  const onOuterAbort = (): void => {
    abort.abort(opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted === true) abort.abort(opts.signal.reason);
  const sessions: Session[] = [];
  let opening: Promise<unknown>[] = [];
  try {
    abort.signal.throwIfAborted();
    const main = await openSession(conn, { signal: abort.signal });
    sessions.push(main);
    let snapshot: string;
    try {
      await main.client.query(dumpSessionSql);
      await main.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const r = await main.client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
      snapshot = r.rows[0]?.id ?? '';
    } catch (err) {
      throw describePgError(err, conn, 'starting the dump');
    }
    // The COPY sessions connect and import the snapshot while the schema is being read.
    const parallelWanted = Math.max(1, opts.parallel ?? 2);
    const workerPromises = Array.from({ length: parallelWanted }, () => openWorker(conn, snapshot, abort.signal).then((w) => {
      sessions.push(w);
      return w;
    }));
    opening = workerPromises.map((p) => p.catch(() => undefined));

    let catalog;
    try {
      catalog = await readCatalog(main.client, main.server.versionNum);
    } catch (err) {
      if ((err as { code?: string }).code === 'XX000' && /cache lookup failed/.test((err as Error).message)) {
        throw new AirlockError('SOURCE_CHANGED', `An object was dropped while its definition was being read (${(err as Error).message}). Run the backup again.`, { cause: err });
      }
      throw describePgError(err, conn, 'reading the schema');
    }
    const built = buildSchema(catalog);
    const warnings = [...built.warnings];
    let items = built.items;
    let tables = built.tables;
    let sequences = built.sequences;
    let largeObjects = built.largeObjects;
    if (opts.tables !== undefined) {
      const sel = selectRelations(items, opts.tables);
      items = items.filter((i) => sel.items.has(i.id));
      tables = tables.filter((t) => sel.relations.has(t.item));
      sequences = sequences.filter((s) => sel.items.has(s.item));
      largeObjects = [];
      warnings.push(...sel.warnings);
    }
    try {
      await checkPrivileges(main, conn, tables.map((t) => t.oid), sequences);
      await lockTables(main, tables.map((t) => t.oid), opts.lockTimeoutMs ?? 60_000);
    } catch (err) {
      throw describePgError(err, conn, 'starting the dump');
    }

    const queue: PartTask[] = [];
    for (const [index, t] of tables.entries()) {
      const ranges = await planRanges(main, t, parallelWanted, Math.max(1, opts.rangeSplitBytes ?? defaultSplitBytes)).catch((err: unknown) => {
        throw describePgError(err, conn, `planning the dump of table ${displayName(t.schema, t.name)}`);
      });
      for (const [i, range] of ranges.entries()) {
        queue.push({ t, range, stream: tableStreamName(index + 1, t.schema, t.name, i + 1), order: i, estimate: t.pages / ranges.length });
      }
    }
    // Largest first, so that the workers finish close together.
    queue.sort((a, b) => b.estimate - a.estimate);
    const workers = await Promise.all(workerPromises);
    const parts = new Map<number, { order: number; part: TablePart }[]>();
    const progress = new TableProgress(opts.onProgress);
    const runWorker = async (w: Session): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        abort.signal.throwIfAborted();
        const part = await dumpPart(w, conn, writer, next, progress);
        const list = parts.get(next.t.item) ?? [];
        list.push({ order: next.order, part });
        parts.set(next.t.item, list);
      }
    };
    const dumpLargeObjects = async (): Promise<DumpManifest['largeObjects']> => {
      if (largeObjects.length === 0) return null;
      let bytes = 0;
      let written: WrittenStream;
      try {
        const source = Readable.from(encodeLargeObjects(main.client, largeObjects, (n) => {
          bytes += n;
          opts.onProgress?.({ table: '(large objects)', rows: 0, bytes });
        }));
        written = await writer.write(largeObjectsName, source);
      } catch (err) {
        throw describePgError(err, conn, 'dumping large objects');
      }
      return { count: largeObjects.length, bytes, sha256: written.sha256 };
    };

    const sequenceValues = await readSequenceValues(main, sequences).catch((err: unknown) => {
      throw describePgError(err, conn, 'reading sequence values');
    });
    // The first failure stops every other session; it, not their "connection closed" errors, is what gets reported.
    let firstError: Error | undefined;
    const guard = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => {
      if (firstError === undefined) {
        firstError = err instanceof Error ? err : new Error(String(err));
        abort.abort();
      }
      throw err;
    });
    const loPromise = guard(dumpLargeObjects());
    await Promise.allSettled([...workers.map((w) => guard(runWorker(w))), loPromise]);
    if (firstError !== undefined) throw firstError;
    const lo = await loPromise;

    const schemaFile: SchemaFile = { format: dumpFormat, version: dumpFormatVersion, items };
    await writer.write(schemaName, Readable.from([Buffer.from(JSON.stringify(schemaFile))]));
    const manifest: DumpManifest = {
      format: dumpFormat,
      version: dumpFormatVersion,
      server: { version: main.server.version, versionNum: main.server.versionNum },
      database: {
        name: catalog.database.name, encoding: catalog.database.encoding, collate: catalog.database.collate,
        ctype: catalog.database.ctype, localeProvider: catalog.database.provider, icuLocale: catalog.database.icu,
      },
      tables: tables.map((t): TableData => {
        const done = (parts.get(t.item) ?? []).sort((a, b) => a.order - b.order).map((p) => p.part);
        return {
          item: t.item, schema: t.schema, name: t.name, columns: [...t.columns], orderBy: t.orderBy === null ? null : [...t.orderBy], keyType: t.keyType,
          rows: done.reduce((n, p) => n + p.rows, 0), bytes: done.reduce((n, p) => n + p.bytes, 0), parts: done,
        };
      }),
      sequences: sequenceValues,
      largeObjects: lo,
      warnings,
    };
    for (const w of workers) await w.client.query('COMMIT');
    await main.client.query('COMMIT');
    await writer.write(manifestName, Readable.from([Buffer.from(JSON.stringify(manifest, null, 1))]));
    return {
      database: catalog.database.name,
      serverVersion: main.server.version,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
      bytes: manifest.tables.reduce((n, t) => n + t.bytes, 0) + (lo?.bytes ?? 0),
      largeObjects: lo?.count ?? 0,
      warnings,
      manifest,
    };
  } catch (err) {
    opts.signal?.throwIfAborted();
    throw err instanceof AirlockError ? err : describePgError(err, conn, 'dumping');
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    abort.abort();
    await Promise.all(opening);
    await Promise.all(sessions.map((s) => s.close()));
  }
}
