// Airlock's per-user folders on each platform: application data (the catalog) and cache (Node's compile cache).

import { homedir } from 'node:os';
import path from 'node:path';

export interface UserFolders {
  /** Where Airlock keeps what it must not lose: %APPDATA%, ~/Library/Application Support, $XDG_DATA_HOME. */
  readonly data: string;
  /** Where it keeps what may be thrown away: %LOCALAPPDATA%, ~/Library/Caches, $XDG_CACHE_HOME. */
  readonly cache: string;
}

/**
 * Pure: it creates nothing, so it can be asked about another platform. An empty variable counts as unset, and
 * `env.AIRLOCK_HOME` is not looked at here: it moves the catalog only (see catalog/location.ts).
 */
export function userFolders(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): UserFolders {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const home = (): string => set(platform === 'win32' ? 'USERPROFILE' : 'HOME') ?? homedir();
  switch (platform) {
    case 'win32':
      return {
        data: p.join(set('APPDATA') ?? p.join(home(), 'AppData', 'Roaming'), 'Airlock'),
        cache: p.join(set('LOCALAPPDATA') ?? p.join(home(), 'AppData', 'Local'), 'Airlock', 'Cache'),
      };
    case 'darwin':
      return { data: p.join(home(), 'Library', 'Application Support', 'Airlock'), cache: p.join(home(), 'Library', 'Caches', 'Airlock') };
    default: {
      // The XDG spec says a relative XDG_*_HOME is invalid and must be ignored.
      const xdg = (name: string, fallback: string): string => {
        const value = set(name);
        return value !== undefined && p.isAbsolute(value) ? value : p.join(home(), fallback);
      };
      return { data: p.join(xdg('XDG_DATA_HOME', '.local/share'), 'airlock'), cache: p.join(xdg('XDG_CACHE_HOME', '.cache'), 'airlock') };
    }
  }
}
