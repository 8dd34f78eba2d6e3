// Where the catalog file lives: $AIRLOCK_HOME, else the platform's per-user application-data folder.

import { homedir } from 'node:os';
import path from 'node:path';

export const catalogFileName = 'catalog.db';

/**
 * The catalog's path for a given environment and platform. Pure: it creates nothing, so it can be asked
 * about another platform; `openCatalog` creates the folder.
 */
export function catalogPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const home = (): string => set(platform === 'win32' ? 'USERPROFILE' : 'HOME') ?? homedir();

  const airlockHome = set('AIRLOCK_HOME');
  if (airlockHome !== undefined) return p.join(airlockHome, catalogFileName);

  switch (platform) {
    case 'win32':
      return p.join(set('APPDATA') ?? p.join(home(), 'AppData', 'Roaming'), 'Airlock', catalogFileName);
    case 'darwin':
      return p.join(home(), 'Library', 'Application Support', 'Airlock', catalogFileName);
    default: {
      // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
      const xdg = set('XDG_DATA_HOME');
      const dataHome = xdg !== undefined && p.isAbsolute(xdg) ? xdg : p.join(home(), '.local', 'share');
      return p.join(dataHome, 'airlock', catalogFileName);
    }
  }
}
