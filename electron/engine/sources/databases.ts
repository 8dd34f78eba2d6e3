// The database servers Airlock speaks to natively, behind one interface: dump, restore, export as SQL, verify, list, drop.

import type { Writable } from 'node:stream';
import type { DatabaseConnection, DatabaseKind } from './database-url.ts';
import type { DumpReader, DumpWriter } from './dump-streams.ts';
import { dumpMysql } from './mysql/dump.ts';
import { exportMysqlSql } from './mysql/export-sql.ts';
import { restoreMysql } from './mysql/restore.ts';
import { dropMysqlDatabase, listMysqlDatabases } from './mysql/server.ts';
import { verifyMysql } from './mysql/verify.ts';
import { dumpPostgres } from './postgres/dump.ts';
import { exportPostgresSql } from './postgres/export-sql.ts';
import { restorePostgres } from './postgres/restore.ts';
import { dropPostgresDatabase, listPostgresDatabases } from './postgres/server.ts';
import { verifyPostgresRestore } from './postgres/verify.ts';

export interface TableProgress {
  readonly table: string;
  readonly rows: number;
  readonly bytes: number;
  readonly rowsTotal?: number | undefined;
}

export interface DumpOutcome {
  readonly database: string;
  readonly serverVersion: string;
  readonly tables: number;
  readonly rows: number;
  readonly bytes: number;
  readonly warnings: readonly string[];
}

export interface RestoreOutcome {
  readonly database: string;
  readonly tables: number;
  readonly rows: number;
  readonly warnings: readonly string[];
}

export interface RestoreRequest {
  readonly overwrite?: boolean;
  readonly tables?: readonly string[];
  readonly schemaOnly?: boolean;
  readonly dataOnly?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: TableProgress) => void;
}

export interface VerifyOutcome {
  readonly ok: boolean;
  readonly tables: readonly { readonly table: string; readonly ok: boolean; readonly rows: number; readonly expectedRows: number }[];
}

export interface DatabaseDriver {
  /** With `tables`, only those tables (and what they need); a name the database lacks is a USAGE error. */
  dump(conn: DatabaseConnection, writer: DumpWriter, opts: { readonly signal?: AbortSignal; readonly tables?: readonly string[]; readonly onProgress?: (p: TableProgress) => void }): Promise<DumpOutcome>;
  restore(reader: DumpReader, conn: DatabaseConnection, opts: RestoreRequest): Promise<RestoreOutcome>;
  exportSql(reader: DumpReader, out: Writable, opts: { readonly tables?: readonly string[]; readonly signal?: AbortSignal }): Promise<void>;
  /** Compares a database just restored from `reader` with the row counts and checksums recorded at backup. */
  verify(reader: DumpReader, conn: DatabaseConnection, opts: { readonly signal?: AbortSignal }): Promise<VerifyOutcome>;
  listDatabases(conn: DatabaseConnection, signal?: AbortSignal): Promise<string[]>;
  dropDatabase(conn: DatabaseConnection, name: string): Promise<void>;
}

const postgres: DatabaseDriver = {
  async dump(conn, writer, opts) {
    const s = await dumpPostgres(conn, writer, opts);
    return { database: s.database, serverVersion: s.serverVersion, tables: s.tables, rows: s.rows, bytes: s.bytes, warnings: s.warnings };
  },
  async restore(reader, conn, opts) {
    const s = await restorePostgres(reader, conn, opts);
    return { database: s.database, tables: s.tables, rows: s.rows, warnings: s.warnings };
  },
  async exportSql(reader, out, opts) {
    // stdout must stay open: the CLI owns it.
    await exportPostgresSql(reader, out, { ...opts, end: false });
  },
  verify: verifyPostgresRestore,
  listDatabases: listPostgresDatabases,
  dropDatabase: dropPostgresDatabase,
};

const mysql: DatabaseDriver = {
  async dump(conn, writer, opts) {
    const s = await dumpMysql(conn, writer, opts);
    const unsafe = s.notCrashConsistent.length > 0 ? [`Not crash-consistent unless locked (non-transactional engines): ${s.notCrashConsistent.join(', ')}.`] : [];
    return { database: s.database, serverVersion: s.server.version, tables: s.tables.length, rows: s.rows, bytes: s.bytes, warnings: [...unsafe, ...s.warnings] };
  },
  async restore(reader, conn, opts) {
    const s = await restoreMysql(reader, conn, opts);
    const skipped = s.notRestored.length > 0 ? [`Not restored: ${s.notRestored.join(', ')}.`] : [];
    return { database: s.database, tables: s.tables.length, rows: s.rows, warnings: [...skipped, ...s.warnings] };
  },
  async exportSql(reader, out, opts) {
    await exportMysqlSql(reader, out, opts);
  },
  async verify(reader, conn, opts) {
    const tables = await verifyMysql(reader, conn, opts);
    return { ok: tables.every((t) => t.ok), tables: tables.map((t) => ({ table: t.table, ok: t.ok, rows: t.actualRows, expectedRows: t.expectedRows })) };
  },
  listDatabases: listMysqlDatabases,
  dropDatabase: dropMysqlDatabase,
};

export function driverFor(kind: DatabaseKind): DatabaseDriver {
  if (kind === 'postgres') return postgres;
  return mysql;
}
