// Where the catalog file lives: $AIRLOCK_HOME, else the platform's per-user application-data folder.

import path from 'node:path';
import { userFolders } from '../user-folders.ts';

export const catalogFileName = 'catalog.db';

/**
 * The catalog's path for a given environment and platform. Pure: it creates nothing, so it can be asked
 * about another platform; `openCatalog` creates the folder.
 */
export function catalogPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const airlockHome = env.AIRLOCK_HOME;
  if (airlockHome !== undefined && airlockHome !== '') return p.join(airlockHome, catalogFileName);
  return p.join(userFolders(env, platform).data, catalogFileName);
}
