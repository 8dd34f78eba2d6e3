// Reads a database's definition from the server's own catalog: tables, columns, keys, views, routines, triggers, events and sequences.

import { AirlockError } from '../../errors.ts';
import type { MysqlSession } from './connect.ts';
import type { DumpColumn, DumpEvent, DumpRoutine, DumpSequence, DumpTrigger, DumpView, LiteralKind } from './dump-format.ts';
import { quoteIdent } from './sql-text.ts';

export interface TableInfo {
  readonly name: string;
  readonly kind: 'table' | 'sequence';
  readonly engine: string;
  readonly transactional: boolean;
  readonly systemVersioned: boolean;
  /** The server's estimate, for progress only. */
  readonly rowsEstimate: number;
  readonly dataLength: number;
}

export interface ColumnInfo {
  readonly name: string;
  readonly dataType: string;
  readonly charset: string | null;
  readonly generated: boolean;
  readonly autoIncrement: boolean;
  readonly nullable: boolean;
}

export interface DatabaseInfo {
  readonly charset: string;
  readonly collation: string;
  readonly comment: string;
}

const str = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return v === null || v === undefined ? '' : JSON.stringify(v);
};

export async function databaseInfo(s: MysqlSession, db: string): Promise<DatabaseInfo | undefined> {
  const comment = s.server.flavor === 'mariadb' && (s.server.major > 10 || (s.server.major === 10 && s.server.minor >= 5)) ? 'SCHEMA_COMMENT' : "''";
  const rows = await s.query(`SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co, ${comment} AS cm FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, [db]);
  const r = rows[0];
  return r ? { charset: str(r.cs), collation: str(r.co), comment: str(r.cm) } : undefined;
}

export async function listTables(s: MysqlSession, db: string): Promise<TableInfo[]> {
  const engines = await s.query('SELECT ENGINE AS e, TRANSACTIONS AS t FROM information_schema.ENGINES');
  const transactional = new Set(engines.filter((e) => str(e.t) === 'YES').map((e) => str(e.e).toLowerCase()));
  const rows = await s.query(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, TABLE_ROWS AS est, DATA_LENGTH AS len
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW' ORDER BY TABLE_NAME`,
    [db],
  );
  return rows.map((r) => {
    const type = str(r.type);
    const engine = str(r.engine);
    return {
      name: str(r.name),
      kind: type === 'SEQUENCE' ? 'sequence' : 'table',
      engine,
      transactional: transactional.has(engine.toLowerCase()),
      systemVersioned: type === 'SYSTEM VERSIONED',
      rowsEstimate: Number(str(r.est)) || 0,
      dataLength: Number(str(r.len)) || 0,
    } satisfies TableInfo;
  });
}

export async function listColumns(s: MysqlSession, db: string): Promise<Map<string, ColumnInfo[]>> {
  const generatedCol = s.server.flavor === 'mariadb' ? 'IS_GENERATED' : "'NEVER'";
  const rows = await s.query(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS name, DATA_TYPE AS dt, CHARACTER_SET_NAME AS cs, EXTRA AS extra,
            ${generatedCol} AS gen, IS_NULLABLE AS nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [db],
  );
  const out = new Map<string, ColumnInfo[]>();
  for (const r of rows) {
    const extra = str(r.extra);
    const list = out.get(str(r.t)) ?? [];
    list.push({
      name: str(r.name),
      dataType: str(r.dt).toLowerCase(),
      charset: r.cs === null ? null : str(r.cs),
      // MySQL marks expression defaults DEFAULT_GENERATED; those are ordinary columns.
      generated: str(r.gen) === 'ALWAYS' || /\b(VIRTUAL|STORED|PERSISTENT)\b|ROW (START|END)/i.test(extra.replace(/DEFAULT_GENERATED/gi, '')),
      autoIncrement: /auto_increment/i.test(extra),
      nullable: str(r.nullable) === 'YES',
    });
    out.set(str(r.t), list);
  }
  return out;
}

export interface KeyInfo {
  readonly name: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
  /** Every column NOT NULL and indexed in full (no prefix, not a hash key): usable as a row order. */
  readonly orderable: boolean;
}

