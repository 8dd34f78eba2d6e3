// Checks a restored database against the dump it came from: every table's row count and the checksum of its rows, read back in the dump's own format.

import { createHash } from 'node:crypto';
import { AirlockError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';
import type { DumpReader } from '../dump-streams.ts';
import { selectExpression } from './catalog-queries.ts';
import { describeMysqlError, openMysql, type MysqlSession } from './connect.ts';
import { openDump, selectTables, type DumpTable, type ManifestTable } from './dump-format.ts';
import { readLines, RowEncoder } from './row-format.ts';
import { quoteIdent } from './sql-text.ts';

export interface MysqlVerifyResult {
  readonly table: string;
  readonly expectedRows: number;
  readonly actualRows: number;
  readonly ok: boolean;
}

export interface MysqlVerifyOptions {
  readonly tables?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { table: string; rows: number }) => void;
}

/** An order-independent digest of lines: the sum of their hashes modulo 2^128, so duplicates count. */
class LineMultiset {
  private sum = 0n;
  private carry: Buffer[] = [];

  addChunk(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(10, start);
      if (lf === -1) break;
      const piece = chunk.subarray(start, lf);
      const line = this.carry.length > 0 ? Buffer.concat([...this.carry, piece]) : piece;
      this.carry = [];
      this.addLine(line);
      start = lf + 1;
    }
    if (start < chunk.length) this.carry.push(Buffer.from(chunk.subarray(start)));
  }

  addLine(line: Buffer): void {
    const h = createHash('sha256').update(line).digest();
    this.sum = (this.sum + h.readBigUInt64BE(0) * 2n ** 64n + h.readBigUInt64BE(8)) % 2n ** 128n;
  }

  value(): bigint {
    return this.sum;
  }
}

interface ReadBack {
  readonly rows: number;
  readonly sha256: string;
  readonly multiset: bigint | undefined;
}

/** Reads a table from the target exactly as the dump read it from the source. */
function readBack(s: MysqlSession, t: DumpTable, m: ManifestTable, withMultiset: boolean): Promise<ReadBack> {
  const multiset = withMultiset ? new LineMultiset() : undefined;
  const hash = createHash('sha256');
  const encoder = new RowEncoder(t.columns.map((c) => c.encoding), (chunk) => {
    hash.update(chunk);
    multiset?.addChunk(chunk);
  });
  const order = m.orderBy.length > 0 ? ` ORDER BY ${m.orderBy.map(quoteIdent).join(', ')}` : '';
  const sql = `SELECT ${t.columns.length === 0 ? '1' : t.columns.map(selectExpression).join(', ')} FROM ${quoteIdent(t.name)}${order}`;
  return new Promise((resolve, reject) => {
    s.streamRows(sql, {
      onRow(packet, from, to) {
        encoder.addPayload(packet, from, to);
      },
      onEnd() {
        encoder.flush();
        resolve({ rows: encoder.rows, sha256: hash.digest('hex'), multiset: multiset?.value() });
      },
      onError: reject,
    });
  });
}

async function dumpMultiset(reader: DumpReader, m: ManifestTable): Promise<bigint> {
  const set = new LineMultiset();
  for await (const line of readLines(reader.open(m.stream) as AsyncIterable<Buffer>)) set.addLine(line);
  return set.value();
}

/**
 * Compares each table of `conn`'s database with the dump. Tables dumped in key order must give the same bytes;
 * tables without a usable key are compared as a multiset of rows, since the server may return them in another order.
 */
export async function verifyMysql(reader: DumpReader, conn: DatabaseConnection, opts: MysqlVerifyOptions = {}): Promise<MysqlVerifyResult[]> {
  if (conn.database === undefined) throw new AirlockError('USAGE', `The address ${describeConnection(conn)} names no database to verify.`);
  const { manifest, schema } = await openDump(reader);
  const selected = selectTables(schema, opts.tables);
  const manifestOf = new Map(manifest.tables.map((t) => [t.name, t]));
  const s = await openMysql(conn, { signal: opts.signal, doing: `verifying database "${conn.database}"` });
  try {
    for (const sql of ["SET SESSION sql_mode = ''", "SET SESSION time_zone = '+00:00'", 'SET SESSION character_set_results = binary']) await s.run(sql);
    const results: MysqlVerifyResult[] = [];
    for (const t of selected) {
      const m = manifestOf.get(t.name);
      if (!m) continue;
      const got = await readBack(s, t, m, !m.ordered);
      let ok = got.rows === m.rows && got.sha256 === m.sha256;
      if (!ok && !m.ordered && got.rows === m.rows) ok = got.multiset === (await dumpMultiset(reader, m));
      opts.onProgress?.({ table: t.name, rows: got.rows });
      results.push({ table: t.name, expectedRows: m.rows, actualRows: got.rows, ok });
    }
    return results;
  } catch (err) {
    throw err instanceof AirlockError ? err : describeMysqlError(err, conn, `verifying database "${conn.database}"`);
  } finally {
    await s.close();
  }
}
