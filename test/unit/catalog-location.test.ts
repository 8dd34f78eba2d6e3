// Where the catalog and the compile cache live on each platform, and that asking never creates anything.

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../electron/cli/compile-cache.ts';
import { catalogPath } from '../../electron/engine/catalog/catalog.ts';

describe('catalogPath', () => {
  it('uses $AIRLOCK_HOME on every platform when it is set', () => {
    expect(catalogPath({ AIRLOCK_HOME: '/opt/airlock', HOME: '/home/ann' }, 'linux')).toBe('/opt/airlock/catalog.db');
    expect(catalogPath({ AIRLOCK_HOME: '/Volumes/x', HOME: '/Users/ann' }, 'darwin')).toBe('/Volumes/x/catalog.db');
    expect(catalogPath({ AIRLOCK_HOME: 'D:\\Airlock', APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32')).toBe('D:\\Airlock\\catalog.db');
  });

  it('ignores an empty $AIRLOCK_HOME', () => {
    expect(catalogPath({ AIRLOCK_HOME: '', HOME: '/home/ann' }, 'linux')).toBe('/home/ann/.local/share/airlock/catalog.db');
  });

  it('Linux: $XDG_DATA_HOME/airlock, else ~/.local/share/airlock', () => {
    expect(catalogPath({ XDG_DATA_HOME: '/data/ann', HOME: '/home/ann' }, 'linux')).toBe('/data/ann/airlock/catalog.db');
    expect(catalogPath({ HOME: '/home/ann' }, 'linux')).toBe('/home/ann/.local/share/airlock/catalog.db');
    expect(catalogPath({ HOME: '/home/ann' }, 'freebsd')).toBe('/home/ann/.local/share/airlock/catalog.db');
  });

  it('Linux: ignores a relative $XDG_DATA_HOME, as the XDG spec requires', () => {
    expect(catalogPath({ XDG_DATA_HOME: 'data', HOME: '/home/ann' }, 'linux')).toBe('/home/ann/.local/share/airlock/catalog.db');
  });

  it('macOS: ~/Library/Application Support/Airlock, even if XDG_DATA_HOME is set', () => {
    expect(catalogPath({ HOME: '/Users/ann', XDG_DATA_HOME: '/x' }, 'darwin')).toBe('/Users/ann/Library/Application Support/Airlock/catalog.db');
  });

  it('Windows: %APPDATA%\\Airlock, else the roaming folder under %USERPROFILE%', () => {
    expect(catalogPath({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\ann\\AppData\\Roaming\\Airlock\\catalog.db');
    expect(catalogPath({ USERPROFILE: 'C:\\Users\\ann' }, 'win32')).toBe('C:\\Users\\ann\\AppData\\Roaming\\Airlock\\catalog.db');
  });

  it('defaults to this process and creates nothing', () => {
    const home = join(tmpdir(), `airlock-never-created-${process.pid}`);
    expect(catalogPath({ AIRLOCK_HOME: home })).toBe(join(home, 'catalog.db'));
    expect(existsSync(home)).toBe(false);
    expect(catalogPath().endsWith('catalog.db')).toBe(true);
  });
});

describe('compileCacheDir', () => {
  it("is the user's own cache folder on each platform, never the shared temp folder", () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/cache/ann', HOME: '/home/ann' }, 'linux')).toBe('/cache/ann/airlock/node-compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/ann' }, 'linux')).toBe('/home/ann/.cache/airlock/node-compile-cache');
    expect(compileCacheDir({ HOME: '/Users/ann' }, 'darwin')).toBe('/Users/ann/Library/Caches/Airlock/node-compile-cache');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32')).toBe('C:\\Users\\ann\\AppData\\Local\\Airlock\\Cache\\node-compile-cache');
    expect(compileCacheDir({ USERPROFILE: 'C:\\Users\\ann' }, 'win32')).toBe('C:\\Users\\ann\\AppData\\Local\\Airlock\\Cache\\node-compile-cache');
  });
});
