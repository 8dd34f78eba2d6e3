// Writes a PostgreSQL dump as one plain SQL script (COPY … FROM stdin blocks included) that psql loads into an empty database.

import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DumpReader } from '../dump-streams.ts';
import { largeObjectsName, loadDump, type SchemaItem } from './dump-format.ts';
import { decodeLargeObjects } from './large-objects.ts';
import { selectRelations } from './selection.ts';
import { displayName, ident, literal, qualified } from './sql-text.ts';

export interface PostgresExportOptions {
  readonly tables?: readonly string[];
  readonly schemaOnly?: boolean;
  readonly dataOnly?: boolean;
  readonly signal?: AbortSignal;
  /** End `out` when done (default true). */
  readonly end?: boolean;
}

export interface PostgresExportSummary {
  readonly tables: number;
  readonly rows: number;
  readonly bytes: number;
  readonly warnings: readonly string[];
}

const header = `SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET DateStyle = 'ISO';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
`;

function itemText(item: SchemaItem): string {
  const title = `${item.kind} ${item.schema === null ? '' : `${item.schema}.`}${item.name}`.replace(/[\r\n]+/g, ' ');
  const owner = item.ownerSql === null ? '' : `\n${item.ownerSql}`;
  return `\n-- ${title}\n${item.sql}${owner}\n`;
}

/**
 * Streams the dump as SQL into `out`. Rows are copied through untouched (COPY text format), so the script
 * is as exact as a restore; objects owned by roles that do not exist make psql print an error and go on,
 * as with pg_dump's plain format.
 */
export async function exportPostgresSql(reader: DumpReader, out: Writable, opts: PostgresExportOptions = {}): Promise<PostgresExportSummary> {
  const { manifest, items } = await loadDump(reader);
  const warnings: string[] = [];
  let chosen: readonly SchemaItem[] = items;
  let relations: ReadonlySet<number> | null = null;
  if (opts.tables !== undefined) {
    const sel = selectRelations(items, opts.tables);
    chosen = items.filter((i) => sel.items.has(i.id));
    relations = sel.relations;
    warnings.push(...sel.warnings);
  }
  const schema = opts.dataOnly !== true;
  const data = opts.schemaOnly !== true;
  const run = chosen.filter((i) => {
    if (!schema) return i.kind === 'REFRESH MATERIALIZED VIEW';
    if (!data) return i.kind !== 'REFRESH MATERIALIZED VIEW' && i.kind !== 'LARGE OBJECT' && !(i.kind === 'ACL' && i.name.startsWith('LARGE OBJECT '));
    return true;
  });
  const tables = data ? manifest.tables.filter((t) => relations === null || relations.has(t.item)) : [];
  const included = new Set(run.map((i) => i.id));
  let rows = 0;
  let bytes = 0;

  async function* script(): AsyncGenerator<string | Buffer> {
    yield `--\n-- PostgreSQL database "${manifest.database.name.replace(/[\r\n]+/g, ' ')}" exported by Airlock (server ${manifest.server.version}).\n`;
    yield `-- Load it into an empty database: psql -v ON_ERROR_STOP=1 -d newdb -f this-file.sql\n--\n\n${header}`;
    for (const item of run) if (item.section === 'pre-data') yield itemText(item);
    for (const t of tables) {
      opts.signal?.throwIfAborted();
      const columns = t.columns.length === 0 ? '' : ` (${t.columns.map(ident).join(', ')})`;
      yield `\n-- Data for ${displayName(t.schema, t.name).replace(/[\r\n]+/g, ' ')}\nCOPY ${qualified(t.schema, t.name)}${columns} FROM stdin;\n`;
      for (const part of t.parts) {
        for await (const chunk of reader.open(part.stream) as AsyncIterable<Buffer>) {
          bytes += chunk.length;
          yield chunk;
        }
      }
      rows += t.rows;
      yield '\\.\n';
    }
    if (data) {
      for (const seq of manifest.sequences) {
        if (relations !== null && !included.has(seq.item)) continue;
        yield `SELECT pg_catalog.setval(${literal(qualified(seq.schema, seq.name))}, ${seq.lastValue}, ${seq.isCalled ? 'true' : 'false'});\n`;
      }
    }
    if (data && manifest.largeObjects !== null && relations === null) {
      yield '\n-- Large objects\nBEGIN;\n';
      for await (const ev of decodeLargeObjects(reader.open(largeObjectsName))) {
        opts.signal?.throwIfAborted();
        if (ev.type === 'start') yield `SELECT pg_catalog.lo_create(${ev.oid});\n`;
        else if (ev.type === 'data') yield `SELECT pg_catalog.lo_put(${ev.oid}, ${ev.offset}, '\\x${ev.data.toString('hex')}');\n`;
      }
      yield 'COMMIT;\n';
    }
    for (const item of run) if (item.section === 'table-bound') yield itemText(item);
    for (const item of run) if (item.section === 'late') yield itemText(item);
  }

  const source = Readable.from(script());
  await pipeline(source, out, { end: opts.end !== false, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
  return { tables: tables.length, rows, bytes, warnings };
}
