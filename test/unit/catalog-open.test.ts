// Opening the catalog file: created with its folder, WAL and foreign keys on, a newer or damaged file refused untouched, and a deleted one replaced by an empty, working catalog.

import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../../electron/engine/catalog/catalog.ts';
import { latestVersion } from '../../electron/engine/catalog/migrations/index.ts';
import { AirlockError, type ErrorCode } from '../../electron/engine/errors.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-open-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function refusal(path: string): AirlockError {
  try {
    openCatalog(path).close();
  } catch (err) {
    if (err instanceof AirlockError) return err;
    throw err;
  }
  throw new Error('openCatalog accepted the file');
}

function expectCode(err: AirlockError, code: ErrorCode, path: string): void {
  expect(err.code).toBe(code);
  expect(err.message).toContain(path);
  expect(err.message).toContain('airlock catalog rebuild');
}

function snapshotOf(folder: string): Record<string, { bytes: string; mtimeMs: number }> {
  return Object.fromEntries(
    readdirSync(folder).map((name) => [name, { bytes: readFileSync(join(folder, name)).toString('hex'), mtimeMs: statSync(join(folder, name)).mtimeMs }]),
  );
}

describe('openCatalog', () => {
  it('creates the missing folders and a catalog in WAL mode with foreign keys on', () => {
    const path = join(dir, 'a', 'b', 'catalog.db');
    const catalog = openCatalog(path);
    try {
      expect(catalog.path).toBe(path);
      expect(existsSync(path)).toBe(true);
      expect(catalog.listRuns()).toEqual([]);
      expect(catalog.listRepositories()).toEqual([]);
    } finally {
      catalog.close();
    }
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(latestVersion);
    raw.close();
  });

  it('closes cleanly, twice, and refuses use after closing', () => {
    const catalog = openCatalog(join(dir, 'catalog.db'));
    catalog.close();
    catalog.close();
    expect(() => catalog.listRuns()).toThrow();
  });

  it('works in memory, for tests of other modules', () => {
    const catalog = openCatalog(':memory:');
    catalog.startRun({ kind: 'backup', repositoryLocation: '/r' });
    expect(catalog.listRuns()).toHaveLength(1);
    catalog.close();
  });

  for (const mode of ['delete', 'wal'] as const) {
    it(`refuses a catalog from a newer version (${mode} journal) and leaves its files byte-for-byte as they were`, () => {
      const path = join(dir, 'catalog.db');
      const newer = new Database(path);
      newer.pragma(`journal_mode = ${mode}`);
      newer.exec("CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('from v99')");
      newer.pragma(`user_version = ${latestVersion + 1}`);
      newer.close();
      const before = snapshotOf(dir);

      const err = refusal(path);
      expectCode(err, 'CATALOG_TOO_NEW', path);
      expect(err.message).toContain(`catalog version ${latestVersion + 1}`);
      expect(snapshotOf(dir)).toEqual(before);
    });
  }

  it('refuses a file that is not a database with CATALOG_UNREADABLE and leaves it alone', () => {
    const path = join(dir, 'catalog.db');
    writeFileSync(path, 'this is a shopping list, not a database\n'.repeat(200));
    const before = snapshotOf(dir);
    expectCode(refusal(path), 'CATALOG_UNREADABLE', path);
    expect(snapshotOf(dir)).toEqual(before);
  });

  it('after the file is deleted, reopening gives an empty, working catalog', () => {
    const path = join(dir, 'catalog.db');
    const first = openCatalog(path);
    first.rememberRepository({ id: 'repo-1', location: '/r' });
    first.replaceSnapshots('repo-1', [{ id: 's1', time: new Date(0), hostname: 'h', sourceKind: 'files', sourceDescription: '/', tags: [], summary: {} }]);
    first.startRun({ kind: 'backup', repositoryLocation: '/r' });
    first.setSetting('theme', 'dark');
    first.close();
    unlinkSync(path);

    const second = openCatalog(path);
    try {
      expect(second.listRuns()).toEqual([]);
      expect(second.listRepositories()).toEqual([]);
      expect(second.listSnapshots('repo-1')).toEqual([]);
      expect(second.interruptedAtOpen).toBe(0);
      second.rememberRepository({ id: 'repo-1', location: '/r' });
      second.upsertSnapshot('repo-1', { id: 's2', time: new Date(1), hostname: 'h', sourceKind: 'files', sourceDescription: '/', tags: [], summary: {} });
      expect(second.listSnapshots('repo-1').map((s) => s.id)).toEqual(['s2']);
    } finally {
      second.close();
    }
  });

  it('after only the main file is deleted following a crash, leftover -wal/-shm files do not bring old rows back', () => {
    const path = join(dir, 'catalog.db');
    const crashed = openCatalog(path);
    crashed.startRun({ kind: 'backup', repositoryLocation: '/old' });
    crashed.setSetting('theme', 'dark');
    // What a killed process leaves behind: a WAL full of committed frames that were never checkpointed.
    copyFileSync(`${path}-wal`, join(dir, 'saved-wal'));
    copyFileSync(`${path}-shm`, join(dir, 'saved-shm'));
    crashed.close();
    unlinkSync(path);
    copyFileSync(join(dir, 'saved-wal'), `${path}-wal`);
    copyFileSync(join(dir, 'saved-shm'), `${path}-shm`);

    const fresh = openCatalog(path);
    try {
      expect(fresh.listRuns()).toEqual([]);
      expect(fresh.listRepositories()).toEqual([]);
      const id = fresh.startRun({ kind: 'check', repositoryLocation: '/new' });
      expect(fresh.getRun(id)!.repositoryLocation).toBe('/new');
    } finally {
      fresh.close();
    }
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
  });

  it('says which folder cannot be written when the catalog cannot be created there', () => {
    const blocker = join(dir, 'file-not-folder');
    writeFileSync(blocker, '');
    const path = join(blocker, 'catalog.db');
    const err = refusal(path);
    expect(err.code).toBe('IO_ERROR');
    expect(err.message).toContain(blocker);
  });
});
