// Dumps one MySQL/MariaDB database into named streams: one consistent snapshot shared by parallel workers, a data stream per table, schema.json and manifest.json.

import { Readable } from 'node:stream';
import { AirlockError, describeIoError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';
import type { DumpWriter, WrittenStream } from '../dump-streams.ts';
import {
  databaseInfo,
  dumpColumn,
  listColumns,
  listEvents,
  listKeys,
  listRoutines,
  listTables,
  listTriggers,
  listViews,
  orderViews,
  readSequence,
  rowOrder,
  selectExpression,
  showCreateTable,
  type TableInfo,
} from './catalog-queries.ts';
import { describeMysqlError, openMysql, workerCount, type MysqlServer, type MysqlSession, type RowQuery } from './connect.ts';
import {
  dumpFormat,
  dumpFormatVersion,
  manifestStream,
  schemaStream,
  streamNames,
  type DumpManifest,
  type DumpSchema,
  type DumpSequence,
  type DumpTable,
  type ManifestTable,
} from './dump-format.ts';
import { RowEncoder } from './row-format.ts';
import { quoteIdent } from './sql-text.ts';
import { definitionFingerprint, splitCreateTable } from './table-definition.ts';

export interface MysqlDumpProgress {
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  /** The server's estimate of the table's rows (InnoDB's is approximate). */
  readonly rowsTotal?: number;
}

export interface MysqlDumpOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: MysqlDumpProgress) => void;
  /** Tables read at the same time, each on its own connection (default 2). */
  readonly parallel?: number;
  /** Dump only these tables (and their triggers); views, routines and events are left out. */
  readonly tables?: readonly string[];
  /** Hold a global read lock until the non-transactional (MyISAM, Aria…) tables are read, so they are consistent too. */
  readonly lockNonTransactional?: boolean;
}

export interface MysqlDumpSummary {
  readonly database: string;
  readonly server: MysqlServer;
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly bytes: number; readonly sha256: string }[];
  readonly rows: number;
  readonly bytes: number;
  readonly views: number;
  readonly routines: number;
  readonly triggers: number;
  readonly events: number;
  readonly sequences: number;
  /** Connections that read tables at the same time. */
  readonly parallel: number;
  /** Tables in engines outside the transaction (MyISAM, Aria…): not crash-consistent unless locked. */
  readonly notCrashConsistent: readonly string[];
  readonly warnings: readonly string[];
}

interface PlannedTable {
  readonly info: TableInfo;
  readonly dump: DumpTable;
  readonly fingerprint: string;
  readonly stream: string;
  readonly select: string;
  readonly orderBy: readonly string[];
}

const workerSetup = (s: MysqlSession): string[] => [
  "SET SESSION sql_mode = ''",
  "SET SESSION time_zone = '+00:00'",
  // Column values arrive as the bytes stored, in the column's own character set.
  'SET SESSION character_set_results = binary',
  // A slow repository must not make the server give up on a long result set.
  'SET SESSION net_write_timeout = 86400',
  'SET SESSION wait_timeout = 86400',
  s.server.flavor === 'mariadb' ? 'SET SESSION max_statement_time = 0' : 'SET SESSION max_execution_time = 0',
  'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
];

const controlSetup = ["SET SESSION sql_mode = ''", 'SET SESSION sql_quote_show_create = 1', "SET SESSION time_zone = '+00:00'", 'SET NAMES utf8mb4'];

function isPrivilegeError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_ERROR';
}

interface TableStream {
  readonly stream: Readable;
  /** The server or driver error that ended the stream, as opposed to one from the writer. */
  sourceError(): unknown;
}

