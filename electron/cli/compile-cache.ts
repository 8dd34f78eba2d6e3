// Where the CLI keeps Node's compile cache: the user's own cache folder.

import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Not Node's default (a folder in the shared temp directory): another account on the machine could put code there
 * that this process would then run. NODE_COMPILE_CACHE, when set, still wins (Node reads it itself at start-up).
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const home = (): string => set(platform === 'win32' ? 'USERPROFILE' : 'HOME') ?? homedir();
  switch (platform) {
    case 'win32':
      return p.join(set('LOCALAPPDATA') ?? p.join(home(), 'AppData', 'Local'), 'Airlock', 'Cache', 'node-compile-cache');
    case 'darwin':
      return p.join(home(), 'Library', 'Caches', 'Airlock', 'node-compile-cache');
    default: {
      // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
      const xdg = set('XDG_CACHE_HOME');
      return p.join(xdg !== undefined && p.isAbsolute(xdg) ? xdg : p.join(home(), '.cache'), 'airlock', 'node-compile-cache');
    }
  }
}
