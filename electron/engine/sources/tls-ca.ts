// Reading the CA certificate named with ?ca= for verify-ca / verify-full, the same for every driver.

import { readFile } from 'node:fs/promises';
import { AirlockError } from '../errors.ts';
import type { DatabaseConnection } from './database-url.ts';

export async function readCaFile(conn: DatabaseConnection): Promise<Buffer | undefined> {
  if (conn.caFile === undefined) return undefined;
  try {
    return await readFile(conn.caFile);
  } catch (err) {
    throw new AirlockError('SOURCE_INVALID', `Cannot read the CA certificate file ${conn.caFile} given with ?ca=: ${(err as Error).message}.`, { cause: err });
  }
}
