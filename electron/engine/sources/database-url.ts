// Parses and validates database source URLs (mysql://, mariadb://, postgres://); never keeps a password from the URL.

import { AirlockError } from '../errors.ts';

export type DatabaseKind = 'mysql' | 'postgres';

export interface DatabaseConnection {
  readonly kind: DatabaseKind;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Database name; undefined means "the server" (e.g. --all-databases). */
  readonly database: string | undefined;
  /** Unix socket path, instead of host:port. */
  readonly socket: string | undefined;
  readonly sslMode: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** CA certificate file for verify-ca / verify-full. */
  readonly caFile: string | undefined;
  /** The password, supplied separately (environment, file, prompt), never from the URL. */
  readonly password: string | undefined;
}

const schemes: Record<string, { kind: DatabaseKind; port: number }> = {
  'mysql:': { kind: 'mysql', port: 3306 },
  'mariadb:': { kind: 'mysql', port: 3306 },
  'postgres:': { kind: 'postgres', port: 5432 },
  'postgresql:': { kind: 'postgres', port: 5432 },
};

const sslModes = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export function isDatabaseUrl(text: string): boolean {
  return /^(mysql|mariadb|postgres|postgresql):\/\//i.test(text);
}

/** Shows a connection without its password, for logs and messages. */
export function describeConnection(c: DatabaseConnection): string {
  const where = c.socket ?? `${c.host}:${c.port}`;
  return `${c.kind === 'mysql' ? 'mysql' : 'postgres'}://${c.user}@${where}/${c.database ?? ''}`;
}

export function parseDatabaseUrl(text: string, password?: string): DatabaseConnection {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AirlockError('SOURCE_INVALID', 'That database address is not a valid URL. Use the form mysql://user@host:3306/dbname or postgres://user@host:5432/dbname.');
  }
  const scheme = schemes[url.protocol.toLowerCase()];
  if (!scheme) {
    throw new AirlockError('SOURCE_INVALID', `Unsupported database type "${url.protocol.replace(/:$/, '')}". Use mysql://, mariadb:// or postgres://.`);
  }
  if (url.password) {
    throw new AirlockError('SOURCE_INVALID', 'Do not put the password in the database address: it would be visible to other programs. Set AIRLOCK_DB_PASSWORD or use --db-password-file instead.');
  }
  const params = url.searchParams;
  for (const key of params.keys()) {
    if (!['socket', 'sslmode', 'ca'].includes(key)) {
      throw new AirlockError('SOURCE_INVALID', `Unknown option "${key}" in the database address. Allowed: socket, sslmode, ca.`);
    }
  }
  const sslMode = params.get('sslmode') ?? 'prefer';
  if (!(sslModes as readonly string[]).includes(sslMode)) {
    throw new AirlockError('SOURCE_INVALID', `Unknown sslmode "${sslMode}". Use one of: ${sslModes.join(', ')}.`);
  }
  const port = url.port ? Number(url.port) : scheme.port;
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (path.includes('/')) {
    throw new AirlockError('SOURCE_INVALID', `"${path}" is not a database name: the address takes one database after the host, like …/shop.`);
  }
  return {
    kind: scheme.kind,
    host: url.hostname || '127.0.0.1',
    port,
    user: decodeURIComponent(url.username) || (scheme.kind === 'mysql' ? 'root' : 'postgres'),
    database: path === '' ? undefined : path,
    socket: params.get('socket') ?? undefined,
    sslMode: sslMode as DatabaseConnection['sslMode'],
    caFile: params.get('ca') ?? undefined,
    password,
  };
}
