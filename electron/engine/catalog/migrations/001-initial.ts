// Migration 1: the first catalog schema — known repositories, their cached snapshot lists, the run history and settings.

import type { Migration } from './index.ts';

// Frozen text: the kinds and statuses are spelled out here rather than imported, so that a later change to the
// TypeScript lists cannot silently rewrite what version 1 meant.
const schema = `
CREATE TABLE repositories (
  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
  location TEXT NOT NULL,
  last_seen_at INTEGER NOT NULL,
  snapshots_refreshed_at INTEGER
) STRICT;

CREATE TABLE snapshots (
  repository_id TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  id TEXT NOT NULL CHECK (length(id) > 0),
  time INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_description TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary) AND json_type(summary) = 'object'),
  PRIMARY KEY (repository_id, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX snapshots_by_time ON snapshots (repository_id, time);

-- No foreign key from runs to repositories: history outlives a forgotten repository, and a run starts before
-- the repository's id is known (init, or a drive that is not plugged in yet).
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('init', 'backup', 'restore', 'export', 'check', 'verify', 'drill', 'forget', 'prune', 'copy', 'repair')),
  repository_location TEXT NOT NULL,
  repository_id TEXT,
  job_id TEXT,
  source TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER CHECK (duration_ms >= 0),
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed', 'cancelled', 'interrupted')),
  snapshot_id TEXT,
  bytes_read INTEGER CHECK (bytes_read >= 0),
  bytes_added INTEGER CHECK (bytes_added >= 0),
  files_new INTEGER CHECK (files_new >= 0),
  files_changed INTEGER CHECK (files_changed >= 0),
  files_unmodified INTEGER CHECK (files_unmodified >= 0),
  warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings) AND json_type(warnings) = 'array'),
  error_code TEXT,
  error_message TEXT,
  -- Who is doing a running run: lets a later open tell a crashed process from one that is still working.
  owner_pid INTEGER,
  owner_token TEXT,
  owner_boot_ms INTEGER,
  CHECK ((error_code IS NULL) = (error_message IS NULL))
) STRICT;

CREATE INDEX runs_by_started ON runs (started_at);
CREATE INDEX runs_by_location ON runs (repository_location, started_at);
CREATE INDEX runs_by_repository ON runs (repository_id, started_at);
CREATE INDEX runs_by_job ON runs (job_id, started_at);
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
  value TEXT NOT NULL CHECK (json_valid(value))
) STRICT, WITHOUT ROWID;
`;

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(schema);
  },
};
