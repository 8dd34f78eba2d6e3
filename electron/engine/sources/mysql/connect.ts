// Opens MySQL/MariaDB sessions through mysql2 for dumps and restores, and turns driver and server errors into sentences a person can act on.

import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import mysql from 'mysql2';
import type { Connection, ConnectionOptions, FieldPacket, QueryError, QueryOptions, ResultSetHeader, SslOptions } from 'mysql2';
import { unreachableError } from '../network-errors.ts';
import { readCaFile } from '../tls-ca.ts';
import { AirlockError } from '../../errors.ts';
import { describeConnection, type DatabaseConnection } from '../database-url.ts';
import { quoteIdent } from './sql-text.ts';

export interface MysqlServer {
  /** VERSION(), e.g. "10.11.19-MariaDB-0+deb12u1". */
  readonly version: string;
  readonly flavor: 'mariadb' | 'mysql';
  readonly major: number;
  readonly minor: number;
}

export interface OpenOptions {
  /** Database to select; `null` opens the session without one (to create the target). Defaults to the connection's. */
  readonly database?: string | null;
  /** Allow LOAD DATA LOCAL INFILE from streams we hand over (never from files the server names). */
  readonly localInfile?: boolean;
  readonly signal?: AbortSignal | undefined;
  /** What the session is for, to complete "… while <doing>" in messages. */
  readonly doing?: string;
}

export type Row = Record<string, unknown>;

/**
 * Handlers for a row-by-row query. `onRow` gets the row as the server sent it: the payload of a text-protocol row
 * packet, `packet[start, end)`, each column a length-encoded string or 0xFB for NULL (RowEncoder.addPayload reads it).
 * The bytes belong to the driver's receive buffer and are only valid during the call.
 */
export interface RowHandlers {
  onRow(packet: Buffer, start: number, end: number): void;
  onEnd(): void;
  onError(err: unknown): void;
}

/** A running row-by-row query: pause/resume apply back-pressure to the server through the socket. */
export interface RowQuery {
  pause(): void;
  resume(): void;
}

export interface MysqlSession {
  readonly server: MysqlServer;
  readonly conn: DatabaseConnection;
  /** Rows as objects (text as strings, big numbers as strings, dates as strings). */
  query<T extends Row = Row>(sql: string, values?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement that returns no rows. */
  run(sql: string, values?: readonly unknown[]): Promise<ResultSetHeader>;
  /** Streams a query's rows as raw row packets with back-pressure. */
  streamRows(sql: string, handlers: RowHandlers): RowQuery;
  /** Runs LOAD DATA LOCAL INFILE with `source` as the file; the session must be opened with localInfile. */
  loadLocal(sql: string, source: () => Readable): Promise<ResultSetHeader>;
  /** The socket, so that an infile source can wait for the server to drain it. */
  readonly socket: Socket;
  /** The error that ended the session, if the server or network dropped it. */
  lostWith(): Error | undefined;
  close(): Promise<void>;
  /** Drops the connection at once; the server rolls back whatever the session was doing. */
  destroy(): void;
}

/** Connections to use for `wanted` (default 2), between 1 and 16, never more than there is work for. */
export function workerCount(wanted: number | undefined, work: number): number {
  const n = wanted === undefined || !Number.isFinite(wanted) ? 2 : Math.floor(wanted);
  return Math.max(1, Math.min(n, 16, work));
}

/** Oldest servers whose catalogs and syntax this source relies on (sequences, CHECK, SHOW CREATE forms). */
const minimum = { mariadb: [10, 3], mysql: [5, 7] } as const;

export function parseServerVersion(version: string): MysqlServer {
  const m = /^(\d+)\.(\d+)/.exec(version);
  const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  return { version, flavor, major: m ? Number(m[1]) : 0, minor: m ? Number(m[2]) : 0 };
}

export function checkServerVersion(server: MysqlServer): void {
  const [maj, min] = minimum[server.flavor];
  if (server.major < maj || (server.major === maj && server.minor < min)) {
    const name = server.flavor === 'mariadb' ? 'MariaDB' : 'MySQL';
    throw new AirlockError('SOURCE_UNSUPPORTED', `${name} ${server.version} is not supported: Airlock needs ${name} ${maj}.${min} or newer. Upgrade the server, or back it up with that server's own mysqldump.`);
  }
}

async function sslOption(conn: DatabaseConnection): Promise<ConnectionOptions['ssl'] | undefined> {
  if (conn.socket !== undefined || conn.sslMode === 'disable') return undefined;
  if (conn.sslMode === 'prefer' || conn.sslMode === 'require') return { rejectUnauthorized: false };
  const ca = await readCaFile(conn);
  // mysql2 checks the host name only with verifyIdentity; verify-ca checks the chain alone, as libmysqlclient does.
  const ssl: SslOptions & { verifyIdentity?: boolean } = { rejectUnauthorized: true, verifyIdentity: conn.sslMode === 'verify-full' };
  if (ca !== undefined) ssl.ca = ca;
  return ssl;
}

function connectionOptions(conn: DatabaseConnection, database: string | undefined, ssl: ConnectionOptions['ssl'] | undefined, localInfile: boolean): ConnectionOptions {
  const options: ConnectionOptions = {
    user: conn.user,
    charset: 'utf8mb4_general_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false,
    connectTimeout: 15_000,
    // Never let the server ask for a local file: LOAD DATA LOCAL only ever reads the streams we hand over.
    flags: localInfile ? ['+LOCAL_FILES'] : ['-LOCAL_FILES'],
  };
  if (conn.socket !== undefined) options.socketPath = conn.socket;
  else {
    options.host = conn.host;
    options.port = conn.port;
  }
  if (database !== undefined) options.database = database;
  if (conn.password !== undefined) options.password = conn.password;
  if (ssl !== undefined) options.ssl = ssl;
  return options;
}

function connectOnce(options: ConnectionOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const c = mysql.createConnection(options);
    c.connect((err) => {
      if (err) {
        c.destroy();
        reject(err);
      } else resolve(c);
    });
  });
}

