// The catalog's migrations: the runner applies each once, in a transaction, and migration 1 builds the schema the stores rely on.

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { latestVersion, migrate, migrations, readUserVersion, type Migration } from '../../electron/engine/catalog/migrations/index.ts';
import { runKinds, runStatuses } from '../../electron/engine/catalog/runs.ts';
import { AirlockError } from '../../electron/engine/errors.ts';

const open: Database.Database[] = [];
function memoryDb(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  open.push(db);
  return db;
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function tables(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
}
function columns(db: Database.Database, table: string): Record<string, { type: string; notnull: number; pk: number }> {
  const rows = db.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`).all(table) as { name: string; type: string; notnull: number; pk: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, { type: r.type, notnull: r.notnull, pk: r.pk }]));
}
function indexes(db: Database.Database, table: string): string[] {
  return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all(table) as string[];
}

describe('migration runner', () => {
  it('is numbered 1..n without gaps, so user_version names exactly the migrations applied', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(latestVersion).toBe(migrations.length);
  });

  it('applies every migration to an empty database and is a no-op the second time', () => {
    const db = memoryDb();
    expect(migrate(db, 'test.db')).toEqual({ from: 0, to: latestVersion });
    const schema = db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all();
    expect(migrate(db, 'test.db')).toEqual({ from: latestVersion, to: latestVersion });
    expect(db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').pluck().all()).toEqual(schema);
  });

  it('applies only the missing migrations to a previous-version database', () => {
    const db = memoryDb();
    const applied: number[] = [];
    const fake = (version: number): Migration => ({
      version,
      name: `step${version}`,
      up(d) {
        applied.push(version);
        d.exec(`CREATE TABLE step${version} (x INTEGER) STRICT`);
      },
    });
    migrate(db, 'test.db', [fake(1)]);
    expect(migrate(db, 'test.db', [fake(1), fake(2), fake(3)])).toEqual({ from: 1, to: 3 });
    expect(applied).toEqual([1, 2, 3]);
    expect(tables(db)).toEqual(['step1', 'step2', 'step3']);
  });

  it('rolls a failing migration back whole: no half-made table, user_version unchanged', () => {
    const db = memoryDb();
    const failing: Migration = {
      version: 2,
      name: 'broken',
      up(d) {
        d.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('boom');
      },
    };
    migrate(db, 'test.db', [migrations[0]!]);
    expect(() => migrate(db, 'test.db', [migrations[0]!, failing])).toThrow('boom');
    expect(readUserVersion(db)).toBe(1);
    expect(tables(db)).not.toContain('half');
  });

  it('refuses a list whose numbering has a gap', () => {
    const db = memoryDb();
    const skipped: Migration = { version: 3, name: 'skipped', up: () => undefined };
    expect(() => migrate(db, 'test.db', [migrations[0]!, skipped])).toThrow(/numbered 3 but sits at position 2/);
    expect(readUserVersion(db)).toBe(0);
  });

  it('refuses a database from a newer version with CATALOG_TOO_NEW and applies nothing', () => {
    const db = memoryDb();
    db.pragma(`user_version = ${latestVersion + 1}`);
    const err = (() => {
      try {
        migrate(db, 'newer.db');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('CATALOG_TOO_NEW');
    expect((err as AirlockError).message).toContain('newer.db');
    expect(tables(db)).toEqual([]);
  });
});

describe('migration 001-initial', () => {
  function atVersion1(): Database.Database {
    const db = memoryDb();
    migrate(db, 'test.db', [migrations[0]!]);
    return db;
  }

  it('turns an empty database into version 1 with the four tables', () => {
    const db = atVersion1();
    expect(readUserVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['repositories', 'runs', 'settings', 'snapshots']);
  });

  it('gives each table the columns the stores read and write', () => {
    const db = atVersion1();
    expect(Object.keys(columns(db, 'runs'))).toEqual([
      'id', 'kind', 'repository_location', 'repository_id', 'job_id', 'source', 'started_at', 'finished_at', 'duration_ms',
      'status', 'snapshot_id', 'bytes_read', 'bytes_added', 'files_new', 'files_changed', 'files_unmodified', 'warnings',
      'error_code', 'error_message', 'owner_pid', 'owner_token', 'owner_boot_ms',
    ]);
    expect(columns(db, 'runs').id).toEqual({ type: 'INTEGER', notnull: 0, pk: 1 });
    expect(columns(db, 'runs').started_at).toEqual({ type: 'INTEGER', notnull: 1, pk: 0 });
    expect(Object.keys(columns(db, 'repositories'))).toEqual(['id', 'location', 'last_seen_at', 'snapshots_refreshed_at']);
    expect(Object.keys(columns(db, 'snapshots'))).toEqual([
      'repository_id', 'id', 'time', 'hostname', 'source_kind', 'source_description', 'tags', 'summary',
    ]);
    expect(columns(db, 'snapshots').repository_id!.pk).toBe(1);
    expect(columns(db, 'snapshots').id!.pk).toBe(2);
    expect(Object.keys(columns(db, 'settings'))).toEqual(['key', 'value']);
    expect(indexes(db, 'runs')).toEqual(['runs_by_job', 'runs_by_location', 'runs_by_repository', 'runs_by_started', 'runs_running']);
    expect(indexes(db, 'snapshots')).toEqual(['snapshots_by_time']);
  });

  it('accepts every run kind and status the TypeScript types name, and nothing else', () => {
    const db = atVersion1();
    const insert = db.prepare("INSERT INTO runs (kind, repository_location, started_at, status) VALUES (?, '/r', 0, ?)");
    for (const kind of runKinds) expect(() => insert.run(kind, 'ok')).not.toThrow();
    for (const status of runStatuses) expect(() => insert.run('backup', status)).not.toThrow();
    expect(() => insert.run('bakup', 'ok')).toThrow(/CHECK constraint/);
    expect(() => insert.run('backup', 'done')).toThrow(/CHECK constraint/);
  });

  it('keeps JSON columns valid and typed', () => {
    const db = atVersion1();
    const run = db.prepare("INSERT INTO runs (kind, repository_location, started_at, status, warnings) VALUES ('backup', '/r', 0, 'ok', ?)");
    expect(() => run.run('{"not":"an array"}')).toThrow(/CHECK constraint/);
    expect(() => run.run('[oops')).toThrow(/CHECK constraint/);
    db.prepare("INSERT INTO repositories (id, location, last_seen_at) VALUES ('r1', '/r', 0)").run();
    const snap = db.prepare("INSERT INTO snapshots (repository_id, id, time, hostname, source_kind, source_description, tags, summary) VALUES ('r1', ?, 0, 'h', 'files', '/', ?, ?)");
    expect(() => snap.run('s1', '{}', '{}')).toThrow(/CHECK constraint/);
    expect(() => snap.run('s2', '[]', '[]')).toThrow(/CHECK constraint/);
    expect(() => db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'not json')").run()).toThrow(/CHECK constraint/);
  });

  it('is strict about column types', () => {
    const db = atVersion1();
    expect(() => db.prepare("INSERT INTO runs (kind, repository_location, started_at, status) VALUES ('backup', '/r', 'yesterday', 'ok')").run()).toThrow(/cannot store TEXT/);
  });

  it('ties snapshots to their repository: unknown repositories are refused, forgetting one drops its snapshots', () => {
    const db = atVersion1();
    const snap = db.prepare("INSERT INTO snapshots (repository_id, id, time, hostname, source_kind, source_description) VALUES (?, ?, 0, 'h', 'files', '/')");
    expect(() => snap.run('nowhere', 's1')).toThrow(/FOREIGN KEY/);
    db.prepare("INSERT INTO repositories (id, location, last_seen_at) VALUES ('r1', '/r', 0)").run();
    snap.run('r1', 's1');
    snap.run('r1', 's2');
    db.prepare("DELETE FROM repositories WHERE id = 'r1'").run();
    expect(db.prepare('SELECT count(*) FROM snapshots').pluck().get()).toBe(0);
  });

  it('requires an error code and message together', () => {
    const db = atVersion1();
    const insert = db.prepare("INSERT INTO runs (kind, repository_location, started_at, status, error_code, error_message) VALUES ('backup', '/r', 0, 'failed', ?, ?)");
    expect(() => insert.run('DISK_FULL', null)).toThrow(/CHECK constraint/);
    expect(() => insert.run('DISK_FULL', 'The disk is full.')).not.toThrow();
  });
});
