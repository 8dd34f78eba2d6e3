// Source channels: "Test connection" that names the exact problem, and the tables of a SQLite, MySQL/MariaDB or PostgreSQL source for picking.

import { readdir } from 'node:fs/promises';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import type { Engine } from '../../create-engine.ts';
import { AirlockError } from '../../errors.ts';
import { formatCount, plural } from '../../health/wording.ts';
import { checkSource } from '../../jobs/job-source.ts';
import { secretKeys } from '../../ports.ts';
import { isDatabaseUrl, parseDatabaseUrl, type DatabaseConnection } from '../../sources/database-url.ts';
import { driverFor } from '../../sources/databases.ts';
import { listTables as listMysqlTables } from '../../sources/mysql/catalog-queries.ts';
import { describeMysqlError, openMysql } from '../../sources/mysql/connect.ts';
import { describePgError, openSession } from '../../sources/postgres/connect.ts';
import { countTables } from '../../sources/sqlite/inspect.ts';
import { openReadOnly } from '../../sources/sqlite/open.ts';
import type { HandlerMap } from '../handler.ts';

type Table = ChannelOutput<'sources.tables'>['tables'][number];
type SourceKind = Extract<ChannelOutput<'sources.test'>, { ok: true }>['kind'];

function sqlitePathOf(source: string): string | undefined {
  const m = /^sqlite:\/\/(\/.+)$/i.exec(source);
  return m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
}

function checked(source: string): void {
  const problem = checkSource(source);
  if (problem !== undefined) throw new AirlockError('SOURCE_INVALID', `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`);
}

/** The connection with its password: the one typed now, else the one remembered for this source. */
async function connectionOf(engine: Engine, source: string, password: string | undefined): Promise<DatabaseConnection> {
  const secret = password ?? (await engine.secrets.get(secretKeys.databasePassword(source)));
  return parseDatabaseUrl(source, secret === '' ? undefined : secret);
}

async function sqliteTables(path: string): Promise<Table[]> {
  const opened = await openReadOnly(path);
  try {
    return countTables(opened.db).map((t) => ({ name: t.name, schema: null, rows: t.rows, bytes: null }));
  } finally {
    await opened.close();
  }
}

async function mysqlTables(conn: DatabaseConnection): Promise<Table[]> {
  const database = conn.database;
  if (database === undefined) throw new AirlockError('SOURCE_INVALID', 'Add the database name at the end of the address, like mysql://user@host:3306/shop, to list its tables.');
  const session = await openMysql(conn, { doing: 'listing the tables' });
  try {
    const tables = await listMysqlTables(session, database);
    return tables.filter((t) => t.kind === 'table').map((t) => ({ name: t.name, schema: null, rows: t.rowsEstimate, bytes: t.dataLength }));
  } catch (err) {
    throw describeMysqlError(err, conn, 'listing the tables', database);
  } finally {
    await session.close();
  }
}

async function postgresTables(conn: DatabaseConnection): Promise<Table[]> {
  const session = await openSession(conn);
  try {
    const result = await session.client.query<{ schema: string; name: string; rows: string; bytes: string }>(
      `SELECT n.nspname AS schema, c.relname AS name, c.reltuples::bigint::text AS rows, pg_total_relation_size(c.oid)::text AS bytes
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1, 2`,
    );
    // reltuples is -1 for a table never analysed: unknown, not negative.
    return result.rows.map((r) => ({ name: r.name, schema: r.schema, rows: Number(r.rows) >= 0 ? Number(r.rows) : null, bytes: Number(r.bytes) }));
  } catch (err) {
    throw describePgError(err, conn, 'listing the tables');
  } finally {
    await session.close();
  }
}

async function tablesOf(engine: Engine, source: string, password: string | undefined): Promise<Table[]> {
  checked(source);
  const sqlite = sqlitePathOf(source);
  if (sqlite !== undefined) return sqliteTables(sqlite);
  if (!isDatabaseUrl(source)) throw new AirlockError('USAGE', `${source} is a folder; only databases have tables.`);
  const conn = await connectionOf(engine, source, password);
  return conn.kind === 'mysql' ? mysqlTables(conn) : postgresTables(conn);
}

async function testSource(engine: Engine, source: string, password: string | undefined): Promise<{ kind: SourceKind; detail: string }> {
  checked(source);
  const sqlite = sqlitePathOf(source);
  if (sqlite !== undefined) {
    const tables = await sqliteTables(sqlite);
    return { kind: 'sqlite', detail: `SQLite database with ${formatCount(tables.length)} ${plural(tables.length, 'table', 'tables')}` };
  }
  if (isDatabaseUrl(source)) {
    const conn = await connectionOf(engine, source, password);
    const name = conn.kind === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL';
    if (conn.database === undefined) {
      const databases = await driverFor(conn.kind).listDatabases(conn);
      return { kind: conn.kind, detail: `${name} server with ${formatCount(databases.length)} ${plural(databases.length, 'database', 'databases')}` };
    }
    const tables = conn.kind === 'mysql' ? await mysqlTables(conn) : await postgresTables(conn);
    return { kind: conn.kind, detail: `${name} database ${conn.database} with ${formatCount(tables.length)} ${plural(tables.length, 'table', 'tables')}` };
  }
  let names: string[];
  try {
    names = await readdir(source);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    if (code === 'ENOENT') throw new AirlockError('SOURCE_UNREACHABLE', `There is no folder at ${source}. Check the path, or whether its drive is plugged in.`, { cause: err });
    if (code === 'ENOTDIR') throw new AirlockError('SOURCE_INVALID', `${source} is a file, not a folder. Choose the folder that holds it.`, { cause: err });
    throw new AirlockError('SOURCE_UNREACHABLE', `The folder ${source} cannot be read. Check its permissions.`, { cause: err });
  }
  return { kind: 'files', detail: `Folder with ${formatCount(names.length)} ${plural(names.length, 'item', 'items')} at the top` };
}

export const sourceHandlers: HandlerMap<'sources.test' | 'sources.tables'> = {
  async 'sources.test'(engine, { source, password }) {
    try {
      return { ok: true, ...(await testSource(engine, source, password)) };
    } catch (err) {
      // The answer to "does it work?" is the problem itself, not a failed call.
      if (err instanceof AirlockError) return { ok: false, code: err.code, message: err.message };
      throw err;
    }
  },

  async 'sources.tables'(engine, { source, password }) {
    return { tables: await tablesOf(engine, source, password) };
  },
};
