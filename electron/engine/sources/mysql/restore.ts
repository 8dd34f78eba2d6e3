// Restores a MySQL/MariaDB dump into a target database: tables, then data through LOAD DATA LOCAL from the streams (in parallel), then indexes, foreign keys and stored programs.

import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { AirlockError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';
import type { DumpReader } from '../dump-streams.ts';
import { databaseInfo, listTriggers, needsTextConversion } from './catalog-queries.ts';
import { describeMysqlError, openMysql, workerCount, type MysqlSession } from './connect.ts';
import { missingParentWarnings, openDump, selectTables, type DumpSchema, type DumpTable, type DumpTrigger, type ManifestTable } from './dump-format.ts';
import { retryDeadlocks } from './deadlock-retry.ts';
import { InsertBatcher } from './insert-statements.ts';
import { countRows, decodeLine, readLines, rowRange } from './row-format.ts';
import { baseSession, createTableSteps, foreignKeySteps, indexSteps, programSteps, sequenceSteps, triggerSteps, type SqlStep } from './schema-statements.ts';
import { quoteIdent, quoteString } from './sql-text.ts';

export interface MysqlRestoreProgress {
  readonly phase: 'schema' | 'data' | 'indexes' | 'foreign-keys' | 'programs';
  /** The table (or object) being worked on. */
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly rowsTotal: number;
  readonly bytesTotal: number;
}

export interface MysqlRestoreOptions {
  /** Restore into an existing database that already holds objects (full restore: it is dropped and created again). */
  readonly overwrite?: boolean;
  /** Restore only these tables (and their triggers). */
  readonly tables?: readonly string[];
  readonly schemaOnly?: boolean;
  /** Load rows into tables that already exist. */
  readonly dataOnly?: boolean;
  /** Tables loaded at the same time (default 2). */
  readonly parallel?: number;
  /** Tables at least this large are loaded in row ranges on all connections at once (default 32 MiB). */
  readonly splitTableBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: MysqlRestoreProgress) => void;
}

export interface MysqlRestoreSummary {
  readonly database: string;
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly bytes: number }[];
  readonly rows: number;
  readonly bytes: number;
  readonly views: number;
  readonly routines: number;
  readonly triggers: number;
  readonly events: number;
  readonly sequences: number;
  /** How rows went in: LOAD DATA LOCAL from the streams, or INSERT batches when the server refuses LOCAL. */
  readonly loadMethod: 'load-data' | 'insert';
  /** Objects that could not be created (e.g. a view over a table that no longer existed in the source). */
  readonly notRestored: readonly string[];
  readonly warnings: readonly string[];
}

/** Largest piece handed to the driver at once: each becomes one protocol packet, which must fit max_allowed_packet. */
const maxPiece = 1 << 20;
/** Bytes the socket may hold before the infile source waits; mysql2 itself ignores back-pressure on LOAD DATA LOCAL. */
const socketHighWater = 4 << 20;

