// Reads what a SQLite database holds and plans how to rebuild it: which objects, in which order, which columns carry rows.

import type Database from 'better-sqlite3';
import { AirlockError } from '../../errors.ts';
import { quoteIdentifier } from './literals.ts';
import type { SqliteValue } from './literals.ts';

export interface SchemaObject {
  readonly name: string;
  /** The table (or view, for an INSTEAD OF trigger) the object belongs to. */
  readonly table: string;
  readonly sql: string;
}

export interface TablePlan {
  readonly name: string;
  /** The CREATE statement as SQLite stored it. */
  readonly sql: string;
  readonly virtual: boolean;
  /**
   * The columns whose values are copied, in order. A rowid alias (rowid, oid or _rowid_) comes first when the
   * table has rowids that are not a declared INTEGER PRIMARY KEY, so that rowids survive (full-text indexes and
   * programs refer to them). Generated columns are left out: SQLite computes them again.
   */
  readonly columns: readonly string[];
  /** False when the rows cannot be read back as values (a contentless full-text index). */
  readonly copyRows: boolean;
}

export interface SchemaPlan {
  /** In the order they were created, which is an order that loads. */
  readonly tables: readonly TablePlan[];
  readonly indexes: readonly SchemaObject[];
  readonly views: readonly SchemaObject[];
  readonly triggers: readonly SchemaObject[];
  /** AUTOINCREMENT counters of the planned tables. */
  readonly sequences: readonly { readonly name: string; readonly seq: SqliteValue }[];
  readonly userVersion: number;
  readonly applicationId: number;
  readonly warnings: readonly string[];
}

interface SchemaRow {
  readonly type: string;
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string | null;
}

interface ColumnRow {
  readonly name: string;
  readonly type: string;
  readonly pk: number;
  readonly hidden: number;
}

const isInternal = (name: string): boolean => name.toLowerCase().startsWith('sqlite_');
const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Plans the whole database, or only the tables and views named in `only` (names match as SQLite matches them,
 * ignoring ASCII case), with their indexes and triggers. `label` names the database in errors.
 */
export function planSchema(db: Database.Database, label: string, only?: readonly string[]): SchemaPlan {
  const rows = db.prepare<[], SchemaRow>('SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid').all();
  const kinds = tableKinds(db, rows);
  const warnings: string[] = [];

  const tableRows = rows.filter((r) => isUserTable(r, kinds));
  const viewRows = rows.filter((r) => r.type === 'view' && r.sql !== null);
  const chosen = only === undefined ? undefined : resolveNames(only, [...tableRows, ...viewRows], label);
  const included = (name: string): boolean => chosen === undefined || chosen.has(name);

  const tables = tableRows.filter((r) => included(r.name)).map((r) => planTable(db, r, kinds.get(r.name), warnings));
  const views = viewRows.filter((r) => included(r.name)).map(toObject);
  const tableNames = tables.map((t) => t.name);
  const owners = [...tableNames, ...views.map((v) => v.name)];
  const belongs = (r: SchemaRow, names: readonly string[]): boolean => names.some((n) => sameName(n, r.tbl_name));
  const indexes = rows.filter((r) => r.type === 'index' && r.sql !== null && belongs(r, tableNames)).map(toObject);
  const triggers = rows.filter((r) => r.type === 'trigger' && r.sql !== null && belongs(r, owners)).map(toObject);

  if (chosen !== undefined) warnAboutLeftOut(db, tables, tableNames, warnings);

  return {
    tables,
    indexes,
    views,
    triggers,
    sequences: readSequences(db, rows, tableNames),
    userVersion: Number(db.pragma('user_version', { simple: true })),
    applicationId: Number(db.pragma('application_id', { simple: true })),
    warnings,
  };
}

/** The tables that hold a program's data: no SQLite-internal tables, no shadow tables of virtual tables. */
export function userTables(db: Database.Database): { readonly name: string; readonly virtual: boolean }[] {
  const rows = db.prepare<[], SchemaRow>('SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid').all();
  const kinds = tableKinds(db, rows);
  return rows.filter((r) => isUserTable(r, kinds)).map((r) => ({ name: r.name, virtual: kinds.get(r.name)?.kind === 'virtual' }));
}