export async function listKeys(s: MysqlSession, db: string): Promise<Map<string, KeyInfo[]>> {
  const rows = await s.query(
    `SELECT TABLE_NAME AS t, INDEX_NAME AS name, NON_UNIQUE AS nu, COLUMN_NAME AS col, NULLABLE AS nl, SUB_PART AS sub, INDEX_TYPE AS it
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [db],
  );
  const out = new Map<string, Map<string, { unique: boolean; columns: string[]; orderable: boolean }>>();
  for (const r of rows) {
    const t = out.get(str(r.t)) ?? new Map<string, { unique: boolean; columns: string[]; orderable: boolean }>();
    out.set(str(r.t), t);
    const k = t.get(str(r.name)) ?? { unique: str(r.nu) === '0', columns: [], orderable: true };
    t.set(str(r.name), k);
    k.columns.push(str(r.col));
    if (str(r.nl) === 'YES' || (r.sub !== null && r.sub !== undefined) || str(r.it) !== 'BTREE' || r.col === null) k.orderable = false;
  }
  return new Map([...out].map(([t, keys]) => [t, [...keys].map(([name, k]) => ({ name, ...k }))]));
}

/** The column list to order a table's rows by, when one exists: the primary key, else the first usable unique key. */
export function rowOrder(keys: readonly KeyInfo[], createTable: string): string[] | undefined {
  const primary = keys.find((k) => k.name === 'PRIMARY');
  if (primary) return primary.orderable ? [...primary.columns] : undefined;
  const candidates = keys.filter((k) => k.unique && k.orderable);
  let best: KeyInfo | undefined;
  let bestAt = Infinity;
  for (const k of candidates) {
    const at = createTable.indexOf(`KEY ${quoteIdent(k.name)} (`);
    if (at >= 0 && at < bestAt) {
      best = k;
      bestAt = at;
    }
  }
  return best ? [...best.columns] : undefined;
}

const numericTypes = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'float', 'double', 'double precision', 'real', 'year']);
const floatTypes = new Set(['float', 'double', 'double precision', 'real']);
const temporalTypes = new Set(['date', 'datetime', 'timestamp', 'time']);
/** Types whose values are text the server must parse (a binary string of 16 bytes would be taken as a raw INET6). */
const parsedTextTypes = new Set(['inet4', 'inet6', 'uuid', 'json']);

/** Columns that LOAD DATA … CHARACTER SET binary would misread, so the restore converts them to text first. */
export function needsTextConversion(c: DumpColumn): boolean {
  return parsedTextTypes.has(c.type);
}

/** How a column travels through the dump (exact doubles) and how the export writes it. */
export function dumpColumn(c: ColumnInfo): DumpColumn {
  let literal: LiteralKind;
  if (numericTypes.has(c.dataType)) literal = 'number';
  else if (temporalTypes.has(c.dataType) || parsedTextTypes.has(c.dataType)) literal = 'text';
  else if (c.charset !== null && /^(utf8|ascii)/i.test(c.charset)) literal = 'text';
  else literal = 'hex';
  return { name: c.name, type: c.dataType, encoding: floatTypes.has(c.dataType) ? 'double' : 'raw', literal };
}

/** The SELECT expression that reads a column for the dump. */
export function selectExpression(c: DumpColumn): string {
  // The text protocol rounds FLOAT and DOUBLE; the WKB of a point carries the exact IEEE bits.
  return c.encoding === 'double' ? `ST_AsWKB(POINT(${quoteIdent(c.name)}, 0))` : quoteIdent(c.name);
}

export async function showCreateTable(s: MysqlSession, table: string): Promise<string> {
  const rows = await s.query(`SHOW CREATE TABLE ${quoteIdent(table)}`);
  const r = rows[0];
  const create = r?.['Create Table'] ?? r?.['Create Sequence'];
  if (typeof create !== 'string') throw new Error(`SHOW CREATE TABLE returned nothing for ${table}`);
  return create;
}

export async function readSequence(s: MysqlSession, name: string): Promise<DumpSequence> {
  // SHOW CREATE TABLE shows a sequence as its backing table; only SHOW CREATE SEQUENCE keeps start, increment and cache.
  const shown = await s.query(`SHOW CREATE SEQUENCE ${quoteIdent(name)}`);
  const create = shown[0]?.['Create Table'];
  if (typeof create !== 'string') throw new Error(`SHOW CREATE SEQUENCE returned nothing for ${name}`);
  const rows = await s.query(`SELECT next_not_cached_value AS v FROM ${quoteIdent(name)}`);
  return { name, create, nextValue: str(rows[0]?.v) };
}

export async function listViews(s: MysqlSession, db: string, columns: Map<string, ColumnInfo[]>): Promise<DumpView[]> {
  const names = await s.query(`SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [db]);
  const views: DumpView[] = [];
  for (const n of names) {
    const name = str(n.name);
    const rows = await s.query(`SHOW CREATE VIEW ${quoteIdent(name)}`);
    const r = rows[0];
    if (typeof r?.['Create View'] !== 'string') {
      throw new AirlockError('SOURCE_PRIVILEGE', `User "${s.conn.user}" cannot read the definition of view "${name}": it needs the SHOW VIEW privilege (GRANT SHOW VIEW ON ${quoteIdent(db)}.* TO …).`);
    }
    views.push({
      name,
      create: r['Create View'],
      characterSetClient: str(r.character_set_client),
      collationConnection: str(r.collation_connection),
      columns: (columns.get(name) ?? []).map((c) => c.name),
    });
  }
  return views;
}

/** Orders views so that each comes after the views it mentions; reports whether a cycle forced a fallback. */
export function orderViews(views: readonly DumpView[]): { views: DumpView[]; cyclic: boolean } {
  const byName = new Map(views.map((v) => [v.name, v]));
  const deps = new Map<string, Set<string>>();
  for (const v of views) {
    const body = v.create.slice(v.create.search(/\bAS\s/i));
    const d = new Set<string>();
    for (const other of views) if (other.name !== v.name && body.includes(quoteIdent(other.name))) d.add(other.name);
    deps.set(v.name, d);
  }
  const ordered: DumpView[] = [];
  const done = new Set<string>();
  let progress = true;
  while (progress && done.size < views.length) {
    progress = false;
    for (const v of views) {
      if (done.has(v.name)) continue;
      if ([...(deps.get(v.name) ?? [])].every((d) => done.has(d))) {
        ordered.push(v);
        done.add(v.name);
        progress = true;
      }
    }
  }
  const cyclic = done.size < views.length;
  for (const v of views) if (!done.has(v.name)) ordered.push(byName.get(v.name) as DumpView);
  return { views: ordered, cyclic };
}

function routinePrivilegeError(s: MysqlSession, kind: string, name: string): AirlockError {
  const grant = s.server.flavor === 'mariadb' ? 'SELECT on mysql.proc (GRANT SELECT ON mysql.proc TO …)' : 'SHOW_ROUTINE privilege (GRANT SHOW_ROUTINE ON *.* TO …)';
  return new AirlockError('SOURCE_PRIVILEGE', `User "${s.conn.user}" cannot read the body of ${kind.toLowerCase()} "${name}": it needs the ${grant}, or to be its definer.`);
}

export async function listRoutines(s: MysqlSession, db: string): Promise<DumpRoutine[]> {
  const list = await s.query(`SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE, ROUTINE_NAME`, [db]);
  const out: DumpRoutine[] = [];
  for (const r of list) {
    const name = str(r.name);
    const type = str(r.type) as DumpRoutine['type'];
    const rows = await s.query(`SHOW CREATE ${type} ${quoteIdent(name)}`);
    const row = rows[0];
    const key = `Create ${type === 'PACKAGE BODY' ? 'Package Body' : type.charAt(0) + type.slice(1).toLowerCase()}`;
    const create = row?.[key];
    if (typeof create !== 'string') throw routinePrivilegeError(s, type, name);
    out.push({
      name,
      type,
      create,
      sqlMode: str(row?.sql_mode),
      characterSetClient: str(row?.character_set_client),
      collationConnection: str(row?.collation_connection),
      databaseCollation: str(row?.['Database Collation']),
    });
  }
  return out;
}

/**
 * SHOW CREATE TRIGGER returns the statement as the user wrote it, which may name the table with its database
 * (`ON shop.orders`); restoring that into another database would put the trigger back on the source. Qualified
 * names in the header become plain ones.
 */
export function unqualifyTrigger(create: string): string {
  const ident = '(?:`(?:[^`]|``)*`|[A-Za-z0-9_$]+)';
  const re = new RegExp(`^(\\s*CREATE\\s+(?:DEFINER\\s*=\\s*\\S+\\s+)?TRIGGER\\s+)(?:${ident}\\s*\\.\\s*)?(${ident})(\\s+(?:BEFORE|AFTER)\\s+(?:INSERT|UPDATE|DELETE)\\s+ON\\s+)(?:${ident}\\s*\\.\\s*)?(${ident})`, 'i');
  return create.replace(re, '$1$2$3$4');
}

export async function listTriggers(s: MysqlSession, db: string): Promise<DumpTrigger[]> {
  const list = await s.query(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [db],
  );
  const out: DumpTrigger[] = [];
  for (const t of list) {
    const name = str(t.name);
    const rows = await s.query(`SHOW CREATE TRIGGER ${quoteIdent(name)}`);
    const row = rows[0];
    const create = row?.['SQL Original Statement'];
    if (typeof create !== 'string') {
      throw new AirlockError('SOURCE_PRIVILEGE', `User "${s.conn.user}" cannot read trigger "${name}": it needs the TRIGGER privilege (GRANT TRIGGER ON ${quoteIdent(db)}.* TO …).`);
    }
    out.push({
      name,
      table: str(t.tbl),
      create: unqualifyTrigger(create),
      sqlMode: str(row?.sql_mode),
      characterSetClient: str(row?.character_set_client),
      collationConnection: str(row?.collation_connection),
      databaseCollation: str(row?.['Database Collation']),
    });
  }
  return out;
}

export async function listEvents(s: MysqlSession, db: string): Promise<DumpEvent[]> {
  const list = await s.query(`SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME`, [db]);
  const out: DumpEvent[] = [];
  for (const e of list) {
    const name = str(e.name);
    const rows = await s.query(`SHOW CREATE EVENT ${quoteIdent(name)}`);
    const row = rows[0];
    const create = row?.['Create Event'];
    if (typeof create !== 'string') {
      throw new AirlockError('SOURCE_PRIVILEGE', `User "${s.conn.user}" cannot read event "${name}": it needs the EVENT privilege (GRANT EVENT ON ${quoteIdent(db)}.* TO …).`);
    }
    out.push({
      name,
      create,
      sqlMode: str(row?.sql_mode),
      timeZone: str(row?.time_zone),
      characterSetClient: str(row?.character_set_client),
      collationConnection: str(row?.collation_connection),
      databaseCollation: str(row?.['Database Collation']),
    });
  }
  return out;
}
