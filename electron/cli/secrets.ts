// Where the CLI gets secrets: an environment variable, a file, or a prompt on a terminal — never argv.

import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { AirlockError } from '../engine/errors.ts';

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
