// Settings: any JSON value by key, read back through a zod schema that decides whether the stored value still fits.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import * as z from 'zod';
import { openCatalog, type Catalog } from '../../electron/engine/catalog/catalog.ts';

let dir: string;
let file: string;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-settings-'));
  file = join(dir, 'catalog.db');
  catalog = openCatalog(file);
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

const windowSchema = z.object({ width: z.int().positive(), height: z.int().positive(), maximized: z.boolean() });

it('stores a value and reads it back typed, across a reopen', () => {
  catalog.setSetting('window', { width: 1280, height: 800, maximized: false });
  catalog.close();
  catalog = openCatalog(file);
  const value = catalog.getSetting('window', windowSchema);
  expect(value).toEqual({ width: 1280, height: 800, maximized: false });
});

it('overwrites, deletes, and reports missing keys as undefined', () => {
  catalog.setSetting('theme', 'dark');
  catalog.setSetting('theme', 'light');
  expect(catalog.getSetting('theme', z.enum(['dark', 'light']))).toBe('light');
  expect(catalog.deleteSetting('theme')).toBe(true);
  expect(catalog.deleteSetting('theme')).toBe(false);
  expect(catalog.getSetting('theme', z.string())).toBeUndefined();
});

it('treats a value that no longer fits the schema as unset, so the caller falls back to its default', () => {
  catalog.setSetting('window', { width: 'wide' });
  expect(catalog.getSetting('window', windowSchema)).toBeUndefined();
});

it('applies schema transforms and defaults on the way out', () => {
  catalog.setSetting('lastFolder', { path: '/home/me' });
  const schema = z.object({ path: z.string(), recent: z.array(z.string()).default([]) });
  expect(catalog.getSetting('lastFolder', schema)).toEqual({ path: '/home/me', recent: [] });
});

it('stores null, arrays and nested values as JSON', () => {
  catalog.setSetting('a', null);
  catalog.setSetting('b', [1, 'two', { three: [3] }]);
  expect(catalog.getSetting('a', z.null())).toBeNull();
  expect(catalog.getSetting('b', z.array(z.unknown()))).toEqual([1, 'two', { three: [3] }]);
});

it('refuses values JSON cannot hold and an empty key', () => {
  expect(() => { catalog.setSetting('f', () => 1); }).toThrow(/cannot be stored as JSON/);
  expect(() => { catalog.setSetting('u', undefined); }).toThrow(/cannot be stored as JSON/);
  expect(() => { catalog.setSetting('', 1); }).toThrow(/key is empty/);
  expect(catalog.getSetting('f', z.unknown())).toBeUndefined();
});