function waitForDrain(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Rows [from, to) of a table's data stream, as one LOAD DATA reads them. */
interface RowSpan {
  readonly from: number;
  readonly to: number;
}

/** The rows of a span cut into packet-sized pieces, paced by the socket, counting rows as they go. */
function infileSource(reader: DumpReader, stream: string, span: RowSpan, socket: Socket, onPiece: (rows: number, bytes: number) => void): Readable {
  async function* pieces(): AsyncGenerator<Buffer> {
    for await (const chunk of rowRange(reader.open(stream) as AsyncIterable<Buffer>, span.from, span.to)) {
      for (let at = 0; at < chunk.length; at += maxPiece) {
        const piece = chunk.subarray(at, at + maxPiece);
        if (socket.writableLength > socketHighWater) await waitForDrain(socket);
        onPiece(countRows(piece), piece.length);
        yield piece;
      }
    }
  }
  return Readable.from(pieces(), { objectMode: false });
}

function loadDataStatement(t: DumpTable): string {
  const targets: string[] = [];
  const sets: string[] = [];
  t.columns.forEach((c, i) => {
    if (needsTextConversion(c)) {
      targets.push(`@v${i}`);
      sets.push(`${quoteIdent(c.name)} = CONVERT(@v${i} USING utf8mb4)`);
    } else {
      targets.push(quoteIdent(c.name));
    }
  });
  return `LOAD DATA LOCAL INFILE 'airlock.rows' INTO TABLE ${quoteIdent(t.name)} CHARACTER SET binary`
    + ` FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'`
    + ` (${targets.join(', ')})${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`;
}

function localInfileRefused(err: unknown): boolean {
  const errno = (err as { errno?: number }).errno;
  return errno === 1148 || errno === 3948 || errno === 4166;
}

async function firstWarnings(s: MysqlSession): Promise<string> {
  const rows = await s.query('SHOW WARNINGS LIMIT 3');
  return rows.map((r) => String(r.Message)).join('; ');
}

interface Loaded {
  readonly rows: number;
  readonly bytes: number;
  readonly warnings: string[];
}

async function loadWithLoadData(w: MysqlSession, reader: DumpReader, t: DumpTable, m: ManifestTable, span: RowSpan, progress: (rows: number, bytes: number) => void): Promise<Loaded> {
  let rows = 0;
  let bytes = 0;
  let source: Readable | undefined;
  const expected = span.to - span.from;
  try {
    const result = await w.loadLocal(loadDataStatement(t), () => {
      source = infileSource(reader, m.stream, span, w.socket, (r, b) => {
        rows += r;
        bytes += b;
        progress(rows, bytes);
      });
      return source;
    });
    const warnings = result.warningStatus > 0 ? [`Loading table "${t.name}" gave ${result.warningStatus} warning(s): ${await firstWarnings(w)}.`] : [];
    if (result.affectedRows !== expected) {
      const of = expected === m.rows ? `of its ${m.rows} rows` : `of the ${expected} rows ${span.from + 1}–${span.to} of its ${m.rows}`;
      throw new AirlockError('RESTORE_FAILED', `Table "${t.name}" received ${result.affectedRows} ${of}${warnings.length > 0 ? ` (${warnings[0] ?? ''})` : ''}.`);
    }
    return { rows: expected, bytes, warnings };
  } finally {
    if (source && !source.readableEnded) source.destroy();
  }
}

async function loadWithInserts(w: MysqlSession, reader: DumpReader, t: DumpTable, m: ManifestTable, span: RowSpan, progress: (rows: number, bytes: number) => void): Promise<Loaded> {
  const batcher = new InsertBatcher(t.name, t.columns);
  let rows = 0;
  let bytes = 0;
  let warningCount = 0;
  const run = async (sql: string): Promise<void> => {
    const r = await retryDeadlocks(() => w.run(sql));
    warningCount += r.warningStatus;
    progress(rows, bytes);
  };
  for await (const line of readLines(rowRange(reader.open(m.stream) as AsyncIterable<Buffer>, span.from, span.to))) {
    rows++;
    bytes += line.length + 1;
    const sql = batcher.add(decodeLine(line));
    if (sql !== undefined) await run(sql);
  }
  const last = batcher.flush();
  if (last !== undefined) await run(last);
  if (rows !== span.to - span.from) throw new AirlockError('CORRUPT_DATA', `The data of table "${t.name}" holds fewer rows than the ${m.rows} the dump recorded.`);
  return { rows, bytes, warnings: warningCount > 0 ? [`Loading table "${t.name}" gave ${warningCount} warning(s).`] : [] };
}

/** Tables at least this large are loaded in parts on several connections: one LOAD DATA keeps one server thread busy. */
const defaultSplitBytes = 32 << 20;

interface LoadTask {
  readonly table: DumpTable;
  readonly manifest: ManifestTable;
  readonly span: RowSpan;
}

/** Biggest first; a big table becomes consecutive row spans so that all workers can load it at once. */
function loadTasks(selected: readonly DumpTable[], manifestOf: ReadonlyMap<string, ManifestTable>, workers: number, splitBytes: number): LoadTask[] {
  const tasks: LoadTask[] = [];
  const bySize = [...selected].sort((a, b) => (manifestOf.get(b.name)?.bytes ?? 0) - (manifestOf.get(a.name)?.bytes ?? 0));
  for (const table of bySize) {
    const manifest = manifestOf.get(table.name);
    if (!manifest || table.columns.length === 0) continue;
    const parts = workers > 1 && manifest.rows > 1 && manifest.bytes >= splitBytes ? Math.min(workers, manifest.rows, Math.max(2, Math.ceil(manifest.bytes / splitBytes))) : 1;
    for (let p = 0; p < parts; p++) {
      const from = Math.floor((manifest.rows * p) / parts);
      const to = Math.floor((manifest.rows * (p + 1)) / parts);
      tasks.push({ table, manifest, span: { from, to } });
    }
  }
  return tasks;
}

const dataSessionSetup = (s: MysqlSession): string[] => [
  ...baseSession,
  ...(s.server.flavor === 'mariadb' ? ['SET SESSION check_constraint_checks = 0'] : []),
  'SET SESSION net_read_timeout = 3600',
  'SET SESSION wait_timeout = 86400',
];

/** Runs one step; a definer the server refuses (it needs SUPER or SET USER) falls back to the restoring user, with a warning. */
async function runStep(s: MysqlSession, step: SqlStep, warnings: string[]): Promise<void> {
  for (let i = 0; i < step.statements.length; i++) {
    const sql = step.statements[i] as string;
    try {
      await s.run(sql);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i === step.compoundAt && step.withoutDefiner !== undefined && code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
        await s.run(step.withoutDefiner);
        warnings.push(`The ${step.what} was created with the restoring user as its definer: the original definer needs SUPER or SET USER to be kept.`);
        continue;
      }
      throw err;
    }
  }
}