/** Streams one table's rows through the encoder with back-pressure from the writer to the server. */
function tableStream(w: MysqlSession, t: PlannedTable, onChunk: (rows: number, bytes: number) => void, done: (rows: number, bytes: number) => void): TableStream {
  let ended = false;
  let sourceError: unknown;
  let query: RowQuery | undefined;
  const stream = new Readable({
    highWaterMark: 1 << 20,
    read() {
      // The query starts on the first read, once the writer is consuming: an error (such as 1412 for a table
      // altered since the snapshot) then always has a listener.
      if (query) query.resume();
      else query = start();
    },
    destroy(err, callback) {
      // Leaving the query running would keep the connection busy forever; the dump has failed anyway.
      if (!ended) w.destroy();
      callback(err);
    },
  });
  // The writer sees errors through its own pipeline; this only keeps a late-attaching writer from crashing the process.
  stream.on('error', () => undefined);
  const fail = (err: unknown): void => {
    sourceError ??= err;
    stream.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  const encoder = new RowEncoder(t.dump.columns.map((c) => c.encoding), (chunk) => {
    if (!stream.push(chunk)) query?.pause();
    onChunk(encoder.rows, encoder.bytes);
  });
  const start = (): RowQuery => w.streamRows(t.select, {
    onRow(packet, from, to) {
      try {
        encoder.addPayload(packet, from, to);
      } catch (err) {
        fail(err);
      }
    },
    onEnd() {
      if (stream.destroyed) return;
      encoder.flush();
      ended = true;
      done(encoder.rows, encoder.bytes);
      stream.push(null);
    },
    onError: fail,
  });
  return { stream, sourceError: () => sourceError };
}

/** Errors from mysql2 (server errors carry sqlState, network ones `fatal`); anything else came from the writer. */
function isDriverError(err: unknown): boolean {
  return err instanceof Error && ('sqlState' in err || 'fatal' in err);
}

function tableError(err: unknown, conn: DatabaseConnection, table: string): AirlockError {
  if ((err as { code?: string }).code === 'ER_TABLE_DEF_CHANGED') {
    return new AirlockError('SOURCE_CHANGED', `Table "${table}" was changed (DDL) while the dump was running, so no consistent copy of it could be taken. Run the backup again when no schema changes are running; nothing was stored.`, { cause: err });
  }
  if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') {
    return new AirlockError('SOURCE_CHANGED', `Table "${table}" was dropped or renamed while the dump was running. Run the backup again when no schema changes are running; nothing was stored.`, { cause: err });
  }
  return describeMysqlError(err, conn, `dumping table "${table}"`);
}

