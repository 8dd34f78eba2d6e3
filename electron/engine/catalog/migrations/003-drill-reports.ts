// Migration 3: the stored report of every restore drill — which snapshot was restored, and what each comparison found.

import type { Migration } from './index.ts';

// Frozen text, like migrations 1 and 2.
const schema = `
-- One row per drill: the runs table says that a drill ran and how it ended; this says what it compared.
-- No foreign keys: reports outlive a removed job or a forgotten repository, as the run history does.
CREATE TABLE drill_reports (
  id INTEGER PRIMARY KEY,
  run_id INTEGER,
  job_id TEXT,
  repository_location TEXT NOT NULL,
  snapshot_id TEXT NOT NULL CHECK (length(snapshot_id) > 0),
  source TEXT,
  time INTEGER NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
  checks TEXT NOT NULL CHECK (json_valid(checks) AND json_type(checks) = 'array')
) STRICT;

CREATE INDEX drill_reports_by_job ON drill_reports (job_id, time);
CREATE INDEX drill_reports_by_location ON drill_reports (repository_location, time);
`;

export const drillReports: Migration = {
  version: 3,
  name: 'drill-reports',
  up(db) {
    db.exec(schema);
  },
};
