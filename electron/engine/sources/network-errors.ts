// Plain sentences for the ways a database server cannot be reached, the same for every driver.

import { AirlockError } from '../errors.ts';
import type { DatabaseConnection } from './database-url.ts';

/** The sentence for a network-level failure code (ECONNREFUSED, ENOTFOUND…), or undefined for any other code. */
export function unreachableError(code: string | undefined, product: string, conn: DatabaseConnection, cause: unknown): AirlockError | undefined {
  const server = conn.socket ?? `${conn.host}:${conn.port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return new AirlockError('SOURCE_UNREACHABLE', `Cannot reach ${product} at ${server}: the connection was refused. Check that the server is running and listening on that address and port.`, { cause });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AirlockError('SOURCE_UNREACHABLE', `Cannot reach ${product}: the host name "${conn.host}" was not found. Check the spelling or use an IP address.`, { cause });
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new AirlockError('SOURCE_UNREACHABLE', `Cannot reach ${product} at ${server}: the host did not answer. Check the address, the network and any firewall between here and the server.`, { cause });
    case 'ENOENT':
      return new AirlockError('SOURCE_UNREACHABLE', `Cannot reach ${product}: there is no socket at ${server}. Check the ?socket= path and that the server is running.`, { cause });
    default:
      return undefined;
  }
}