/** Runs a query with a callback; `pending` lets a destroyed session fail it, since mysql2 never calls back after destroy(). */
function queryCore<T>(c: Connection, options: QueryOptions, pending: Set<(err: Error) => void>): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      pending.delete(fail);
      reject(err);
    };
    pending.add(fail);
    c.query(options, (err: QueryError | null, result: unknown, _fields: FieldPacket[]) => {
      pending.delete(fail);
      if (err) reject(err);
      else resolve(result as T);
    });
  });
}

/** What a session's pending work fails with when the session is dropped on purpose (cancel, or another worker failed). */
function closedError(): Error {
  return Object.assign(new Error('Connection lost: the session was closed by Airlock.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
}

/** The parts of mysql2's Query command (a state machine over packets) that a row-by-row query hooks into. */
interface RowStates {
  row: (this: RowStates, packet: RowPacket, connection: unknown) => unknown;
  on(event: 'result' | 'end' | 'error', listener: (err: Error) => void): unknown;
}

interface RowPacket {
  readonly buffer: Buffer;
  /** Where the payload starts (after the 4-byte header) and ends. */
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
}

/**
 * Makes `q` hand each row packet to `onRow` instead of parsing it into a Buffer per column (an allocation per
 * field, which made the driver the dump's bottleneck). mysql2 enters its row state through `this.row` after the
 * column definitions, so an own `row` replaces the parser; the end-of-rows packet still goes to mysql2's own.
 * Should a mysql2 version bypass it, rows would arrive as 'result' events, which streamRows turns into an error.
 */
function takeRowPackets(q: RowStates, onRow: (packet: RowPacket) => void): void {
  const parsedRow = q.row;
  if (typeof parsedRow !== 'function') throw new Error('this mysql2 version has no row state to hook; it is not supported');
  const row = function (this: RowStates, packet: RowPacket, connection: unknown): unknown {
    if (packet.isEOF()) return parsedRow.call(this, packet, connection);
    onRow(packet);
    return row;
  };
  q.row = row;
}

/** Opens one session, checks the server version, and makes aborting the signal drop it. */
export async function openMysql(conn: DatabaseConnection, opts: OpenOptions = {}): Promise<MysqlSession> {
  const database = opts.database === null ? undefined : (opts.database ?? conn.database);
  const doing = opts.doing ?? (database === undefined ? 'connecting' : `connecting to database "${database}"`);
  opts.signal?.throwIfAborted();
  const ssl = await sslOption(conn);
  let core: Connection;
  try {
    core = await connectOnce(connectionOptions(conn, database, ssl, opts.localInfile === true));
  } catch (err) {
    if (conn.sslMode === 'prefer' && ssl !== undefined && (err as QueryError).code === 'HANDSHAKE_NO_SSL_SUPPORT') {
      try {
        core = await connectOnce(connectionOptions(conn, database, undefined, opts.localInfile === true));
      } catch (plainErr) {
        throw describeMysqlError(plainErr, conn, doing, database);
      }
    } else {
      throw describeMysqlError(err, conn, doing, database);
    }
  }
  let lost: Error | undefined;
  const pending = new Set<(err: Error) => void>();
  // mysql2 tells a callback-less (streaming) query nothing when the connection dies; it only emits 'error' here.
  let streaming: ((err: Error) => void) | undefined;
  // An idle connection the server drops emits 'error'; without a listener that would crash the process.
  core.on('error', (err: Error) => {
    lost ??= err;
    streaming?.(err);
  });
  let closed = false;
  const socket = (core as unknown as { stream: Socket }).stream;
  const destroy = (): void => {
    if (closed) return;
    closed = true;
    opts.signal?.removeEventListener('abort', destroy);
    core.destroy();
    // mysql2's destroy only half-closes; a server blocked writing a large result to us would wait for
    // net_write_timeout. Closing the socket outright ends its session now.
    socket.destroy();
    const err = closedError();
    lost ??= err;
    streaming?.(err);
    for (const fail of [...pending]) fail(err);
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    opts.signal?.removeEventListener('abort', destroy);
    await new Promise<void>((resolve) => {
      core.end(() => {
        resolve();
      });
    }).catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', destroy, { once: true });

  const session: MysqlSession = {
    conn,
    server: { version: '', flavor: 'mysql', major: 0, minor: 0 },
    socket,
    query: <T extends Row>(sql: string, values?: readonly unknown[]) => queryCore<T[]>(core, values === undefined ? { sql } : { sql, values: [...values] }, pending),
    run: (sql, values) => queryCore<ResultSetHeader>(core, values === undefined ? { sql } : { sql, values: [...values] }, pending),
    streamRows(sql, handlers) {
      // Once the result has ended, a pause would hold every later query on this session, so it is ignored.
      let finished = false;
      const fail = (err: Error): void => {
        if (finished) return;
        finished = true;
        streaming = undefined;
        handlers.onError(err);
        core.resume();
      };
      // Set before the query: on a connection the server has already closed, mysql2 emits the error from query() itself.
      streaming = fail;
      const q = core.query({ sql, typeCast: false, rowsAsArray: true }) as unknown as RowStates;
      takeRowPackets(q, (packet) => {
        handlers.onRow(packet.buffer, packet.offset, packet.end);
      });
      q.on('result', () => {
        fail(new Error('mysql2 parsed a row that should have been handed over as a packet; this mysql2 version is not supported'));
      });
      q.on('end', () => {
        if (finished) return;
        finished = true;
        streaming = undefined;
        handlers.onEnd();
        core.resume();
      });
      q.on('error', fail);
      return {
        pause: () => {
          if (!finished) core.pause();
        },
        resume: () => {
          core.resume();
        },
      };
    },
    loadLocal: (sql, source) => queryCore<ResultSetHeader>(core, { sql, infileStreamFactory: source }, pending),
    lostWith: () => lost,
    close,
    destroy,
  };
  try {
    const rows = await session.query<{ v: string }>('SELECT VERSION() AS v');
    const server = parseServerVersion(rows[0]?.v ?? '');
    checkServerVersion(server);
    return { ...session, server };
  } catch (err) {
    destroy();
    throw err instanceof AirlockError ? err : describeMysqlError(err, conn, doing, database);
  }
}

/** The GRANT an administrator runs for a missing privilege, from the server's "… command denied …" message. */
export function missingPrivilege(message: string, user: string, database: string | undefined): string | undefined {
  const who = `'${user.replaceAll("'", "''")}'@'…'`;
  const db = database === undefined ? '*' : quoteIdent(database);
  let m = /^(\w+(?: \w+)?) command denied to user .* for table [`']?([^`']+)[`']?/i.exec(message);
  if (m?.[1]) return `${m[1].toUpperCase()} (GRANT ${m[1].toUpperCase()} ON ${db}.* TO ${who})`;
  m = /you need (?:\(at least one of\) )?the (.+?) privilege/i.exec(message);
  if (m?.[1]) return `${m[1]} privilege (GRANT ${m[1].split(',')[0]?.trim() ?? m[1]} ON *.* TO ${who})`;
  if (/Access denied for user .* to database/i.test(message)) return `access to database ${db} (GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON ${db}.* TO ${who})`;
  return undefined;
}

interface MysqlLikeError {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly sqlMessage?: string;
}

/**
 * Turns a driver or server error into an AirlockError. `doing` completes "… while <doing>".
 * Messages never contain the password: mysql2 never puts it in an error, and neither do we.
 */
export function describeMysqlError(err: unknown, conn: DatabaseConnection, doing: string, database?: string): AirlockError {
  if (err instanceof AirlockError) return err;
  if (!(err instanceof Error)) return new AirlockError('SOURCE_UNREACHABLE', `MySQL failed while ${doing}: ${String(err)}`);
  const e = err as MysqlLikeError;
  const server = conn.socket ?? `${conn.host}:${conn.port}`;
  const where = describeConnection(database === undefined ? conn : { ...conn, database });
  const text = e.sqlMessage ?? e.message;
  // MariaDB-only codes that mysql2 does not name.
  const code = e.errno === 1927 ? 'ER_CONNECTION_KILLED' : e.errno === 1969 ? 'ER_STATEMENT_TIMEOUT' : e.code;
  const unreachable = unreachableError(code, 'MySQL', conn, err);
  if (unreachable) return unreachable;
  switch (code) {
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return new AirlockError('SOURCE_UNREACHABLE', `MySQL at ${server} does not accept TLS connections but sslmode=${conn.sslMode} requires it. Enable TLS on the server or use sslmode=prefer.`, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'PROTOCOL_CONNECTION_LOST':
    case 'ER_CONNECTION_KILLED':
    case 'ER_SERVER_SHUTDOWN':
    case 'CR_SERVER_LOST':
      return new AirlockError('SOURCE_CONNECTION_LOST', `The connection to MySQL at ${server} was lost while ${doing}. Nothing partial was kept; run the command again.`, { cause: err });
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return new AirlockError('SOURCE_AUTH_FAILED', `MySQL at ${server} rejected user "${conn.user}"${conn.password === undefined ? ' without a password' : ' with the password given'}. Check the user name and the password in AIRLOCK_DB_PASSWORD or the --db-password-file.`, { cause: err });
    case 'ER_BAD_DB_ERROR':
      return new AirlockError('SOURCE_NOT_FOUND', `There is no database "${database ?? conn.database ?? ''}" on ${server}. Check the database name in ${where}.`, { cause: err });
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_PROCACCESS_DENIED_ERROR':
    case 'ER_EVENTS_DB_ERROR': {
      const privilege = missingPrivilege(text, conn.user, database ?? conn.database);
      return new AirlockError('SOURCE_PRIVILEGE', privilege === undefined
        ? `User "${conn.user}" lacks a privilege needed while ${doing}: ${text}.`
        : `User "${conn.user}" lacks the ${privilege} needed while ${doing}.`, { cause: err });
    }
    case 'ER_CON_COUNT_ERROR':
    case 'ER_TOO_MANY_USER_CONNECTIONS':
      return new AirlockError('SOURCE_BUSY', `MySQL at ${server} has no free connections (${text}). Try again later, lower --parallel, or raise max_connections.`, { cause: err });
    case 'ER_TABLE_DEF_CHANGED':
      return new AirlockError('SOURCE_CHANGED', `A table's definition changed (DDL) while ${doing}, so no consistent copy could be taken. Run the backup again when no schema changes are running.`, { cause: err });
    case 'ER_QUERY_INTERRUPTED':
    case 'ER_STATEMENT_TIMEOUT':
    case 'ER_QUERY_TIMEOUT':
      return new AirlockError('SOURCE_CONNECTION_LOST', `MySQL at ${server} interrupted the statement while ${doing} (${text}). Nothing partial was kept; run the command again.`, { cause: err });
    case 'ER_LOCK_WAIT_TIMEOUT':
      return new AirlockError('SOURCE_BUSY', `MySQL at ${server} kept a lock too long while ${doing} (${text}). Try again when long-running statements have finished.`, { cause: err });
    default:
      break;
  }
  if (/self[- ]signed|certificate|SSL|TLS/i.test(e.message)) {
    return new AirlockError('SOURCE_UNREACHABLE', `The TLS connection to MySQL at ${server} failed (${e.message}). Check ?ca= and ?sslmode=.`, { cause: err });
  }
  if (/Connection lost|closed state|server closed the connection|Can't add new command when connection is in closed state/i.test(e.message)) {
    return new AirlockError('SOURCE_CONNECTION_LOST', `The connection to MySQL at ${server} was lost while ${doing}. Nothing partial was kept; run the command again.`, { cause: err });
  }
  return new AirlockError('SOURCE_INVALID', `MySQL reported an error while ${doing}: ${text}${e.errno === undefined ? '' : ` (error ${e.errno})`}.`, { cause: err });
}
