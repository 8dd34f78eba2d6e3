// Reads the facts that show a SQLite database is whole: integrity check, page size and count, tables with row counts.

import type Database from 'better-sqlite3';
import { quoteIdentifier } from './literals.ts';
import { userTables } from './schema.ts';

export interface SqliteTableInfo {
  readonly name: string;
  /** null when the rows cannot be counted (a virtual table whose module this SQLite lacks). */
  readonly rows: number | null;
  readonly virtual: boolean;
}

export interface SqliteIntegrity {
  readonly ok: boolean;
  /** "ok", or SQLite's first complaints. */
  readonly messages: readonly string[];
}

export interface SqliteFacts {
  readonly sqliteVersion: string;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly tables: readonly SqliteTableInfo[];
  readonly integrity: SqliteIntegrity;
}

const maxIntegrityMessages = 20;

export function inspectDatabase(db: Database.Database): SqliteFacts {
  const messages = db.prepare<[], string>(`PRAGMA integrity_check(${maxIntegrityMessages})`).pluck().all().map(String);
  return {
    sqliteVersion: String(db.prepare('SELECT sqlite_version()').pluck().get()),
    pageSize: Number(db.pragma('page_size', { simple: true })),
    pageCount: Number(db.pragma('page_count', { simple: true })),
    tables: countTables(db),
    integrity: { ok: messages.length === 1 && messages[0] === 'ok', messages },
  };
}

/** Every user table with its row count. */
export function countTables(db: Database.Database): SqliteTableInfo[] {
  return userTables(db).map((t) => ({ ...t, rows: countRows(db, t.name) }));
}

function countRows(db: Database.Database, table: string): number | null {
  try {
    return Number(db.prepare(`SELECT count(*) FROM main.${quoteIdentifier(table)}`).pluck().get());
  } catch {
    return null;
  }
}
