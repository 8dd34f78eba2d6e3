// Migration 2: job definitions, the persistent record of each job run the queue handled, and the append-only audit log.

import type { Migration } from './index.ts';

// Frozen text, like migration 1: the triggers and job run states are spelled out here, not imported.
const schema = `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
  -- Case-insensitive: "Office" and "office" as two jobs would only confuse the person choosing between them.
  name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) > 0),
  -- The job as the zod job schema describes it (plus where its passphrases are read from); validated on every read.
  definition TEXT NOT NULL CHECK (json_valid(definition) AND json_type(definition) = 'object'),
  paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- One row per run of a job as the queue handled it, from queued to its outcome. A row left queued, running or
-- waiting-retry by a process that is gone is marked interrupted, and the scheduler runs that job again at start-up.
-- No foreign key to jobs: history outlives a removed job, as the runs table does.
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'catch-up')),
  retry_of INTEGER,
  scheduled_for INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'waiting-retry', 'succeeded', 'partial', 'failed', 'cancelled', 'timed-out', 'interrupted')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  reason TEXT,
  error_code TEXT,
  summary TEXT CHECK (summary IS NULL OR (json_valid(summary) AND json_type(summary) = 'object')),
  owner_pid INTEGER,
  owner_token TEXT,
  owner_boot_ms INTEGER
) STRICT;

CREATE INDEX job_runs_by_job ON job_runs (job_id, queued_at);
CREATE INDEX job_runs_pending ON job_runs (state) WHERE state IN ('queued', 'running', 'waiting-retry');

-- AUTOINCREMENT so that a sequence number is never handed out twice, even after rows were removed by force.
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details TEXT NOT NULL CHECK (json_valid(details) AND json_type(details) = 'object'),
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT;

-- Guards against mistakes, not against a determined editor (who can drop them): the hash chain is what shows tampering.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be changed');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be removed');
END;
`;

export const jobsAndAudit: Migration = {
  version: 2,
  name: 'jobs-and-audit',
  up(db) {
    db.exec(schema);
  },
};
