// Known repositories and their cached snapshot lists: replaced atomically, listed oldest first, dropped with their repository.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog, type SnapshotRecord } from '../../electron/engine/catalog/catalog.ts';

let dir: string;
let catalog: Catalog;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-snapshots-'));
  clock = Date.parse('2025-06-01T08:00:00Z');
  catalog = openCatalog(join(dir, 'catalog.db'), { now: () => new Date(clock) });
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

function snapshot(id: string, time: string, extra: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return { id, time: new Date(time), hostname: 'laptop', sourceKind: 'files', sourceDescription: '~/Documents', tags: [], summary: {}, ...extra };
}

describe('repositories', () => {
  it('are remembered with their latest location and sighting time', () => {
    const first = catalog.rememberRepository({ id: 'repo-1', location: '/media/usb/airlock' });
    expect(first).toEqual({ id: 'repo-1', location: '/media/usb/airlock', lastSeenAt: new Date(clock), snapshotsRefreshedAt: null });
    clock += 86_400_000;
    catalog.rememberRepository({ id: 'repo-2', location: '/srv/backup' });
    clock += 1000;
    const moved = catalog.rememberRepository({ id: 'repo-1', location: '/media/USB2/airlock' });
    expect(moved.location).toBe('/media/USB2/airlock');
    expect(moved.lastSeenAt).toEqual(new Date(clock));
    expect(catalog.listRepositories().map((r) => r.id)).toEqual(['repo-1', 'repo-2']);
    expect(catalog.getRepository('nope')).toBeUndefined();
  });

  it('when forgotten take their cached snapshots along but leave the run history', () => {
    catalog.rememberRepository({ id: 'repo-1', location: '/r' });
    catalog.replaceSnapshots('repo-1', [snapshot('s1', '2025-01-01T00:00:00Z')]);
    const run = catalog.startRun({ kind: 'backup', repositoryLocation: '/r', repositoryId: 'repo-1' });
    expect(catalog.forgetRepository('repo-1')).toBe(true);
    expect(catalog.forgetRepository('repo-1')).toBe(false);
    expect(catalog.listSnapshots('repo-1')).toEqual([]);
    expect(catalog.getRun(run)!.repositoryId).toBe('repo-1');
  });
});

