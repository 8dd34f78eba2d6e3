// Server-level operations the engine needs beyond one database: listing databases and dropping a scratch one.

import type { DatabaseConnection } from '../database-url.ts';
import { describeMysqlError, openMysql } from './connect.ts';
import { quoteIdent } from './sql-text.ts';

/** The server's own schemas are never backed up as user databases. */
const systemSchemas = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

export async function listMysqlDatabases(conn: DatabaseConnection, signal?: AbortSignal): Promise<string[]> {
  const session = await openMysql(conn, { database: null, signal, doing: 'listing the databases' });
  try {
    const rows = await session.query<{ name: string }>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME');
    return rows.map((r) => r.name).filter((n) => !systemSchemas.has(n.toLowerCase()));
  } catch (err) {
    throw describeMysqlError(err, conn, 'listing the databases');
  } finally {
    await session.close();
  }
}

export async function dropMysqlDatabase(conn: DatabaseConnection, name: string): Promise<void> {
  const session = await openMysql(conn, { database: null, doing: `dropping the scratch database ${name}` });
  try {
    await session.run(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  } catch (err) {
    throw describeMysqlError(err, conn, `dropping the scratch database ${name}`);
  } finally {
    await session.close();
  }
}