function isUserTable(r: SchemaRow, kinds: ReadonlyMap<string, TableKind>): boolean {
  return r.type === 'table' && r.sql !== null && !isInternal(r.name) && kinds.get(r.name)?.kind !== 'shadow';
}

/** SELECT of the copied columns, in plan order. */
export function selectRowsSql(table: TablePlan, schema = 'main'): string {
  return `SELECT ${table.columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table.name)}`;
}

/** `INSERT INTO "t"("a","b")` for the copied columns. */
export function insertIntoSql(table: TablePlan, schema?: string): string {
  const target = schema === undefined ? quoteIdentifier(table.name) : `${quoteIdentifier(schema)}.${quoteIdentifier(table.name)}`;
  return `INSERT INTO ${target}(${table.columns.map(quoteIdentifier).join(',')})`;
}

function toObject(r: SchemaRow): SchemaObject {
  return { name: r.name, table: r.tbl_name, sql: r.sql ?? '' };
}

interface TableKind {
  readonly kind: 'table' | 'virtual' | 'shadow';
  readonly withoutRowid: boolean;
}

function tableKinds(db: Database.Database, rows: readonly SchemaRow[]): Map<string, TableKind> {
  const kinds = new Map<string, TableKind>();
  try {
    for (const t of db.prepare<[], { name: string; type: string; wr: number }>("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'").all()) {
      if (t.type === 'table' || t.type === 'virtual' || t.type === 'shadow') kinds.set(t.name, { kind: t.type, withoutRowid: t.wr === 1 });
    }
    return kinds;
  } catch {
    // table_list fails when a virtual table's module is not compiled in; fall back to reading the CREATE text.
  }
  const virtual = rows.filter((r) => r.type === 'table' && r.sql !== null && /^\s*CREATE\s+VIRTUAL\s+TABLE\b/i.test(r.sql)).map((r) => r.name);
  for (const r of rows) {
    if (r.type !== 'table') continue;
    const shadow = virtual.some((v) => r.name.toLowerCase().startsWith(`${v.toLowerCase()}_`));
    const withoutRowid = /\bWITHOUT\s+ROWID\s*(?:,\s*STRICT\s*)?$/i.test(r.sql ?? '');
    kinds.set(r.name, { kind: virtual.includes(r.name) ? 'virtual' : shadow ? 'shadow' : 'table', withoutRowid });
  }
  return kinds;
}

function resolveNames(requested: readonly string[], candidates: readonly SchemaRow[], label: string): Set<string> {
  const chosen = new Set<string>();
  const unknown: string[] = [];
  for (const name of requested) {
    const match = candidates.find((c) => c.name === name) ?? candidates.find((c) => sameName(c.name, name));
    if (match === undefined) unknown.push(name);
    else chosen.add(match.name);
  }
  if (unknown.length > 0) {
    const available = candidates.map((c) => c.name).join(', ') || '(none)';
    const listed = unknown.map((n) => `"${n}"`).join(', ');
    throw new AirlockError('USAGE', `${label} has no table or view named ${listed}. It has: ${available}.`);
  }
  return chosen;
}

function planTable(db: Database.Database, row: SchemaRow, kind: TableKind | undefined, warnings: string[]): TablePlan {
  const sql = row.sql ?? '';
  const virtual = kind?.kind === 'virtual';
  let columns: ColumnRow[];
  try {
    columns = db.prepare<[string], ColumnRow>("SELECT name, type, pk, hidden FROM pragma_table_xinfo(?, 'main')").all(row.name);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    warnings.push(`Table "${row.name}" cannot be read by this SQLite (${reason}); it is created but its rows are not copied.`);
    return { name: row.name, sql, virtual, columns: [], copyRows: false };
  }
  return virtual ? planVirtualTable(row.name, sql, columns, warnings) : planOrdinaryTable(db, row.name, sql, columns, kind?.withoutRowid ?? false, warnings);
}