describe('snapshots', () => {
  beforeEach(() => {
    catalog.rememberRepository({ id: 'repo-1', location: '/r1' });
    catalog.rememberRepository({ id: 'repo-2', location: '/r2' });
  });

  it('round-trip every field and list oldest first, per repository', () => {
    const db = snapshot('b2', '2025-05-02T03:00:00.123Z', {
      hostname: 'db1',
      sourceKind: 'postgres',
      sourceDescription: 'postgres://app@db1/shop',
      tags: ['nightly', 'prod'],
      summary: { filesNew: 4, bytesAdded: 123_456_789_012, durationMs: 812.5 },
    });
    catalog.replaceSnapshots('repo-1', [db, snapshot('a1', '2025-05-01T00:00:00Z')]);
    catalog.replaceSnapshots('repo-2', [snapshot('c3', '2024-12-31T23:59:59Z')]);
    expect(catalog.listSnapshots('repo-1')).toEqual([
      { ...snapshot('a1', '2025-05-01T00:00:00Z'), repositoryId: 'repo-1' },
      { ...db, repositoryId: 'repo-1' },
    ]);
    expect(catalog.listSnapshots('repo-2').map((s) => s.id)).toEqual(['c3']);
    expect(catalog.listSnapshots('unknown')).toEqual([]);
  });

  it('replace makes the list exactly the given one and notes when', () => {
    catalog.replaceSnapshots('repo-1', [snapshot('old1', '2025-01-01T00:00:00Z'), snapshot('keep', '2025-02-01T00:00:00Z')]);
    clock += 5000;
    catalog.replaceSnapshots('repo-1', [snapshot('keep', '2025-02-01T00:00:00Z', { tags: ['retagged'] }), snapshot('new', '2025-03-01T00:00:00Z')]);
    expect(catalog.listSnapshots('repo-1').map((s) => [s.id, s.tags])).toEqual([['keep', ['retagged']], ['new', []]]);
    expect(catalog.getRepository('repo-1')!.snapshotsRefreshedAt).toEqual(new Date(clock));
    catalog.replaceSnapshots('repo-1', []);
    expect(catalog.listSnapshots('repo-1')).toEqual([]);
  });

  it('replace is all or nothing: one bad snapshot leaves the previous list in place', () => {
    catalog.replaceSnapshots('repo-1', [snapshot('s1', '2025-01-01T00:00:00Z')]);
    const refreshed = catalog.getRepository('repo-1')!.snapshotsRefreshedAt;
    clock += 1000;
    expect(() => { catalog.replaceSnapshots('repo-1', [snapshot('s2', '2025-01-02T00:00:00Z'), snapshot('bad', 'not a date')]); }).toThrow(/not a valid date/);
    expect(catalog.listSnapshots('repo-1').map((s) => s.id)).toEqual(['s1']);
    expect(catalog.getRepository('repo-1')!.snapshotsRefreshedAt).toEqual(refreshed);
  });

  it('upsert adds or updates one, remove drops the named ones and says how many there were', () => {
    catalog.upsertSnapshot('repo-1', snapshot('s1', '2025-01-01T00:00:00Z'));
    catalog.upsertSnapshot('repo-1', snapshot('s2', '2025-01-02T00:00:00Z'));
    catalog.upsertSnapshot('repo-1', snapshot('s1', '2025-01-01T00:00:00Z', { tags: ['pinned'] }));
    catalog.upsertSnapshot('repo-2', snapshot('s1', '2025-01-01T00:00:00Z'));
    expect(catalog.listSnapshots('repo-1').map((s) => [s.id, s.tags])).toEqual([['s1', ['pinned']], ['s2', []]]);
    expect(catalog.removeSnapshots('repo-1', ['s1', 's1', 'missing'])).toBe(1);
    expect(catalog.listSnapshots('repo-1').map((s) => s.id)).toEqual(['s2']);
    expect(catalog.listSnapshots('repo-2').map((s) => s.id)).toEqual(['s1']);
  });

  it('name the missing repository instead of a bare foreign-key failure', () => {
    expect(() => { catalog.upsertSnapshot('ghost', snapshot('s1', '2025-01-01T00:00:00Z')); }).toThrow(/repository ghost is not in the catalog/);
    expect(() => { catalog.replaceSnapshots('ghost', []); }).toThrow(/repository ghost is not in the catalog/);
  });

  it('refuse a summary number that JSON cannot carry', () => {
    expect(() => { catalog.upsertSnapshot('repo-1', snapshot('s1', '2025-01-01T00:00:00Z', { summary: { bytes: Number.NaN } })); }).toThrow(/summary.bytes/);
  });

  it('replace then list returns the input sorted by time, then id (property)', () => {
    const record = fc.record({
      id: fc.string({ minLength: 1, maxLength: 12 }),
      time: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)),
      hostname: fc.string({ maxLength: 10 }),
      sourceKind: fc.constantFrom('files', 'sqlite', 'mysql', 'postgres'),
      sourceDescription: fc.string({ unit: 'grapheme', maxLength: 30 }),
      tags: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
      summary: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
    });
    fc.assert(
      fc.property(fc.uniqueArray(record, { selector: (s) => s.id, maxLength: 20 }), (snapshots) => {
        catalog.replaceSnapshots('repo-1', snapshots);
        const expected = [...snapshots]
          .sort((a, b) => a.time.getTime() - b.time.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((s) => ({ ...s, summary: JSON.parse(JSON.stringify(s.summary)) as unknown, repositoryId: 'repo-1' }));
        expect(catalog.listSnapshots('repo-1')).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
