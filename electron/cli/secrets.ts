// Where the CLI gets secrets: an environment variable, a file, or a prompt on a terminal — never argv.

import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { AirlockError } from '../engine/errors.ts';
import { parseDatabaseUrl, type DatabaseConnection } from '../engine/sources/database-url.ts';

/** Reads a line without echoing it. */
async function prompt(question: string): Promise<string> {
  const muted = new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question('', resolve);
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

async function fromFile(path: string, what: string): Promise<string> {
  try {
    // Only the first line: editors add a trailing newline that is not part of the secret.
    return (await readFile(path, 'utf8')).split(/\r?\n/)[0] ?? '';
  } catch {
    throw new AirlockError('USAGE', `Cannot read the ${what} file ${path}.`);
  }
}

export interface SecretSource {
  readonly env: string;
  readonly file: string | undefined;
  readonly what: string;
  /** Ask twice on a terminal (for a new secret). */
  readonly confirm?: boolean;
}

export async function readSecret(source: SecretSource): Promise<string> {
  if (source.file !== undefined) return fromFile(source.file, source.what);
  const fromEnv = process.env[source.env];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new AirlockError('USAGE', `No ${source.what} was given. Set ${source.env}, pass a file with the matching --…-file option, or run on a terminal to be asked.`);
  }
  const first = await prompt(`Enter the ${source.what}: `);
  if (source.confirm) {
    const again = await prompt(`Enter the ${source.what} again: `);
    if (again !== first) throw new AirlockError('USAGE', `The two ${source.what} entries differ. Nothing was changed.`);
  }
  return first;
}

/**
 * A database address with its password: from AIRLOCK_DB_PASSWORD or --db-password-file when given, otherwise none
 * (servers with trust or socket authentication need none). `retryWithPrompt` asks on a terminal when the server
 * refuses the login, so a password is typed only when one is needed.
 */
export async function databaseConnection(url: string, passwordFile: string | undefined): Promise<DatabaseConnection> {
  const password = passwordFile !== undefined ? await fromFile(passwordFile, 'database password') : process.env.AIRLOCK_DB_PASSWORD;
  return parseDatabaseUrl(url, password === '' ? undefined : password);
}

export async function retryWithPrompt<T>(conn: DatabaseConnection, work: (conn: DatabaseConnection) => Promise<T>): Promise<T> {
  try {
    return await work(conn);
  } catch (err) {
    if (!(err instanceof AirlockError) || err.code !== 'SOURCE_AUTH_FAILED' || conn.password !== undefined || !process.stdin.isTTY) throw err;
    const password = await prompt(`Password for ${conn.user}@${conn.host}: `);
    return work({ ...conn, password });
  }
}
