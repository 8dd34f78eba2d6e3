// Test databases on the local PostgreSQL: uniquely named, created and dropped per test, loaded with psql, compared with compare-pg.sh.

import { join } from 'node:path';
import { sharedDir } from './files.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { parseDatabaseUrl, type DatabaseConnection } from '../../electron/engine/sources/database-url.ts';

export const pgHost = '127.0.0.1';
export const pgPort = 5432;
export const pgUser = 'root';
export const comparePgScript = join(sharedDir, 'tools', 'compare-pg.sh');
export const chinookSql = join(sharedDir, 'fixtures', 'chinook', 'Chinook_PostgreSql.sql');
export const edgeCasesSql = new URL('../fixtures/postgres-edge-cases.sql', import.meta.url).pathname;

export function pgConnection(database: string, opts: { user?: string; port?: number; password?: string } = {}): DatabaseConnection {
  const url = `postgres://${encodeURIComponent(opts.user ?? pgUser)}@${pgHost}:${opts.port ?? pgPort}/${encodeURIComponent(database)}?sslmode=disable`;
  return parseDatabaseUrl(url, opts.password);
}

/** Runs statements on a database with a short-lived client. */
export async function query<R extends object = Record<string, unknown>>(database: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ host: pgHost, port: pgPort, user: pgUser, database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export function uniqueDatabaseName(prefix: string): string {
  return `airlock_t_${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function createDatabase(prefix: string): Promise<string> {
  const name = uniqueDatabaseName(prefix);
  await query('postgres', `CREATE DATABASE "${name}" TEMPLATE template0`);
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  await query('postgres', `DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
}

/** Names handed out during a test, dropped together in afterEach. */
export class TestDatabases {
  private readonly names = new Set<string>();

  async create(prefix: string): Promise<string> {
    const name = await createDatabase(prefix);
    this.names.add(name);
    return name;
  }

  /** A name for a database the code under test will create. */
  reserve(prefix: string): string {
    const name = uniqueDatabaseName(prefix);
    this.names.add(name);
    return name;
  }

  async dropAll(): Promise<void> {
    for (const name of this.names) await dropDatabase(name);
    this.names.clear();
  }
}

function run(command: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Feeds SQL to psql, stopping at the first error. */
export async function psqlLoad(database: string, sql: string): Promise<void> {
  const r = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pgHost, '-p', String(pgPort), '-U', pgUser, '-d', database, '-f', '-'], sql);
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
}

/** Runs psql on a file (as a user would load an export) and returns its exit code and stderr. */
export async function psqlFile(database: string, file: string): Promise<{ code: number; stderr: string }> {
  const r = await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pgHost, '-p', String(pgPort), '-U', pgUser, '-d', database, '-f', file]);
  return { code: r.code, stderr: r.stderr };
}

export async function loadChinook(database: string): Promise<void> {
  const text = await readFile(chinookSql, 'utf8');
  const body = text.split('\n').filter((l) => !/^\s*(DROP DATABASE|CREATE DATABASE|\\c )/i.test(l)).join('\n');
  await psqlLoad(database, body);
}

export async function loadEdgeCases(database: string): Promise<void> {
  await psqlLoad(database, await readFile(edgeCasesSql, 'utf8'));
}

/** The oracle: exit 0 and "MATCH" when the restored database equals the source. */
export async function comparePg(source: string, target: string): Promise<{ match: boolean; output: string }> {
  const r = await run('bash', [comparePgScript, source, target]);
  return { match: r.code === 0 && r.stdout.includes('MATCH'), output: `${r.stdout}${r.stderr}` };
}
