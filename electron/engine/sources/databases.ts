// The database servers Airlock speaks to natively, behind one interface: dump, restore, export as SQL, verify, list, drop.

import type { Writable } from 'node:stream';
import type { DatabaseConnection, DatabaseKind } from './database-url.ts';
import type { DumpReader, DumpWriter } from './dump-streams.ts';

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

/*
 * Each method imports its driver's code when called: the MySQL and PostgreSQL clients weigh more than a small files
 * backup's whole work, and every backup, restore and drill reaches this module.
 */
const postgres: DatabaseDriver = {
  async dump(conn, writer, opts) {
    const { dumpPostgres } = await import('./postgres/dump.ts');
    const s = await dumpPostgres(conn, writer, opts);
    return { database: s.database, serverVersion: s.serverVersion, tables: s.tables, rows: s.rows, bytes: s.bytes, warnings: s.warnings };
  },
  async restore(reader, conn, opts) {
    const { restorePostgres } = await import('./postgres/restore.ts');
    const s = await restorePostgres(reader, conn, opts);
    return { database: s.database, tables: s.tables, rows: s.rows, warnings: s.warnings };
  },
  async exportSql(reader, out, opts) {
    const { exportPostgresSql } = await import('./postgres/export-sql.ts');
    // stdout must stay open: the CLI owns it.
    await exportPostgresSql(reader, out, { ...opts, end: false });
  },
  async verify(reader, conn, opts) {
    const { verifyPostgresRestore } = await import('./postgres/verify.ts');
    return verifyPostgresRestore(reader, conn, opts);
  },
  async listDatabases(conn, signal) {
    const { listPostgresDatabases } = await import('./postgres/server.ts');
    return listPostgresDatabases(conn, signal);
  },
  async dropDatabase(conn, name) {
    const { dropPostgresDatabase } = await import('./postgres/server.ts');
    await dropPostgresDatabase(conn, name);
  },
};

const mysql: DatabaseDriver = {
  async dump(conn, writer, opts) {
    const { dumpMysql } = await import('./mysql/dump.ts');
    const s = await dumpMysql(conn, writer, opts);
    const unsafe = s.notCrashConsistent.length > 0 ? [`Not crash-consistent unless locked (non-transactional engines): ${s.notCrashConsistent.join(', ')}.`] : [];
    return { database: s.database, serverVersion: s.server.version, tables: s.tables.length, rows: s.rows, bytes: s.bytes, warnings: [...unsafe, ...s.warnings] };
  },
  async restore(reader, conn, opts) {
    const { restoreMysql } = await import('./mysql/restore.ts');
    const s = await restoreMysql(reader, conn, opts);
    const skipped = s.notRestored.length > 0 ? [`Not restored: ${s.notRestored.join(', ')}.`] : [];
    return { database: s.database, tables: s.tables.length, rows: s.rows, warnings: [...skipped, ...s.warnings] };
  },
  async exportSql(reader, out, opts) {
    const { exportMysqlSql } = await import('./mysql/export-sql.ts');
    await exportMysqlSql(reader, out, opts);
  },
  async verify(reader, conn, opts) {
    const { verifyMysql } = await import('./mysql/verify.ts');
    const tables = await verifyMysql(reader, conn, opts);
    return { ok: tables.every((t) => t.ok), tables: tables.map((t) => ({ table: t.table, ok: t.ok, rows: t.actualRows, expectedRows: t.expectedRows })) };
  },
  async listDatabases(conn, signal) {
    const { listMysqlDatabases } = await import('./mysql/server.ts');
    return listMysqlDatabases(conn, signal);
  },
  async dropDatabase(conn, name) {
    const { dropMysqlDatabase } = await import('./mysql/server.ts');
    await dropMysqlDatabase(conn, name);
  },
};

export function driverFor(kind: DatabaseKind): DatabaseDriver {
  if (kind === 'postgres') return postgres;
  return mysql;
}
