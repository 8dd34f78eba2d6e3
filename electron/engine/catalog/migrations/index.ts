// The ordered list of catalog migrations and the runner that applies them, one transaction each, tracked by PRAGMA user_version.

import type Database from 'better-sqlite3';
import { AirlockError } from '../../errors.ts';
import { rebuildAdvice } from '../sqlite-errors.ts';
import { initial } from './001-initial.ts';
import { jobsAndAudit } from './002-jobs-and-audit.ts';
import { drillReports } from './003-drill-reports.ts';

export interface Migration {
  /** The user_version the catalog has once this migration is applied; migrations are numbered 1, 2, 3, … without gaps. */
  readonly version: number;
  readonly name: string;
  /** Runs inside the migration's transaction; must not commit, and must not set user_version itself. */
  up(db: Database.Database): void;
}

/**
 * Append only: a released migration is never edited, because catalogs in the field already ran it.
 * Changing the schema, or widening a CHECKed set such as run kinds, means adding the next number.
 */
export const migrations: readonly Migration[] = [initial, jobsAndAudit, drillReports];

export const latestVersion = migrations.length;

export function readUserVersion(db: Database.Database): number {
  const version: unknown = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number') throw new Error(`PRAGMA user_version returned ${String(version)}`);
  return version;
}

export function tooNewError(path: string, found: number, known: number): AirlockError {
  return new AirlockError(
    'CATALOG_TOO_NEW',
    `The catalog at ${path} was written by a newer version of Airlock (catalog version ${found}; this version knows up to ${known}). ` +
      `Update Airlock, or set AIRLOCK_HOME to another folder. It was left untouched. ${rebuildAdvice(path)}`,
  );
}

function checkNumbering(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Catalog migration "${m.name}" is numbered ${m.version} but sits at position ${i + 1}`);
  });
}

export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings the catalog up to the last migration in `list`. Each step re-reads user_version inside an IMMEDIATE
 * transaction, so two processes opening a fresh catalog at once apply each migration exactly once.
 */
export function migrate(db: Database.Database, path: string, list: readonly Migration[] = migrations): MigrationOutcome {
  checkNumbering(list);
  const from = readUserVersion(db);
  if (from > list.length) throw tooNewError(path, from, list.length);
  for (const migration of list.slice(from)) {
    db.transaction(() => {
      const current = readUserVersion(db);
      if (current > list.length) throw tooNewError(path, current, list.length);
      if (current >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: readUserVersion(db) };
}