export async function dumpMysql(conn: DatabaseConnection, writer: DumpWriter, opts: MysqlDumpOptions = {}): Promise<MysqlDumpSummary> {
  const db = conn.database;
  if (db === undefined) {
    throw new AirlockError('SOURCE_INVALID', `The address ${describeConnection(conn)} names no database. Add one after the port, like mysql://user@host:3306/shop.`);
  }
  if (opts.signal?.aborted) throw new AirlockError('CANCELLED', `The dump of database "${db}" was cancelled before it started; nothing was stored.`);
  // One controller for everything we open: cancelling, or the first failure, drops every connection at once.
  const internal = new AbortController();
  const onOuterAbort = (): void => {
    internal.abort(opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const sessions: MysqlSession[] = [];
  const warnings: string[] = [];
  try {
    const ctl = await openMysql(conn, { signal: internal.signal, doing: `opening database "${db}"` });
    sessions.push(ctl);
    for (const sql of controlSetup) await ctl.run(sql);

    let tables = await listTables(ctl, db);
    if (opts.tables !== undefined) {
      const known = new Set(tables.map((t) => t.name));
      const missing = opts.tables.filter((t) => !known.has(t));
      if (missing.length > 0) {
        throw new AirlockError('USAGE', `Database "${db}" has no table ${missing.map((m) => `"${m}"`).join(', ')}.`);
      }
      const wanted = new Set(opts.tables);
      tables = tables.filter((t) => wanted.has(t.name));
    }
    const dataTables = tables.filter((t) => t.kind === 'table');
    const nonTransactional = dataTables.filter((t) => !t.transactional).map((t) => t.name);
    const lockNonTx = opts.lockNonTransactional === true && nonTransactional.length > 0;

    // Consistency: every worker starts its snapshot while commits are blocked, so all of them see the same moment.
    // The connections are opened first, so that the global read lock lasts only as long as starting the snapshots.
    const wanted = workerCount(opts.parallel, dataTables.length);
    let workers: MysqlSession[] = [];
    for (let i = 0; i < wanted; i++) {
      const w = await openMysql(conn, { signal: internal.signal, doing: `opening database "${db}"` });
      sessions.push(w);
      workers.push(w);
      for (const sql of workerSetup(w)) await w.run(sql);
    }
    let locked = false;
    if (wanted > 1 || lockNonTx) {
      try {
        // While FLUSH TABLES WITH READ LOCK waits for running statements it holds up writers, so it may wait only briefly.
        await ctl.run('SET SESSION lock_wait_timeout = 10');
        await ctl.run('FLUSH TABLES WITH READ LOCK');
        locked = true;
      } catch (err) {
        if (!isPrivilegeError(err) && (err as { code?: string }).code !== 'ER_LOCK_WAIT_TIMEOUT') throw err;
        const why = isPrivilegeError(err) ? `user "${conn.user}" lacks the RELOAD privilege` : 'a global read lock could not be taken within 10 s';
        warnings.push(`Tables were read one at a time on a single connection because ${why}; parallel reading needs a brief FLUSH TABLES WITH READ LOCK to share one snapshot.`);
        if (lockNonTx) warnings.push('The non-transactional tables could not be locked, so they are not crash-consistent.');
        for (const extra of workers.slice(1)) await extra.close();
        workers = workers.slice(0, 1);
      }
    }
    await Promise.all(workers.map((w) => w.run('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')));
    if (locked && !lockNonTx) {
      await ctl.run('UNLOCK TABLES');
      locked = false;
    }

    // The schema is read after the snapshot started: a change after this point either fails the read of that table
    // (error 1412) or shows up in the definition check at the end.
    const dbInfo = await databaseInfo(ctl, db);
    if (!dbInfo) throw new AirlockError('SOURCE_NOT_FOUND', `Database "${db}" disappeared while the dump started.`);
    const columns = await listColumns(ctl, db);
    const keys = await listKeys(ctl, db);
    const names = streamNames(dataTables.map((t) => t.name));
    const planned: PlannedTable[] = [];
    const sequences: DumpSequence[] = [];
    for (const info of tables) {
      if (info.kind === 'sequence') {
        sequences.push(await readSequence(ctl, info.name));
        continue;
      }
      const create = await showCreateTable(ctl, info.name).catch((err: unknown) => {
        throw tableError(err, conn, info.name);
      });
      const cols = columns.get(info.name) ?? [];
      const autoInc = cols.find((c) => c.autoIncrement)?.name;
      const split = splitCreateTable(create, autoInc);
      const dumpCols = cols.filter((c) => !c.generated).map(dumpColumn);
      const order = info.engine.toLowerCase() === 'innodb' ? rowOrder(keys.get(info.name) ?? [], create) : undefined;
      const select = `SELECT ${dumpCols.length === 0 ? '1' : dumpCols.map(selectExpression).join(', ')} FROM ${quoteIdent(info.name)}${order ? ` ORDER BY ${order.map(quoteIdent).join(', ')}` : ''}`;
      if (info.systemVersioned) warnings.push(`Table "${info.name}" is system-versioned; only its current rows are in the dump, not its history.`);
      planned.push({
        info,
        fingerprint: definitionFingerprint(create),
        stream: names.get(info.name) as string,
        select,
        orderBy: order ?? [],
        dump: {
          name: info.name,
          engine: info.engine,
          create: split.create,
          indexes: [...split.indexes],
          fulltext: [...split.fulltext],
          foreignKeys: [...split.foreignKeys],
          references: [...new Set(split.references.filter(([d]) => d === undefined || d === db).map(([, t]) => t))],
          columns: dumpCols,
        },
      });
    }
    const full = opts.tables === undefined;
    const tableSet = new Set(planned.map((p) => p.info.name));
    const viewsRaw = full ? await listViews(ctl, db, columns) : [];
    const { views, cyclic } = orderViews(viewsRaw);
    const routines = full ? await listRoutines(ctl, db) : [];
    const triggers = (await listTriggers(ctl, db)).filter((t) => tableSet.has(t.table));
    const events = full ? await listEvents(ctl, db) : [];

    // Data: biggest tables first so that workers finish together; locked non-transactional ones before anything else.
    const queue = [...planned].sort((a, b) => {
      if (lockNonTx && a.info.transactional !== b.info.transactional) return a.info.transactional ? 1 : -1;
      return b.info.dataLength - a.info.dataLength || a.info.name.localeCompare(b.info.name);
    });
    let pendingNonTx = lockNonTx ? nonTransactional.length : 0;
    const results = new Map<string, ManifestTable>();
    let failure: { error: unknown } | undefined;
    const runWorker = async (w: MysqlSession): Promise<void> => {
      for (;;) {
        const t = queue.shift();
        if (!t || failure) return;
        const rowsTotal = t.info.rowsEstimate;
        let result: { rows: number; bytes: number } | undefined;
        let written: WrittenStream;
        const handle = tableStream(w, t, (rows, bytes) => {
          opts.onProgress?.({ table: t.info.name, rows, bytes, rowsTotal });
        }, (rows, bytes) => {
          result = { rows, bytes };
        });
        try {
          written = await writer.write(t.stream, handle.stream);
          if (!result) throw new Error(`the rows of table "${t.info.name}" ended early`);
        } catch (err) {
          const source = handle.sourceError() ?? (isDriverError(err) ? err : undefined);
          const error = source !== undefined
            ? tableError(source, conn, t.info.name)
            : internal.signal.aborted ? err : describeIoError(err, `storing table "${t.info.name}"`);
          failure ??= { error };
          internal.abort(failure.error);
          return;
        }
        opts.onProgress?.({ table: t.info.name, rows: result.rows, bytes: result.bytes, rowsTotal: result.rows });
        results.set(t.info.name, {
          name: t.info.name,
          stream: t.stream,
          rows: result.rows,
          bytes: result.bytes,
          sha256: written.sha256,
          ordered: t.orderBy.length > 0,
          orderBy: [...t.orderBy],
          transactional: t.info.transactional,
        });
        if (locked && !t.info.transactional && --pendingNonTx === 0) {
          await ctl.run('UNLOCK TABLES');
          locked = false;
        }
      }
    };
    await Promise.all(workers.map(runWorker));
    if (failure) throw failure.error;
    if (locked) {
      await ctl.run('UNLOCK TABLES');
      locked = false;
    }

    // The workers still hold metadata locks on every table they read, so no DDL can slip in after this check.
    for (const t of planned) {
      const now = definitionFingerprint(await showCreateTable(ctl, t.info.name));
      if (now !== t.fingerprint) {
        throw new AirlockError('SOURCE_CHANGED', `Table "${t.info.name}" was changed (DDL) while the dump was running, so its rows and its definition no longer match. Run the backup again when no schema changes are running; nothing was stored.`);
      }
    }
    await Promise.all(workers.map((w) => w.run('COMMIT')));

    const notCrashConsistent = lockNonTx && !warnings.some((w) => w.includes('could not be locked')) ? [] : nonTransactional;
    if (notCrashConsistent.length > 0) {
      warnings.push(`Table${notCrashConsistent.length === 1 ? '' : 's'} ${notCrashConsistent.map((n) => `"${n}"`).join(', ')} use${notCrashConsistent.length === 1 ? 's' : ''} a non-transactional engine (MyISAM, Aria…) and ${notCrashConsistent.length === 1 ? 'is' : 'are'} not crash-consistent unless locked (lockNonTransactional).`);
    }
    const schema: DumpSchema = {
      database: dbInfo,
      tables: planned.map((p) => p.dump),
      sequences,
      views,
      viewsNeedPlaceholders: cyclic,
      routines,
      triggers,
      events,
    };
    const manifest: DumpManifest = {
      format: dumpFormat,
      version: dumpFormatVersion,
      server: { version: ctl.server.version, flavor: ctl.server.flavor },
      database: db,
      tables: planned.map((p) => results.get(p.info.name) as ManifestTable),
      warnings,
    };
    await writer.write(schemaStream, Readable.from([Buffer.from(JSON.stringify(schema, null, 1))]));
    await writer.write(manifestStream, Readable.from([Buffer.from(JSON.stringify(manifest, null, 1))]));
    const tableSummaries = manifest.tables.map((t) => ({ name: t.name, rows: t.rows, bytes: t.bytes, sha256: t.sha256 }));
    return {
      database: db,
      server: ctl.server,
      tables: tableSummaries,
      rows: tableSummaries.reduce((n, t) => n + t.rows, 0),
      bytes: tableSummaries.reduce((n, t) => n + t.bytes, 0),
      views: views.length,
      routines: routines.length,
      triggers: triggers.length,
      events: events.length,
      sequences: sequences.length,
      parallel: workers.length,
      notCrashConsistent,
      warnings,
    };
  } catch (err) {
    for (const s of sessions) s.destroy();
    if (opts.signal?.aborted) throw new AirlockError('CANCELLED', `The dump of database "${db}" was cancelled; nothing was stored.`, { cause: err });
    throw isDriverError(err) ? describeMysqlError(err, conn, `dumping database "${db}"`, db) : err;
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await Promise.all(sessions.map((s) => s.close()));
  }
}
