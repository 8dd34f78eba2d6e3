// Server-level operations the engine needs beyond one database: listing databases and dropping a scratch one.

import type { DatabaseConnection } from '../database-url.ts';
import { describePgError, openSession } from './connect.ts';
import { ident } from './sql-text.ts';

/** Databases a person backs up: every one that accepts connections, without the templates. */
export async function listPostgresDatabases(conn: DatabaseConnection, signal?: AbortSignal): Promise<string[]> {
  const session = await openSession(conn, { database: conn.database ?? 'postgres', ...(signal ? { signal } : {}) });
  try {
    const result = await session.client.query<{ datname: string }>('SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname');
    return result.rows.map((r) => r.datname);
  } catch (err) {
    throw describePgError(err, conn, 'listing the databases');
  } finally {
    await session.close();
  }
}

export async function dropPostgresDatabase(conn: DatabaseConnection, name: string): Promise<void> {
  const session = await openSession(conn, { database: 'postgres' });
  try {
    await session.client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  } catch (err) {
    throw describePgError(err, conn, `dropping the scratch database ${name}`);
  } finally {
    await session.close();
  }
}
