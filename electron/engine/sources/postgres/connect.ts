// Opens PostgreSQL sessions for dumps and restores, and turns driver and server errors into sentences a person can act on.

import { basename, dirname } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { unreachableError } from '../network-errors.ts';
import { readCaFile } from '../tls-ca.ts';
import { AirlockError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';

/** The oldest server whose catalogs this source reads (attgenerated, pg_sequence, prokind all exist from 12 on). */
export const minimumServerVersion = 120000;

export interface ServerInfo {
  /** server_version_num, e.g. 150020. */
  readonly versionNum: number;
  /** server_version, e.g. "15.20 (Debian 15.20-0+deb12u1)". */
  readonly version: string;
  readonly superuser: boolean;
  readonly user: string;
}

export interface OpenOptions {
  /** Connect to this database instead of the one in the connection (e.g. "postgres" to create the target). */
  readonly database?: string;
  readonly signal?: AbortSignal | undefined;
}

/** A session plus what we learned about the server when it opened. */
export interface Session {
  readonly client: pg.Client;
  readonly server: ServerInfo;
  /** The error that ended the session, if the server or network dropped it. */
  lostWith(): Error | undefined;
  close(): Promise<void>;
}

/** Throws SOURCE_UNSUPPORTED for servers older than the catalogs this source understands. */
export function checkServerVersion(versionNum: number, version: string): void {
  if (!Number.isInteger(versionNum) || versionNum < minimumServerVersion) {
    throw new AirlockError('SOURCE_UNSUPPORTED', `PostgreSQL ${version} is not supported: Airlock needs PostgreSQL 12 or newer. Upgrade the server, or back it up with that server's own pg_dump.`);
  }
}

async function sslOptions(conn: DatabaseConnection): Promise<boolean | ConnectionOptions> {
  if (conn.socket !== undefined || conn.sslMode === 'disable') return false;
  if (conn.sslMode === 'prefer' || conn.sslMode === 'require') return { rejectUnauthorized: false };
  const ca = await readCaFile(conn);
  const base: ConnectionOptions = ca === undefined ? { rejectUnauthorized: true } : { rejectUnauthorized: true, ca };
  // verify-ca checks the chain but not the host name, as libpq does.
  return conn.sslMode === 'verify-ca' ? { ...base, checkServerIdentity: () => undefined } : base;
}

/** libpq takes the socket's directory; accept the socket file itself too (…/.s.PGSQL.5432). */
function socketTarget(socket: string, port: number): { host: string; port: number } {
  const m = /^\.s\.PGSQL\.(\d+)$/.exec(basename(socket));
  return m ? { host: dirname(socket), port: Number(m[1]) } : { host: socket, port };
}

function clientConfig(conn: DatabaseConnection, database: string, ssl: boolean | ConnectionOptions): pg.ClientConfig {
  const where = conn.socket === undefined ? { host: conn.host, port: conn.port } : socketTarget(conn.socket, conn.port);
  const config: pg.ClientConfig = {
    ...where,
    user: conn.user,
    database,
    ssl,
    application_name: 'airlock',
    connectionTimeoutMillis: 15_000,
    keepAlive: true,
  };
  if (conn.password !== undefined) config.password = conn.password;
  return config;
}

async function connectOnce(config: pg.ClientConfig): Promise<{ client: pg.Client; lost: () => Error | undefined }> {
  const client = new pg.Client(config);
  let lost: Error | undefined;
  // An idle client whose backend is terminated emits 'error'; without a listener that would crash the process.
  client.on('error', (err) => {
    lost ??= err;
  });
  client.on('end', () => {
    lost ??= new Error('Connection terminated');
  });
  await client.connect();
  return { client, lost: () => lost };
}

/** Opens one session, checks the server version and the account, and makes aborting the signal close it. */
export async function openSession(conn: DatabaseConnection, opts: OpenOptions = {}): Promise<Session> {
  const database = opts.database ?? conn.database;
  if (database === undefined) {
    throw new AirlockError('SOURCE_INVALID', `The address ${describeConnection(conn)} names no database. Add one after the port, like postgres://user@host:5432/shop.`);
  }
  opts.signal?.throwIfAborted();
  const ssl = await sslOptions(conn);
  let opened: Awaited<ReturnType<typeof connectOnce>>;
  try {
    opened = await connectOnce(clientConfig(conn, database, ssl));
  } catch (err) {
    if (conn.sslMode === 'prefer' && ssl !== false && err instanceof Error && /does not support SSL/i.test(err.message)) {
      try {
        opened = await connectOnce(clientConfig(conn, database, false));
      } catch (plainErr) {
        throw describePgError(plainErr, conn, `connecting to database "${database}"`, database);
      }
    } else {
      throw describePgError(err, conn, `connecting to database "${database}"`, database);
    }
  }
  const { client, lost } = opened;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    opts.signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  };
  // Ending a client with a query in flight drops the socket, so the server rolls back whatever that session was doing.
  const onAbort = (): void => void close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await client.query<{ num: string; version: string; superuser: boolean; usr: string }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
              (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser, current_user AS usr`,
    );
    const row = r.rows[0];
    if (!row) throw new Error('the server did not answer the version query');
    const server: ServerInfo = { versionNum: Number(row.num), version: row.version, superuser: row.superuser, user: row.usr };
    checkServerVersion(server.versionNum, server.version);
    return { client, server, lostWith: lost, close };
  } catch (err) {
    await close();
    throw err instanceof AirlockError ? err : describePgError(err, conn, `connecting to database "${database}"`, database);
  }
}

interface PgLikeError {
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
}

function isPgLike(err: unknown): err is PgLikeError {
  return err instanceof Error;
}

/** Names the privilege a "permission denied" message is about, as a GRANT the administrator can run. */
export function missingPrivilege(message: string, user: string): string | undefined {
  const m = /permission denied for (table|sequence|schema|function|procedure|view|materialized view|large object|database|type|language) (.+)$/i.exec(message);
  if (!m?.[1] || !m[2]) return undefined;
  const kind = m[1].toLowerCase();
  const target = m[2];
  const quotedUser = `"${user.replaceAll('"', '""')}"`;
  switch (kind) {
    case 'table':
    case 'view':
    case 'materialized view':
      return `SELECT on ${kind} ${target} (GRANT SELECT ON ${target} TO ${quotedUser})`;
    case 'sequence':
      return `SELECT on sequence ${target} (GRANT SELECT ON SEQUENCE ${target} TO ${quotedUser})`;
    case 'schema':
      return `USAGE on schema ${target} (GRANT USAGE ON SCHEMA ${target} TO ${quotedUser})`;
    case 'large object':
      return `SELECT on large object ${target} (GRANT SELECT ON LARGE OBJECT ${target} TO ${quotedUser})`;
    case 'database':
      return `CONNECT or CREATE on database ${target}`;
    default:
      return `USAGE/EXECUTE on ${kind} ${target}`;
  }
}

/**
 * Turns a driver or server error into an AirlockError. `doing` completes "… while <doing>".
 * Messages never contain the password: the driver's config object holds it and no message quotes it.
 */
export function describePgError(err: unknown, conn: DatabaseConnection, doing: string, database?: string): AirlockError {
  if (err instanceof AirlockError) return err;
  if (!isPgLike(err)) return new AirlockError('SOURCE_UNREACHABLE', `PostgreSQL failed while ${doing}: ${String(err)}`);
  const where = describeConnection(database === undefined ? conn : { ...conn, database });
  const server = conn.socket ?? `${conn.host}:${conn.port}`;
  const code = err.code ?? '';
  const unreachable = unreachableError(code, 'PostgreSQL', conn, err);
  if (unreachable) return unreachable;
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return new AirlockError('SOURCE_CONNECTION_LOST', `The connection to PostgreSQL at ${server} was reset while ${doing}. Nothing partial was kept; run the command again.`, { cause: err });
    case '28P01':
      return new AirlockError('SOURCE_AUTH_FAILED', `PostgreSQL rejected the password for user "${conn.user}" at ${server}. Check the password in AIRLOCK_DB_PASSWORD or the --db-password-file.`, { cause: err });
    case '28000':
      return new AirlockError('SOURCE_AUTH_FAILED', `PostgreSQL refused user "${conn.user}" at ${server}: ${err.message}. Check the user name and the server's pg_hba.conf.`, { cause: err });
    case '3D000':
      return new AirlockError('SOURCE_NOT_FOUND', `${err.message} on ${server}. Check the database name in ${where}.`, { cause: err });
    case '42501': {
      const privilege = missingPrivilege(err.message, conn.user);
      return new AirlockError('SOURCE_PRIVILEGE', privilege === undefined
        ? `User "${conn.user}" lacks a privilege needed while ${doing}: ${err.message}.`
        : `User "${conn.user}" lacks the ${privilege} needed while ${doing}.`, { cause: err });
    }
    case '53300':
      return new AirlockError('SOURCE_UNREACHABLE', `PostgreSQL at ${server} has no free connections (${err.message}). Try again later or raise max_connections.`, { cause: err });
    case '57P01':
    case '57P02':
    case '57P03':
      return new AirlockError('SOURCE_CONNECTION_LOST', `The PostgreSQL server ended the session while ${doing} (${err.message}). Nothing partial was kept; run the command again.`, { cause: err });
    case '25P02':
    case '40001':
      return new AirlockError('SOURCE_CHANGED', `PostgreSQL aborted the transaction while ${doing}: ${err.message}. Run the command again.`, { cause: err });
    default:
      break;
  }
  if (/Connection terminated|connection ended|Client has encountered a connection error|not queryable/i.test(err.message)) {
    return new AirlockError('SOURCE_CONNECTION_LOST', `The connection to PostgreSQL at ${server} was lost while ${doing}. Nothing partial was kept; run the command again.`, { cause: err });
  }
  if (/does not support SSL/i.test(err.message)) {
    return new AirlockError('SOURCE_UNREACHABLE', `PostgreSQL at ${server} does not accept SSL connections but sslmode=${conn.sslMode} requires it. Enable SSL on the server or use sslmode=prefer.`, { cause: err });
  }
  if (/certificate|self[- ]signed|SSL/i.test(err.message)) {
    return new AirlockError('SOURCE_UNREACHABLE', `The TLS connection to PostgreSQL at ${server} failed (${err.message}). Check ?ca= and ?sslmode=.`, { cause: err });
  }
  const detail = err.detail ? ` (${err.detail})` : '';
  return new AirlockError('SOURCE_INVALID', `PostgreSQL reported an error while ${doing}: ${err.message}${detail}.`, { cause: err });
}
