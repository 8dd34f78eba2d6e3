// Exports a SQLite database as plain SQL that the sqlite3 shell loads into an empty database, streamed row by row.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type Database from 'better-sqlite3';
import type { ProgressListener } from '../../progress.ts';
import { describeSqliteError } from './failures.ts';
import { quoteIdentifier, sqlLiteral } from './literals.ts';
import type { SqliteValue } from './literals.ts';
import { defaultBusyTimeoutMs, openReadOnly } from './open.ts';
import { insertIntoSql, planSchema, selectRowsSql } from './schema.ts';
import type { SchemaPlan, TablePlan } from './schema.ts';

export interface ExportSqlOptions {
  /** Only these tables (and views), with their indexes and triggers. Unknown names are an error. */
  readonly tables?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  readonly busyTimeoutMs?: number;
}

export interface ExportSqlResult {
  readonly tables: number;
  readonly rows: number;
  /** Things a person should know: foreign keys to tables left out, full-text tables that load empty. */
  readonly warnings: readonly string[];
}

/** Output is handed to the stream in chunks of about this size; a multi-row INSERT ends at about this size too. */
const chunkChars = 256 * 1024;
const rowsPerInsert = 500;

/**
 * Writes the database at `dbPath` to `out` as SQL: schema and rows of every table in creation order, then
 * indexes, views and triggers (after the rows, so loading is fast and triggers do not fire), AUTOINCREMENT
 * counters and user_version, all in one transaction. Reads one consistent snapshot; memory stays bounded
 * because rows are streamed and `out`'s back-pressure is respected. `out` is left open for the caller to end.
 */
export async function exportSql(dbPath: string, out: NodeJS.WritableStream | Writable, opts: ExportSqlOptions = {}): Promise<ExportSqlResult> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? defaultBusyTimeoutMs;
  opts.signal?.throwIfAborted();
  const opened = await openReadOnly(dbPath, { busyTimeoutMs });
  const sink = new SqlSink(out, opts.signal);
  try {
    const plan = planSchema(opened.db, `The SQLite database ${dbPath}`, opts.tables);
    const version = String(opened.db.prepare('SELECT sqlite_version()').pluck().get());
    sink.push(`-- SQLite database exported by Airlock (SQLite ${version}).\n-- Load it into an empty database: sqlite3 new.sqlite < this-file.sql\n`);
    sink.push('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n');
    let rows = 0;
    for (const table of plan.tables) {
      opts.signal?.throwIfAborted();
      sink.push(`\n-- Table ${quoteIdentifier(table.name)}\n${statement(table.sql)}`);
      if (table.copyRows) rows = await writeRows(opened.db, table, sink, rows, opts.onProgress);
    }
    writeTail(plan, sink);
    await sink.flush();
    opts.onProgress?.({ phase: 'export', bytesDone: sink.bytes, itemsDone: rows });
    return { tables: plan.tables.length, rows, warnings: plan.warnings };
  } catch (err) {
    throw describeSqliteError(err, dbPath, 'exporting it as SQL', busyTimeoutMs);
  } finally {
    sink.dispose();
    await opened.close();
  }
}

async function writeRows(db: Database.Database, table: TablePlan, sink: SqlSink, rowsBefore: number, onProgress: ProgressListener | undefined): Promise<number> {
  const stmt = db.prepare<[], SqliteValue[]>(selectRowsSql(table)).safeIntegers(true).raw(true);
  const insert = `${insertIntoSql(table)} VALUES\n`;
  let rows = rowsBefore;
  let inStatement = 0;
  let statementChars = 0;
  for (const values of stmt.iterate()) {
    const tuple = `(${values.map(sqlLiteral).join(',')})`;
    if (inStatement === 0) sink.push(insert);
    else sink.push(',\n');
    sink.push(tuple);
    inStatement += 1;
    statementChars += tuple.length;
    rows += 1;
    if (inStatement >= rowsPerInsert || statementChars >= chunkChars) {
      sink.push(';\n');
      inStatement = 0;
      statementChars = 0;
    }
    if (sink.pending >= chunkChars) {
      // The iterator keeps its place while the output drains: the read transaction holds the snapshot.
      await sink.flush();
      onProgress?.({ phase: 'export', current: table.name, bytesDone: sink.bytes, itemsDone: rows });
    }
  }
  if (inStatement > 0) sink.push(';\n');
  return rows;
}

function writeTail(plan: SchemaPlan, sink: SqlSink): void {
  const section = (title: string, sqls: readonly string[]): void => {
    if (sqls.length > 0) sink.push(`\n-- ${title}\n${sqls.map(statement).join('')}`);
  };
  section('Indexes', plan.indexes.map((o) => o.sql));
  section('Views', plan.views.map((o) => o.sql));
  section('Triggers', plan.triggers.map((o) => o.sql));
  section(
    'AUTOINCREMENT counters',
    plan.sequences.flatMap((s) => [
      `DELETE FROM "sqlite_sequence" WHERE "name" = ${sqlLiteral(s.name)}`,
      `INSERT INTO "sqlite_sequence"("name","seq") VALUES(${sqlLiteral(s.name)},${sqlLiteral(s.seq)})`,
    ]),
  );
  if (plan.userVersion !== 0) sink.push(`PRAGMA user_version=${plan.userVersion};\n`);
  if (plan.applicationId !== 0) sink.push(`PRAGMA application_id=${plan.applicationId};\n`);
  sink.push('COMMIT;\n');
}

/** Ends a stored CREATE statement; a trailing "--" comment would swallow a semicolon on the same line. */
function statement(sql: string): string {
  const lastLine = sql.slice(sql.lastIndexOf('\n') + 1);
  return lastLine.includes('--') ? `${sql}\n;\n` : `${sql};\n`;
}

/** Collects SQL text and hands it to the stream in chunks, waiting for 'drain' when the stream asks to. */
class SqlSink {
  readonly #out: NodeJS.WritableStream | Writable;
  readonly #signal: AbortSignal | undefined;
  #parts: string[] = [];
  #pending = 0;
  #failure: Error | undefined = undefined;
  #bytes = 0;
  readonly #onError = (err: unknown): void => {
    this.#failure ??= err instanceof Error ? err : new Error(String(err));
  };

  constructor(out: NodeJS.WritableStream | Writable, signal: AbortSignal | undefined) {
    this.#out = out;
    this.#signal = signal;
    out.on('error', this.#onError);
  }

  get pending(): number {
    return this.#pending;
  }

  /** Bytes handed to the stream so far. */
  get bytes(): number {
    return this.#bytes;
  }

  push(text: string): void {
    this.#parts.push(text);
    this.#pending += text.length;
  }

  async flush(): Promise<void> {
    this.#throwIfFailed();
    this.#signal?.throwIfAborted();
    if (this.#parts.length === 0) return;
    const chunk = this.#parts.join('');
    this.#parts = [];
    this.#pending = 0;
    this.#bytes += Buffer.byteLength(chunk);
    if (!this.#out.write(chunk)) await once(this.#out, 'drain', this.#signal === undefined ? {} : { signal: this.#signal });
    this.#throwIfFailed();
  }

  dispose(): void {
    this.#out.removeListener('error', this.#onError);
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
