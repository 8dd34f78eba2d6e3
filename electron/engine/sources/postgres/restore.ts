// Restores a PostgreSQL dump into a new (or empty) database: schema, parallel COPY FROM STDIN, then keys, indexes and the rest.

import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { AirlockError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';
import type { DumpReader } from '../dump-streams.ts';
import { describePgError, openSession, type Session } from './connect.ts';
import { largeObjectsName, loadDump, type DumpManifest, type SchemaItem, type TableData, type TablePart } from './dump-format.ts';
import { decodeLargeObjects } from './large-objects.ts';
import { StreamMeter } from './row-meter.ts';
import { selectRelations } from './selection.ts';
import { displayName, ident, literal, qualified } from './sql-text.ts';

export interface PostgresRestoreProgress {
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly rowsTotal?: number;
  readonly bytesTotal?: number;
}

export interface PostgresRestoreOptions {
  /** Replace an existing, non-empty target database (it is dropped and created again). */
  readonly overwrite?: boolean;
  /** Restore only these relations ("schema.table" or "table") and what they need. */
  readonly tables?: readonly string[];
  readonly schemaOnly?: boolean;
  /** Load rows into a database that already has the schema. */
  readonly dataOnly?: boolean;
  /** COPY sessions loading tables at once (default 2). */
  readonly parallel?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PostgresRestoreProgress) => void;
  /** Give objects back to their original owners where those roles exist (default true). */
  readonly owners?: boolean;
}

export interface PostgresRestoreSummary {
  readonly database: string;
  /** True when the restore created the database. */
  readonly created: boolean;
  readonly tables: number;
  readonly rows: number;
  readonly bytes: number;
  readonly largeObjects: number;
  readonly warnings: readonly string[];
}

const restoreSessionSql = [
  "SET search_path = ''",
  "SET client_encoding = 'UTF8'",
  'SET standard_conforming_strings = on',
  'SET check_function_bodies = false',
  'SET xmloption = content',
  'SET client_min_messages = warning',
  'SET row_security = off',
  "SET DateStyle = 'ISO'",
  "SET IntervalStyle = 'postgres'",
  "SET TimeZone = 'UTC'",
  'SET statement_timeout = 0',
  'SET lock_timeout = 0',
  'SET idle_in_transaction_session_timeout = 0',
  // A crash mid-restore leaves an unfinished database either way; not waiting for each commit's flush is free speed.
  'SET synchronous_commit = off',
].join('; ');

