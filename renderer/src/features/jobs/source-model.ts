// What a job backs up, as the engine writes it (a folder, sqlite:///file, mysql://, postgres://), and the parts a form edits.

export type SourceKind = 'folder' | 'sqlite' | 'mysql' | 'postgres';

export interface DatabaseFields {
  readonly engine: 'mysql' | 'postgres';
  readonly host: string;
  readonly port: string;
  readonly user: string;
  readonly database: string;
}

export const defaultPorts = { mysql: '3306', postgres: '5432' } as const;

/** The source URL without a password: the password travels apart and is kept in the secret store. */
export function databaseUrl(f: DatabaseFields): string {
  const user = f.user.trim() === '' ? '' : `${encodeURIComponent(f.user.trim())}@`;
  const port = f.port.trim() === '' ? '' : `:${f.port.trim()}`;
  return `${f.engine}://${user}${f.host.trim()}${port}/${encodeURIComponent(f.database.trim())}`;
}

export function sqliteUrl(path: string): string {
  return `sqlite://${path.split('/').map(encodeURIComponent).join('/')}`;
}

export function sourceKindOf(source: string): SourceKind {
  if (/^sqlite:/i.test(source)) return 'sqlite';
  if (/^(mysql|mariadb):/i.test(source)) return 'mysql';
  if (/^postgres(ql)?:/i.test(source)) return 'postgres';
  return 'folder';
}

/** The path or address a person recognises: the file for SQLite, the URL otherwise. */
export function sourceLabel(source: string): string {
  const sqlite = /^sqlite:\/\/(\/.*)$/i.exec(source);
  if (sqlite?.[1] !== undefined) return decodeURIComponent(sqlite[1]);
  return source;
}

export function databaseFieldsProblem(f: DatabaseFields): 'host' | 'port' | 'database' | undefined {
  if (f.host.trim() === '') return 'host';
  if (f.port.trim() !== '' && !/^\d{1,5}$/.test(f.port.trim())) return 'port';
  if (f.database.trim() === '') return 'database';
  return undefined;
}
