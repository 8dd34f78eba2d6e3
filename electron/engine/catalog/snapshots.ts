// The cached snapshot list of each repository: enough to list, filter and plan retention without opening the repository.

import type Database from 'better-sqlite3';
import * as z from 'zod';
import { parseJsonColumn, parseRow } from './stored-rows.ts';

/** Counters from the snapshot's manifest (files, bytes added, …), kept as the manifest named them. */
export type SnapshotSummary = Readonly<Record<string, number>>;

/** A snapshot as the repository describes it; the catalog adds which repository it belongs to. */
export interface SnapshotRecord {
  readonly id: string;
  readonly time: Date;
  readonly hostname: string;
  /** "files", "sqlite", "mysql", "postgres", … */
  readonly sourceKind: string;
  readonly sourceDescription: string;
  readonly tags: readonly string[];
  readonly summary: SnapshotSummary;
}

export interface CachedSnapshot extends SnapshotRecord {
  readonly repositoryId: string;
}

export interface SnapshotStore {
  /** Makes the cached list exactly `snapshots`, atomically, and notes when; after `catalog rebuild`, a backup or a forget. */
  replaceSnapshots(repositoryId: string, snapshots: readonly SnapshotRecord[]): void;
  /** Oldest first. Empty for a repository the catalog does not know. */
  listSnapshots(repositoryId: string): CachedSnapshot[];
  upsertSnapshot(repositoryId: string, snapshot: SnapshotRecord): void;
  /** Returns how many of `ids` were cached. */
  removeSnapshots(repositoryId: string, ids: readonly string[]): number;
}

const rowSchema = z.object({
  repository_id: z.string(),
  id: z.string(),
  time: z.int(),
  hostname: z.string(),
  source_kind: z.string(),
  source_description: z.string(),
  tags: z.string(),
  summary: z.string(),
});
const tagsSchema = z.array(z.string());
const summarySchema = z.record(z.string(), z.number());

export interface SnapshotStoreDeps {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
}

function columnsOf(repositoryId: string, s: SnapshotRecord): Record<string, string | number> {
  const time = s.time.getTime();
  if (!Number.isFinite(time)) throw new RangeError(`snapshot ${s.id}: time is not a valid date`);
  if (s.id === '') throw new RangeError('snapshot id is empty');
  for (const [name, value] of Object.entries(s.summary)) {
    // JSON would turn NaN or Infinity into null, which then reads back as a damaged row.
    if (!Number.isFinite(value)) throw new RangeError(`snapshot ${s.id}: summary.${name} is not a finite number`);
  }
  return {
    repositoryId,
    id: s.id,
    time,
    hostname: s.hostname,
    sourceKind: s.sourceKind,
    sourceDescription: s.sourceDescription,
    tags: JSON.stringify(s.tags),
    summary: JSON.stringify(s.summary),
  };
}

export function createSnapshotStore({ db, path, now }: SnapshotStoreDeps): SnapshotStore {
  const toSnapshot = (row: unknown): CachedSnapshot => {
    const r = parseRow(rowSchema, row, path, 'a snapshot');
    const what = `snapshot ${r.id}`;
    return {
      repositoryId: r.repository_id,
      id: r.id,
      time: new Date(r.time),
      hostname: r.hostname,
      sourceKind: r.source_kind,
      sourceDescription: r.source_description,
      tags: parseJsonColumn(tagsSchema, r.tags, path, `the tags of ${what}`),
      summary: parseJsonColumn(summarySchema, r.summary, path, `the summary of ${what}`),
    };
  };

  const repositoryExists = db.prepare('SELECT 1 FROM repositories WHERE id = ?').pluck();
  const upsert = db.prepare(
    `INSERT INTO snapshots (repository_id, id, time, hostname, source_kind, source_description, tags, summary)
     VALUES (@repositoryId, @id, @time, @hostname, @sourceKind, @sourceDescription, @tags, @summary)
     ON CONFLICT (repository_id, id) DO UPDATE SET time = excluded.time, hostname = excluded.hostname,
       source_kind = excluded.source_kind, source_description = excluded.source_description,
       tags = excluded.tags, summary = excluded.summary`,
  );
  const removeAll = db.prepare('DELETE FROM snapshots WHERE repository_id = ?');
  const removeOne = db.prepare('DELETE FROM snapshots WHERE repository_id = ? AND id = ?');
  const markRefreshed = db.prepare('UPDATE repositories SET snapshots_refreshed_at = ? WHERE id = ?');
  const selectAll = db.prepare(
    `SELECT repository_id, id, time, hostname, source_kind, source_description, tags, summary
     FROM snapshots WHERE repository_id = ? ORDER BY time, id`,
  );

  // The foreign key would refuse too, but with "FOREIGN KEY constraint failed", which names nothing.
  const requireRepository = (repositoryId: string): void => {
    if (repositoryExists.get(repositoryId) === undefined) {
      throw new Error(`repository ${repositoryId} is not in the catalog; call rememberRepository first`);
    }
  };

  const replace = db.transaction((repositoryId: string, snapshots: readonly SnapshotRecord[]) => {
    requireRepository(repositoryId);
    const rows = snapshots.map((s) => columnsOf(repositoryId, s));
    removeAll.run(repositoryId);
    for (const row of rows) upsert.run(row);
    markRefreshed.run(now().getTime(), repositoryId);
  });

  const upsertOne = db.transaction((repositoryId: string, snapshot: SnapshotRecord) => {
    requireRepository(repositoryId);
    upsert.run(columnsOf(repositoryId, snapshot));
  });

  const remove = db.transaction((repositoryId: string, ids: readonly string[]): number => {
    let removed = 0;
    for (const id of new Set(ids)) removed += removeOne.run(repositoryId, id).changes;
    return removed;
  });

  return {
    replaceSnapshots(repositoryId, snapshots) {
      replace.immediate(repositoryId, snapshots);
    },
    listSnapshots(repositoryId) {
      return selectAll.all(repositoryId).map(toSnapshot);
    },
    upsertSnapshot(repositoryId, snapshot) {
      upsertOne.immediate(repositoryId, snapshot);
    },
    removeSnapshots(repositoryId, ids) {
      return remove.immediate(repositoryId, ids);
    },
  };
}
