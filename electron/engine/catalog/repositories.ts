// Known repositories: each one's id (from its config), where it was last found, and when.

import type Database from 'better-sqlite3';
import * as z from 'zod';
import { parseRow } from './stored-rows.ts';

export interface KnownRepository {
  /** The repository id from its config file; stable when the drive moves or changes letter. */
  readonly id: string;
  readonly location: string;
  readonly lastSeenAt: Date;
  /** When its snapshot list in the catalog was last replaced from the repository itself; null if never. */
  readonly snapshotsRefreshedAt: Date | null;
}

export interface RepositorySighting {
  readonly id: string;
  readonly location: string;
}

export interface RepositoryStore {
  /** Records that the repository was opened at `location` now; adds it if new. */
  rememberRepository(sighting: RepositorySighting): KnownRepository;
  getRepository(id: string): KnownRepository | undefined;
  /** Most recently seen first. */
  listRepositories(): KnownRepository[];
  /** Drops the repository and its cached snapshots; its run history stays. Returns whether it was known. */
  forgetRepository(id: string): boolean;
}

const rowSchema = z.object({
  id: z.string(),
  location: z.string(),
  last_seen_at: z.int(),
  snapshots_refreshed_at: z.int().nullable(),
});

export interface RepositoryStoreDeps {
  readonly db: Database.Database;
  readonly path: string;
  readonly now: () => Date;
}

export function createRepositoryStore({ db, path, now }: RepositoryStoreDeps): RepositoryStore {
  const toRepository = (row: unknown): KnownRepository => {
    const r = parseRow(rowSchema, row, path, 'a repository');
    return {
      id: r.id,
      location: r.location,
      lastSeenAt: new Date(r.last_seen_at),
      snapshotsRefreshedAt: r.snapshots_refreshed_at === null ? null : new Date(r.snapshots_refreshed_at),
    };
  };

  const upsert = db.prepare(
    `INSERT INTO repositories (id, location, last_seen_at) VALUES (@id, @location, @seenAt)
     ON CONFLICT (id) DO UPDATE SET location = excluded.location, last_seen_at = excluded.last_seen_at`,
  );
  const selectOne = db.prepare('SELECT id, location, last_seen_at, snapshots_refreshed_at FROM repositories WHERE id = ?');
  const selectAll = db.prepare('SELECT id, location, last_seen_at, snapshots_refreshed_at FROM repositories ORDER BY last_seen_at DESC, id');
  const remove = db.prepare('DELETE FROM repositories WHERE id = ?');

  const getRepository = (id: string): KnownRepository | undefined => {
    const row = selectOne.get(id);
    return row === undefined ? undefined : toRepository(row);
  };

  return {
    rememberRepository({ id, location }) {
      if (id === '') throw new RangeError('rememberRepository: the repository id is empty');
      upsert.run({ id, location, seenAt: now().getTime() });
      const known = getRepository(id);
      if (known === undefined) throw new Error(`rememberRepository: repository ${id} was not stored`);
      return known;
    },
    getRepository,
    listRepositories() {
      return selectAll.all().map(toRepository);
    },
    forgetRepository(id) {
      return remove.run(id).changes > 0;
    },
  };
}