function planOrdinaryTable(db: Database.Database, name: string, sql: string, columns: readonly ColumnRow[], withoutRowid: boolean, warnings: string[]): TablePlan {
  // hidden 2 and 3 are generated columns (virtual, stored): they cannot be inserted into.
  const stored = columns.filter((c) => c.hidden === 0).map((c) => c.name);
  const plan = { name, sql, virtual: false, copyRows: true };
  if (withoutRowid || !hasHiddenRowid(db, name, columns)) return { ...plan, columns: stored };
  const alias = ['rowid', 'oid', '_rowid_'].find((a) => !columns.some((c) => sameName(c.name, a)));
  if (alias === undefined) {
    warnings.push(`Table "${name}" has columns named rowid, oid and _rowid_, so its hidden rowids cannot be kept; its rows are copied with new rowids.`);
    return { ...plan, columns: stored };
  }
  return { ...plan, columns: [alias, ...stored] };
}

/** True for a rowid table whose rowid is not also a column (an INTEGER PRIMARY KEY is the rowid itself). */
function hasHiddenRowid(db: Database.Database, name: string, columns: readonly ColumnRow[]): boolean {
  const pk = columns.filter((c) => c.pk > 0);
  if (pk.length !== 1 || pk[0]?.type.toUpperCase() !== 'INTEGER') return true;
  // "INTEGER PRIMARY KEY DESC" is SQLite's one exception: it gets its own index and is not the rowid.
  return db.prepare<[string], { origin: string }>("SELECT origin FROM pragma_index_list(?, 'main') WHERE origin = 'pk'").get(name) !== undefined;
}

function planVirtualTable(name: string, sql: string, columns: readonly ColumnRow[], warnings: string[]): TablePlan {
  const module = /\bUSING\s+["'`[]?(\w+)/i.exec(sql)?.[1]?.toLowerCase() ?? '';
  // Hidden columns of a virtual table (an FTS table's own-name column, rank, docid) are not data.
  const visible = columns.filter((c) => c.hidden === 0).map((c) => c.name);
  const fullText = /^fts[345]$/.test(module);
  if (fullText && /\bcontent\s*=\s*(?:''|"")/i.test(sql)) {
    warnings.push(`Full-text table "${name}" is contentless: its indexed text cannot be read back, so it is created empty. Rebuild it from its source after loading.`);
    return { name, sql, virtual: true, columns: visible, copyRows: false };
  }
  // Inserting through the virtual table rebuilds its index and shadow tables; an FTS table keeps its rowids.
  return { name, sql, virtual: true, columns: fullText ? ['rowid', ...visible] : visible, copyRows: true };
}

function warnAboutLeftOut(db: Database.Database, tables: readonly TablePlan[], names: readonly string[], warnings: string[]): void {
  const left = (target: string): boolean => !names.some((n) => sameName(n, target));
  for (const t of tables) {
    if (t.virtual) {
      const content = /\bcontent\s*=\s*(['"]?)([^'",)\s]+)\1/i.exec(t.sql)?.[2];
      if (content !== undefined && left(content)) {
        warnings.push(`Full-text table "${t.name}" reads its text from table "${content}", which is not included; searches return rows that cannot be shown until "${content}" is restored too.`);
      }
      continue;
    }
    const targets = db.prepare<[string], { table: string }>("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?, 'main')").all(t.name);
    for (const { table } of targets) {
      if (left(table)) warnings.push(`Table "${t.name}" has a foreign key to "${table}", which is not included; its rows may point at rows that are missing until "${table}" is restored too.`);
    }
  }
}

function readSequences(db: Database.Database, rows: readonly SchemaRow[], tableNames: readonly string[]): SchemaPlan['sequences'] {
  if (!rows.some((r) => r.type === 'table' && r.name === 'sqlite_sequence')) return [];
  const stmt = db.prepare<[], { name: string; seq: SqliteValue }>('SELECT name, seq FROM main.sqlite_sequence').safeIntegers(true);
  return stmt.all().filter((s) => tableNames.some((n) => sameName(n, s.name)));
}