function shortList(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more`;
}

type Job = { readonly kind: 'data'; readonly table: TableData; readonly part: TablePart } | { readonly kind: 'bound'; readonly items: readonly SchemaItem[] };

/**
 * Work for the restore sessions. Finishing a job can add more (a table's indexes once its last part is
 * in), so `take` waits while other jobs are still running and ends only when nothing is left to do.
 */
class JobQueue<T> {
  private readonly items: T[] = [];
  private running = 0;
  private closed = false;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  pushFront(item: T): void {
    this.items.unshift(item);
    this.wake();
  }

  /** The next job, or undefined when there is none and none can appear. Pair every job with done(). */
  async take(): Promise<T | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const next = this.items.shift();
      if (next !== undefined) {
        this.running++;
        return next;
      }
      if (this.running === 0) {
        this.wake();
        return undefined;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  done(): void {
    this.running--;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}

/** Where a restore stands, for the message when it fails. */
class RestoreState {
  schemaDone = false;
  readonly loaded: string[] = [];
  readonly pending = new Set<string>();
  failed: string | undefined;
  lateDone = false;

  describe(database: string): string {
    if (!this.schemaDone) return `Nothing was restored: database "${database}" has no objects from the dump.`;
    const notLoaded = [...(this.failed === undefined ? [] : [`${this.failed} (failed)`]), ...[...this.pending].filter((t) => t !== this.failed)];
    const parts = [`The schema was created. Tables with data loaded: ${shortList(this.loaded)}; not loaded: ${shortList(notLoaded)}.`];
    if (!this.lateDone) parts.push('Foreign keys, triggers, policies, privileges and materialized views were not completed.');
    parts.push(`Drop database "${database}" and run the restore again.`);
    return parts.join(' ');
  }
}

interface TargetInfo {
  readonly created: boolean;
  readonly warnings: string[];
}

/** Counts what a database already holds, to tell an empty one from one that must not be overwritten. */
async function userObjectCount(s: Session): Promise<{ count: number; example: string | null }> {
  const r = await s.client.query<{ n: string; example: string | null }>(`
    WITH objs AS (
      SELECT format('%s %I.%I', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'table' END, n.nspname, c.relname) AS what
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
      UNION ALL SELECT format('function %I.%I', n.nspname, p.proname) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid >= 16384 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      UNION ALL SELECT format('schema %I', n.nspname) FROM pg_catalog.pg_namespace n
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
      UNION ALL SELECT format('extension %I', e.extname) FROM pg_catalog.pg_extension e WHERE e.oid >= 16384
      UNION ALL SELECT format('large object %s', l.oid) FROM pg_catalog.pg_largeobject_metadata l)
    SELECT count(*)::text AS n, min(what) AS example FROM objs`);
  const row = r.rows[0];
  return { count: Number(row?.n ?? 0), example: row?.example ?? null };
}

async function createDatabase(admin: Session, conn: DatabaseConnection, name: string, manifest: DumpManifest, warnings: string[]): Promise<void> {
  const db = manifest.database;
  const base = `CREATE DATABASE ${ident(name)} TEMPLATE template0 ENCODING ${literal(db.encoding)}`;
  let locale = ` LC_COLLATE ${literal(db.collate)} LC_CTYPE ${literal(db.ctype)}`;
  if (db.localeProvider === 'i' && db.icuLocale !== null && admin.server.versionNum >= 150000) {
    locale += ` LOCALE_PROVIDER icu ${admin.server.versionNum >= 170000 ? 'LOCALE' : 'ICU_LOCALE'} ${literal(db.icuLocale)}`;
  } else if (db.localeProvider === 'b' && db.icuLocale !== null && admin.server.versionNum >= 170000) {
    locale += ` LOCALE_PROVIDER builtin BUILTIN_LOCALE ${literal(db.icuLocale)}`;
  }
  try {
    await admin.client.query(base + locale);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42501') {
      throw new AirlockError('SOURCE_PRIVILEGE', `User "${conn.user}" lacks the CREATEDB privilege needed to create database "${name}". Create the empty database yourself (CREATE DATABASE ${ident(name)}) and run the restore again, or grant it: ALTER ROLE ${ident(conn.user)} CREATEDB.`, { cause: err });
    }
    if (code !== '22023' && code !== '42809' && code !== '0A000') throw describePgError(err, conn, `creating database "${name}"`);
    // The dump's locale does not exist on this server: keep the encoding, take the server's default locale.
    await admin.client.query(base).catch((e2: unknown) => {
      throw describePgError(e2, conn, `creating database "${name}"`);
    });
    warnings.push(`Database "${name}" was created with this server's default locale: the dump's locale (${db.collate}${db.icuLocale === null ? '' : `, ${db.icuLocale}`}) is not available here, so text may sort differently.`);
  }
}

/** Creates the target database, or checks that the existing one may be used; never touches any other database. */
async function prepareTarget(conn: DatabaseConnection, name: string, manifest: DumpManifest, opts: PostgresRestoreOptions, signal: AbortSignal): Promise<TargetInfo> {
  const warnings: string[] = [];
  let admin: Session;
  try {
    admin = await openSession(conn, { database: 'postgres', signal });
  } catch (err) {
    if (!(err instanceof AirlockError) || err.code !== 'SOURCE_NOT_FOUND') throw err;
    admin = await openSession(conn, { database: 'template1', signal });
  }
  try {
    const exists = (await admin.client.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (!exists) {
      if (opts.dataOnly === true) {
        throw new AirlockError('SOURCE_NOT_FOUND', `Database "${name}" does not exist on ${describeConnection(conn)}; a data-only restore needs the schema in place. Restore without --data-only first.`);
      }
      await createDatabase(admin, conn, name, manifest, warnings);
      return { created: true, warnings };
    }
    if (opts.dataOnly === true) return { created: false, warnings };
    const target = await openSession(conn, { database: name, signal });
    let contents: { count: number; example: string | null };
    try {
      contents = await userObjectCount(target);
    } finally {
      await target.close();
    }
    if (contents.count === 0) return { created: false, warnings };
    if (opts.overwrite !== true) {
      throw new AirlockError('TARGET_NOT_EMPTY', `Database "${name}" on ${describeConnection(conn)} already holds ${contents.count} object${contents.count === 1 ? '' : 's'} (such as ${contents.example ?? 'a table'}). Restore into a new database name, or pass --overwrite to replace its contents.`);
    }
    try {
      await admin.client.query(`DROP DATABASE ${ident(name)}`);
    } catch (err) {
      if ((err as { code?: string }).code === '55006') {
        throw new AirlockError('TARGET_EXISTS', `Cannot overwrite database "${name}": other sessions are connected to it. Close them and run the restore again.`, { cause: err });
      }
      throw describePgError(err, conn, `dropping database "${name}" to overwrite it`);
    }
    await createDatabase(admin, conn, name, manifest, warnings);
    warnings.push(`Database "${name}" was dropped and created again (--overwrite).`);
    return { created: true, warnings };
  } finally {
    await admin.close();
  }
}

interface RoleInfo {
  readonly usable: ReadonlySet<string>;
  readonly superuser: boolean;
}

async function readRoles(s: Session): Promise<RoleInfo> {
  const r = await s.client.query<{ rolname: string; usable: boolean }>(`SELECT rolname, pg_catalog.pg_has_role(rolname, 'MEMBER') AS usable FROM pg_catalog.pg_roles`);
  return { usable: new Set(r.rows.filter((x) => s.server.superuser || x.usable).map((x) => x.rolname)), superuser: s.server.superuser };
}

/** Decides which items run: the selection, the mode (schema-only / data-only), and the roles that exist. */
function planItems(items: readonly SchemaItem[], manifest: DumpManifest, opts: PostgresRestoreOptions): { run: SchemaItem[]; relations: ReadonlySet<number> | null; warnings: string[] } {
  const warnings: string[] = [];
  let chosen = items;
  let relations: ReadonlySet<number> | null = null;
  if (opts.tables !== undefined) {
    const sel = selectRelations(items, opts.tables);
    chosen = items.filter((i) => sel.items.has(i.id));
    relations = sel.relations;
    warnings.push(...sel.warnings);
  }
  const skipped = new Set<number>();
  const run: SchemaItem[] = [];
  for (const item of chosen) {
    let keep: boolean;
    if (opts.dataOnly === true) keep = item.kind === 'REFRESH MATERIALIZED VIEW';
    else if (opts.schemaOnly === true) keep = item.kind !== 'REFRESH MATERIALIZED VIEW' && item.kind !== 'LARGE OBJECT';
    else keep = true;
    if (keep && opts.dataOnly !== true && item.deps.some((d) => skipped.has(d))) keep = false;
    if (keep) run.push(item);
    else skipped.add(item.id);
  }
  if (manifest.largeObjects !== null && opts.tables === undefined && opts.schemaOnly === true) {
    warnings.push('Large objects are data: a schema-only restore leaves them out.');
  }
  return { run, relations, warnings };
}

/**
 * Restores `reader` into the database named in `conn` (created if it does not exist; an existing one must be
 * empty unless `overwrite`). Pre-data in one transaction, tables in parallel (each COPY verified against
 * the dump's row count and SHA-256), each table's keys and indexes right after its data, then foreign
 * keys, triggers, policies, privileges and materialized views.
 */
export async function restorePostgres(reader: DumpReader, conn: DatabaseConnection, opts: PostgresRestoreOptions = {}): Promise<PostgresRestoreSummary> {
  if (opts.schemaOnly === true && opts.dataOnly === true) throw new AirlockError('USAGE', 'Choose either --schema-only or --data-only, not both.');
  const name = conn.database;
  if (name === undefined) throw new AirlockError('USAGE', 'Name the database to restore into, like postgres://user@host:5432/newdb.');
  const { manifest, items } = await loadDump(reader);
  const plan = planItems(items, manifest, opts);
  const warnings = [...plan.warnings];

  const abort = new AbortController();
  const onOuterAbort = (): void => {
    abort.abort(opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted === true) abort.abort(opts.signal.reason);
  const signal = abort.signal;
  const sessions: Session[] = [];
  const state = new RestoreState();
  let created = false;
  try {
    const target = await prepareTarget(conn, name, manifest, opts, signal);
    created = target.created;
    warnings.push(...target.warnings);
    const open = async (): Promise<Session> => {
      const s = await openSession(conn, { database: name, signal });
      sessions.push(s);
      await s.client.query(restoreSessionSql);
      if (opts.dataOnly === true && s.server.superuser) await s.client.query('SET session_replication_role = replica');
      return s;
    };
    const main = await open();
    const roles = await readRoles(main);
    if (opts.dataOnly === true && !roles.superuser) {
      warnings.push('Triggers and foreign keys stay active during a data-only restore by a non-superuser; rows are loaded in an order that may violate them.');
    }
    const restoreOwners = opts.owners !== false;
    const missingRoles = new Set<string>();
    const runnable = (item: SchemaItem): boolean => {
      const missing = item.roles.filter((r) => !roles.usable.has(r));
      for (const r of missing) missingRoles.add(r);
      if (item.kind === 'EVENT TRIGGER' && !roles.superuser) {
        warnings.push(`Event trigger ${item.name} was not created: only a superuser can create event triggers.`);
        return false;
      }
      return missing.length === 0;
    };
    const sqlFor = (item: SchemaItem): string => {
      let sql = item.sql;
      if (restoreOwners && item.owner !== null && item.ownerSql !== null) {
        if (roles.usable.has(item.owner)) sql += `\n${item.ownerSql}`;
        else missingRoles.add(item.owner);
      }
      return sql;
    };
    const execute = async (s: Session, item: SchemaItem): Promise<void> => {
      signal.throwIfAborted();
      if (!runnable(item)) return;
      const sql = sqlFor(item);
      if (sql.trim() === '') return;
      try {
        await s.client.query(sql);
      } catch (err) {
        const e = err as { message?: string; code?: string };
        if (e.code === undefined || e.code.startsWith('08') || e.code.startsWith('57')) throw describePgError(err, conn, `restoring ${item.kind} ${item.name}`, name);
        throw new AirlockError('RESTORE_FAILED', `Creating ${item.kind.toLowerCase()} ${item.schema === null ? '' : `${item.schema}.`}${item.name} failed: ${e.message ?? String(err)}.`, { cause: err });
      }
    };

    const pre = plan.run.filter((i) => i.section === 'pre-data');
    const bound = plan.run.filter((i) => i.section === 'table-bound');
    const late = plan.run.filter((i) => i.section === 'late');

    // 1. Pre-data: one transaction, so that a failure leaves the database as it was.
    if (opts.dataOnly !== true) {
      await main.client.query('BEGIN');
      try {
        for (const item of pre) await execute(main, item);
        await main.client.query('COMMIT');
      } catch (err) {
        await main.client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
    state.schemaDone = true;

    // 2. Tables in parallel (a large table's parts too); each table's keys and indexes as soon as its last part is in.
    const included = plan.relations;
    const tablesWithData = opts.schemaOnly === true ? [] : manifest.tables.filter((t) => included === null || included.has(t.item));
    const boundByRelation = new Map<number, SchemaItem[]>();
    if (opts.dataOnly !== true) {
      for (const item of bound) {
        if (item.relation === null) continue;
        const list = boundByRelation.get(item.relation);
        if (list) list.push(item);
        else boundByRelation.set(item.relation, [item]);
      }
    }
    const jobs = new JobQueue<Job>();
    const partsLeft = new Map<number, number>();
    for (const t of tablesWithData) {
      partsLeft.set(t.item, t.parts.length);
      state.pending.add(displayName(t.schema, t.name));
    }
    const dataJobs: Job[] = tablesWithData.flatMap((t) => t.parts.map((part): Job => ({ kind: 'data', table: t, part })));
    dataJobs.sort((a, b) => (a.kind === 'data' && b.kind === 'data' ? b.part.bytes - a.part.bytes : 0));
    for (const job of dataJobs) jobs.push(job);
    for (const [relation, list] of boundByRelation) if (!partsLeft.has(relation)) jobs.push({ kind: 'bound', items: list });

    let rows = 0;
    let bytes = 0;
    const loadedBytes = new Map<number, number>();
    const loadPart = async (s: Session, t: TableData, part: TablePart): Promise<void> => {
      const label = displayName(t.schema, t.name);
      const table = qualified(t.schema, t.name);
      // Alone in its transaction after a TRUNCATE, COPY may write frozen rows (and skip WAL where wal_level allows).
      const fresh = opts.dataOnly !== true && t.parts.length === 1;
      let seen = 0;
      const meter = new StreamMeter(opts.onProgress === undefined ? undefined : (m) => {
        const done = (loadedBytes.get(t.item) ?? 0) + m.bytes - seen;
        loadedBytes.set(t.item, done);
        seen = m.bytes;
        // Rows in proportion to bytes: the totals are known from the manifest, counting newlines would cost more.
        opts.onProgress?.({ table: label, rows: t.bytes === 0 ? t.rows : Math.round((t.rows * done) / t.bytes), bytes: done, rowsTotal: t.rows, bytesTotal: t.bytes });
      });
      await s.client.query('BEGIN');
      try {
        if (fresh) await s.client.query(`TRUNCATE ONLY ${table}`);
        const columns = t.columns.length === 0 ? '' : ` (${t.columns.map(ident).join(', ')})`;
        const copy = s.client.query(copyFrom(`COPY ${table}${columns} FROM STDIN${fresh ? ' WITH (FREEZE)' : ''}`));
        await pipeline(reader.open(part.stream), meter, copy);
        if (meter.digest() !== part.sha256) {
          throw new AirlockError('CORRUPT_DATA', `The stored rows of table ${label} do not match the checksum recorded at backup. The table was not loaded.`);
        }
        if (copy.rowCount !== part.rows) {
          throw new AirlockError('CORRUPT_DATA', `The server loaded ${copy.rowCount} rows into table ${label} but ${part.rows} were recorded at backup. The table was not loaded.`);
        }
        await s.client.query('COMMIT');
      } catch (err) {
        state.failed ??= label;
        await s.client.query('ROLLBACK').catch(() => undefined);
        if (err instanceof AirlockError) throw err;
        const e = err as { message?: string; code?: string };
        if (e.code === undefined || e.code.startsWith('08') || e.code.startsWith('57')) throw describePgError(err, conn, `loading table ${label}`, name);
        throw new AirlockError('RESTORE_FAILED', `Loading table ${label} failed: ${e.message ?? String(err)}.`, { cause: err });
      }
      rows += part.rows;
      bytes += part.bytes;
      const left = (partsLeft.get(t.item) ?? 1) - 1;
      partsLeft.set(t.item, left);
      if (left === 0) {
        state.pending.delete(label);
        state.loaded.push(label);
        const items = boundByRelation.get(t.item);
        // Index builds go to the front: they overlap with the loading of other tables.
        if (items) jobs.pushFront({ kind: 'bound', items });
      }
    };

    let firstError: Error | undefined;
    const guard = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => {
      if (firstError === undefined) {
        firstError = err instanceof Error ? err : new Error(String(err));
        abort.abort();
        jobs.close();
      }
      throw err;
    });
    const workerCount = Math.max(1, Math.min(opts.parallel ?? 2, jobs.size));
    const runWorker = async (): Promise<void> => {
      if (jobs.size === 0) return;
      const s = await open();
      for (let job = await jobs.take(); job !== undefined; job = await jobs.take()) {
        try {
          signal.throwIfAborted();
          if (job.kind === 'data') await loadPart(s, job.table, job.part);
          else for (const item of job.items) await execute(s, item);
        } finally {
          jobs.done();
        }
      }
    };
    const restoreLargeObjects = async (): Promise<number> => {
      if (manifest.largeObjects === null || opts.schemaOnly === true || opts.tables !== undefined) return 0;
      let count = 0;
      let done = 0;
      await main.client.query('BEGIN');
      try {
        for await (const ev of decodeLargeObjects(reader.open(largeObjectsName))) {
          signal.throwIfAborted();
          if (ev.type === 'start') {
            await main.client.query('SELECT pg_catalog.lo_create($1::oid)', [ev.oid]);
            count++;
          } else if (ev.type === 'data') {
            await main.client.query('SELECT pg_catalog.lo_put($1::oid, $2::int8, $3::bytea)', [ev.oid, ev.offset, ev.data]);
            done += ev.data.length;
            opts.onProgress?.({ table: '(large objects)', rows: count, bytes: done, bytesTotal: manifest.largeObjects.bytes });
          }
        }
        await main.client.query('COMMIT');
      } catch (err) {
        await main.client.query('ROLLBACK').catch(() => undefined);
        throw err instanceof AirlockError ? err : describePgError(err, conn, 'restoring large objects', name);
      }
      return count;
    };
    const loPromise = guard(restoreLargeObjects());
    const workers = Array.from({ length: workerCount }, () => guard(runWorker()));
    await Promise.allSettled([...workers, loPromise]);
    if (firstError !== undefined) throw firstError;
    const largeObjects = await loPromise;

    // 3. Sequence values, then everything that needs all tables in place.
    if (opts.schemaOnly !== true) {
      for (const seq of manifest.sequences) {
        if (opts.tables !== undefined && !plan.run.some((i) => i.id === seq.item)) continue;
        await main.client.query('SELECT pg_catalog.setval($1::regclass, $2::int8, $3)', [qualified(seq.schema, seq.name), seq.lastValue, seq.isCalled]).catch((err: unknown) => {
          throw describePgError(err, conn, `setting sequence ${displayName(seq.schema, seq.name)}`, name);
        });
      }
    }
    for (const item of late) await execute(main, item);
    state.lateDone = true;
    if (missingRoles.size > 0) {
      warnings.push(`These roles do not exist on the target (or cannot be used by "${conn.user}"): ${[...missingRoles].sort().join(', ')}. Objects they owned belong to "${conn.user}", and grants and policies naming them were skipped. Create the roles and restore again to keep them.`);
    }
    return { database: name, created, tables: tablesWithData.length, rows, bytes, largeObjects, warnings };
  } catch (err) {
    opts.signal?.throwIfAborted();
    if (err instanceof AirlockError && ['TARGET_NOT_EMPTY', 'TARGET_EXISTS', 'USAGE', 'SOURCE_PRIVILEGE', 'SOURCE_NOT_FOUND', 'SOURCE_UNREACHABLE', 'SOURCE_AUTH_FAILED', 'SOURCE_UNSUPPORTED'].includes(err.code) && !state.schemaDone && !created) {
      throw err;
    }
    const why = err instanceof Error ? err.message : String(err);
    const code = err instanceof AirlockError ? err.code : 'RESTORE_FAILED';
    throw new AirlockError(code, `Restore into database "${name}" failed. ${why} ${state.describe(name)}`, { cause: err });
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    abort.abort();
    await Promise.all(sessions.map((s) => s.close()));
  }
}
