// Where the CLI keeps Node's compile cache: the user's own cache folder.

import path from 'node:path';
import { userFolders } from '../engine/user-folders.ts';

/**
 * Not Node's default (a folder in the shared temp directory): another account on the machine could put code there
 * that this process would then run. NODE_COMPILE_CACHE, when set, still wins (Node reads it itself at start-up).
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  return p.join(userFolders(env, platform).cache, 'node-compile-cache');
}