/** Objects in a database, to tell an empty target from one that holds something. */
async function objectCount(s: MysqlSession, db: string): Promise<number> {
  const rows = await s.query(
    `SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?)
          + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?)
          + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?) AS n`,
    [db, db, db],
  );
  return Number(rows[0]?.n ?? 0);
}

async function existingTables(s: MysqlSession, db: string): Promise<Set<string>> {
  const rows = await s.query(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'`, [db]);
  return new Set(rows.map((r) => String(r.t)));
}

function createDatabaseSql(db: string, schema: DumpSchema, s: MysqlSession): string {
  const comment = schema.database.comment !== '' && s.server.flavor === 'mariadb' && (s.server.major > 10 || s.server.minor >= 5) ? ` COMMENT ${quoteString(schema.database.comment)}` : '';
  return `CREATE DATABASE ${quoteIdent(db)} CHARACTER SET ${schema.database.charset} COLLATE ${schema.database.collation}${comment}`;
}

function list(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, 10).map((n) => `"${n}"`).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

export async function restoreMysql(reader: DumpReader, conn: DatabaseConnection, opts: MysqlRestoreOptions = {}): Promise<MysqlRestoreSummary> {
  const db = conn.database;
  if (db === undefined) {
    throw new AirlockError('USAGE', `The restore target ${describeConnection(conn)} names no database. Add the name of the database to create, like mysql://user@host:3306/shop_restored.`);
  }
  if (opts.schemaOnly === true && opts.dataOnly === true) throw new AirlockError('USAGE', 'Choose either schema-only or data-only, not both.');
  const { manifest, schema } = await openDump(reader);
  const selected = selectTables(schema, opts.tables);
  const full = opts.tables === undefined;
  const withSchema = opts.dataOnly !== true;
  const withData = opts.schemaOnly !== true;
  const warnings: string[] = full ? [] : missingParentWarnings(selected);
  if (!full && (schema.views.length > 0 || schema.routines.length > 0 || schema.events.length > 0)) {
    warnings.push('Views, routines and events are not part of a restore of selected tables.');
  }
  const manifestOf = new Map(manifest.tables.map((t) => [t.name, t]));
  const rowsTotal = selected.reduce((n, t) => n + (manifestOf.get(t.name)?.rows ?? 0), 0);
  const bytesTotal = selected.reduce((n, t) => n + (manifestOf.get(t.name)?.bytes ?? 0), 0);

  if (opts.signal?.aborted) throw new AirlockError('CANCELLED', `The restore into database "${db}" was cancelled before it started. Nothing was changed.`);
  const internal = new AbortController();
  const onOuterAbort = (): void => {
    internal.abort(opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const sessions: MysqlSession[] = [];
  const created: string[] = [];
  const loaded: { name: string; rows: number; bytes: number }[] = [];
  const notRestored: string[] = [];
  let doing = `connecting to ${describeConnection(conn)}`;
  let loadMethod: MysqlRestoreSummary['loadMethod'] = 'load-data';
  let programsDone = { views: 0, routines: 0, triggers: 0, events: 0, sequences: 0 };
  let touched = false;
  // Triggers a data-only load sets aside (LOAD DATA would fire them), and the collation to recreate them with.
  let setAside: { triggers: DumpTrigger[]; collation: string } | undefined;
  try {
    const ctl = await openMysql(conn, { database: null, signal: internal.signal, doing });
    sessions.push(ctl);
    for (const sql of baseSession) await ctl.run(sql);

    doing = `checking the target database "${db}"`;
    const exists = (await databaseInfo(ctl, db)) !== undefined;
    if (!exists && !withSchema) {
      throw new AirlockError('SOURCE_NOT_FOUND', `There is no database "${db}" to load data into. A data-only restore needs the tables to exist; restore the schema first.`);
    }
    if (exists) {
      const present = await existingTables(ctl, db);
      if (!withSchema) {
        const absent = selected.filter((t) => !present.has(t.name)).map((t) => t.name);
        if (absent.length > 0) throw new AirlockError('SOURCE_NOT_FOUND', `Database "${db}" has no table ${list(absent)} to load data into. Restore the schema first.`);
        const withRows: string[] = [];
        for (const t of selected) {
          const r = await ctl.query(`SELECT 1 AS x FROM ${quoteIdent(db)}.${quoteIdent(t.name)} LIMIT 1`);
          if (r.length > 0) withRows.push(t.name);
        }
        if (withRows.length > 0 && opts.overwrite !== true) {
          throw new AirlockError('TARGET_NOT_EMPTY', `Table${withRows.length === 1 ? '' : 's'} ${list(withRows)} in database "${db}" already hold${withRows.length === 1 ? 's' : ''} rows. Use --overwrite to replace them, or restore into a new database.`);
        }
        touched = true;
        for (const t of withRows) await ctl.run(`TRUNCATE TABLE ${quoteIdent(db)}.${quoteIdent(t)}`);
      } else {
        const count = await objectCount(ctl, db);
        const clash = full ? count > 0 : selected.some((t) => present.has(t.name));
        if (clash && opts.overwrite !== true) {
          throw new AirlockError('TARGET_NOT_EMPTY', full
            ? `Database "${db}" already exists and holds ${count} object${count === 1 ? '' : 's'}. Restore into a new database, or use --overwrite to replace it.`
            : `Database "${db}" already has table${selected.length === 1 ? '' : 's'} ${list(selected.filter((t) => present.has(t.name)).map((t) => t.name))}. Use --overwrite to replace ${selected.length === 1 ? 'it' : 'them'}.`);
        }
        touched = true;
        if (full) {
          if (count > 0) await ctl.run(`DROP DATABASE ${quoteIdent(db)}`);
          if (count > 0) await ctl.run(createDatabaseSql(db, schema, ctl));
          else await ctl.run(`ALTER DATABASE ${quoteIdent(db)} CHARACTER SET ${schema.database.charset} COLLATE ${schema.database.collation}`);
        } else {
          for (const t of selected) if (present.has(t.name)) await ctl.run(`DROP TABLE ${quoteIdent(db)}.${quoteIdent(t.name)}`);
        }
      }
    } else {
      try {
        await ctl.run(createDatabaseSql(db, schema, ctl));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
          throw new AirlockError('SOURCE_PRIVILEGE', `User "${conn.user}" may not create database "${db}": it needs the CREATE privilege (GRANT ALL ON ${quoteIdent(db)}.* TO …), or create the empty database first.`, { cause: err });
        }
        throw err;
      }
      touched = true;
    }
    await ctl.run(`USE ${quoteIdent(db)}`);

    if (!withSchema && withData) {
      const names = new Set(selected.map((t) => t.name));
      const triggers = (await listTriggers(ctl, db)).filter((t) => names.has(t.table));
      if (triggers.length > 0) {
        const info = await databaseInfo(ctl, db);
        setAside = { triggers, collation: info?.collation ?? schema.database.collation };
        for (const t of triggers) await ctl.run(`DROP TRIGGER ${quoteIdent(t.name)}`);
      }
    }

    if (withSchema) {
      doing = 'creating tables';
      for (const step of createTableSteps(selected)) {
        await runStep(ctl, step, warnings);
        created.push(step.what);
      }
      if (full) {
        for (const step of sequenceSteps(schema)) {
          await runStep(ctl, step, warnings);
          programsDone = { ...programsDone, sequences: programsDone.sequences + 1 };
        }
      }
    }

    if (withData && selected.length > 0) {
      const count = workerCount(opts.parallel, selected.length);
      const workers: MysqlSession[] = [];
      for (let i = 0; i < count; i++) {
        const w = await openMysql(conn, { localInfile: true, signal: internal.signal, doing: `loading into database "${db}"` });
        sessions.push(w);
        workers.push(w);
        for (const sql of dataSessionSetup(w)) await w.run(sql);
      }
      const queue = loadTasks(selected, manifestOf, workers.length, Math.max(1, opts.splitTableBytes ?? defaultSplitBytes));
      const partsLeft = new Map<string, number>();
      for (const task of queue) partsLeft.set(task.table.name, (partsLeft.get(task.table.name) ?? 0) + 1);
      const perTable = new Map<string, { rows: number; bytes: number }>();
      const inFlight = new Map<LoadTask, { rows: number; bytes: number }>();
      let doneRows = 0;
      let doneBytes = 0;
      let failure: { error: unknown; table: string } | undefined;
      const report = (table: string): void => {
        let rows = doneRows;
        let bytes = doneBytes;
        for (const p of inFlight.values()) {
          rows += p.rows;
          bytes += p.bytes;
        }
        opts.onProgress?.({ phase: 'data', table, rows, bytes, rowsTotal, bytesTotal });
      };
      // Several workers may learn at once that the server refuses LOAD DATA LOCAL; the warning is given once.
      const fallBackToInserts = (): void => {
        if (loadMethod === 'insert') return;
        loadMethod = 'insert';
        warnings.push('The server refuses LOAD DATA LOCAL INFILE (local_infile is off), so rows were loaded with INSERT statements, which is slower.');
      };
      const runWorker = async (w: MysqlSession): Promise<void> => {
        for (;;) {
          const task = queue.shift();
          if (!task || failure) return;
          const { table: t, manifest: m, span } = task;
          const progress = (rows: number, bytes: number): void => {
            inFlight.set(task, { rows, bytes });
            report(t.name);
          };
          try {
            let result: Loaded;
            if (loadMethod === 'load-data') {
              try {
                result = await retryDeadlocks(() => loadWithLoadData(w, reader, t, m, span, progress));
              } catch (err) {
                if (!localInfileRefused(err)) throw err;
                fallBackToInserts();
                result = await loadWithInserts(w, reader, t, m, span, progress);
              }
            } else {
              result = await loadWithInserts(w, reader, t, m, span, progress);
            }
            inFlight.delete(task);
            doneRows += result.rows;
            doneBytes += result.bytes;
            warnings.push(...result.warnings);
            const sum = perTable.get(t.name) ?? { rows: 0, bytes: 0 };
            perTable.set(t.name, { rows: sum.rows + result.rows, bytes: sum.bytes + result.bytes });
            const left = (partsLeft.get(t.name) ?? 1) - 1;
            partsLeft.set(t.name, left);
            if (left === 0) loaded.push({ name: t.name, ...(perTable.get(t.name) ?? { rows: 0, bytes: 0 }) });
          } catch (error) {
            failure ??= { error, table: t.name };
            internal.abort(error);
            return;
          }
        }
      };
      doing = 'loading rows';
      await Promise.all(workers.map(runWorker));
      if (failure) {
        doing = `loading table "${failure.table}"`;
        throw failure.error;
      }
      await Promise.all(workers.map(async (w) => {
        sessions.splice(sessions.indexOf(w), 1);
        await w.close();
      }));
    }

    if (setAside) {
      doing = 'putting back the triggers set aside for the load';
      const steps = triggerSteps(setAside.triggers, setAside.collation, db);
      setAside = undefined;
      for (const step of steps) await runStep(ctl, step, warnings);
    }

    if (withSchema) {
      // Secondary indexes are built once over the loaded rows (a sort), instead of row by row during the load.
      doing = 'building indexes';
      const steps = indexSteps(selected);
      const idxWorkers: MysqlSession[] = [ctl];
      const extra = workerCount(opts.parallel, steps.length) - 1;
      for (let i = 0; i < extra; i++) {
        const w = await openMysql(conn, { signal: internal.signal, doing: `building indexes in database "${db}"` });
        sessions.push(w);
        idxWorkers.push(w);
        for (const sql of dataSessionSetup(w)) await w.run(sql);
      }
      let failure: unknown;
      let n = 0;
      await Promise.all(idxWorkers.map(async (w) => {
        for (;;) {
          const step = steps.shift();
          if (!step || failure !== undefined) return;
          opts.onProgress?.({ phase: 'indexes', table: step.what, rows: ++n, bytes: 0, rowsTotal: n + steps.length, bytesTotal: 0 });
          try {
            await runStep(w, step, warnings);
            created.push(step.what);
          } catch (err) {
            failure ??= err;
            doing = `creating the ${step.what}`;
          }
        }
      }));
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error('an index could not be built');
      doing = 'adding foreign keys';
      for (const step of foreignKeySteps(selected)) {
        opts.onProgress?.({ phase: 'foreign-keys', table: step.what, rows: 0, bytes: 0, rowsTotal: 0, bytesTotal: 0 });
        doing = `adding the ${step.what}`;
        await runStep(ctl, step, warnings);
        created.push(step.what);
      }
      doing = 'creating views, routines, triggers and events';
      const tableSet = full ? undefined : new Set(selected.map((t) => t.name));
      for (const step of programSteps(schema, tableSet === undefined ? { database: db } : { database: db, tables: tableSet })) {
        opts.onProgress?.({ phase: 'programs', table: step.what, rows: 0, bytes: 0, rowsTotal: 0, bytesTotal: 0 });
        try {
          await runStep(ctl, step, warnings);
          const kind = step.what.split(' ')[0];
          if (kind === 'view') programsDone = { ...programsDone, views: programsDone.views + 1 };
          else if (kind === 'trigger') programsDone = { ...programsDone, triggers: programsDone.triggers + 1 };
          else if (kind === 'event') programsDone = { ...programsDone, events: programsDone.events + 1 };
          else if (kind === 'function' || kind === 'procedure' || kind === 'package') programsDone = { ...programsDone, routines: programsDone.routines + 1 };
        } catch (err) {
          if (internal.signal.aborted || (err as { fatal?: boolean }).fatal === true) throw err;
          // A program the source itself could not run (a view over a dropped table) must not sink the restore of the data.
          notRestored.push(step.what);
          warnings.push(`The ${step.what} could not be created: ${(err as Error).message}.`);
          for (const sql of baseSession) await ctl.run(sql);
        }
      }
    }
    return {
      database: db,
      tables: loaded,
      rows: loaded.reduce((n, t) => n + t.rows, 0),
      bytes: loaded.reduce((n, t) => n + t.bytes, 0),
      ...programsDone,
      loadMethod,
      notRestored,
      warnings,
    };
  } catch (err) {
    const pending = setAside;
    let triggerNote = '';
    if (pending) {
      // The load failed with the triggers set aside; put them back so the schema is as the user had it.
      const back: string[] = [];
      try {
        const s = await openMysql(conn, { doing: `putting back triggers in "${db}"` });
        try {
          for (const sql of baseSession) await s.run(sql);
          for (const step of triggerSteps(pending.triggers, pending.collation, db)) {
            await runStep(s, step, []);
            back.push(step.what);
          }
        } finally {
          await s.close();
        }
      } catch {
        // Reported below.
      }
      const lostTriggers = pending.triggers.filter((t) => !back.includes(`trigger ${quoteIdent(t.name)}`)).map((t) => t.name);
      if (lostTriggers.length > 0) triggerNote = ` Triggers ${list(lostTriggers)} were removed for the load and could not be put back; recreate them from the dump's schema.json.`;
    }
    for (const s of sessions) s.destroy();
    if (opts.signal?.aborted) {
      throw new AirlockError('CANCELLED', `The restore into database "${db}" was cancelled. ${touched ? `Tables with all their rows: ${list(loaded.map((t) => t.name))}. Drop "${db}" or restore again with --overwrite.` : 'Nothing was changed.'}${triggerNote}`, { cause: err });
    }
    if (!touched) throw err instanceof AirlockError ? err : describeMysqlError(err, conn, doing, db);
    const reason = err instanceof AirlockError ? err.message : describeMysqlError(err, conn, doing, db).message;
    const loadedNames = new Set(loaded.map((t) => t.name));
    const failedFirst = /^loading table "(.*)"$/.exec(doing)?.[1];
    const missing = withData ? selected.filter((t) => !loadedNames.has(t.name)).map((t) => t.name).sort((a, b) => Number(b === failedFirst) - Number(a === failedFirst)) : [];
    throw new AirlockError('RESTORE_FAILED', `Restoring into database "${db}" failed while ${doing}: ${reason.replace(/\.$/, '')}. `
      + `Tables with all their rows: ${list(loaded.map((t) => t.name))}; tables without their rows: ${list(missing)}. `
      + `${created.length} of the tables, indexes and foreign keys were created; views, routines, triggers and events come last and were not all created. `
      + `Database "${db}" was left as it is: drop it, or restore again with --overwrite.${triggerNote}`, { cause: err });
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await Promise.all(sessions.map((s) => s.close()));
  }
}
