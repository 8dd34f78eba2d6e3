// SQLite through the real CLI: back up a database in use, restore it to a new file, export it as SQL.

import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/files.ts';

const chinook = join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'chinook', 'Chinook_Sqlite.sqlite');

/** Every table's rows, in a stable order, as text: two databases with equal contents give equal maps. */
function contents(path: string): Record<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, JSON.stringify(db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).raw().all())]));
  } finally {
    db.close();
  }
}

describe('SQLite backups through the CLI', () => {
  let work: string;
  let repo: string;
  let source: string;

  beforeAll(async () => {
    work = await tempDir();
    repo = join(work, 'repo');
    source = join(work, 'chinook.db');
    await copyFile(chinook, source);
    // WAL mode with an open writer connection: the backup must still capture a consistent copy.
    const db = new Database(source);
    db.pragma('journal_mode = WAL');
    db.exec("INSERT INTO Genre (GenreId, Name) VALUES (1000, 'Written in WAL')");
    db.close();
    expect((await airlock(['init', '--repo', repo])).code).toBe(0);
  });

  it('backs up a database while another connection holds it open, and restores it to a new file', async () => {
    const writer = new Database(source);
    writer.pragma('journal_mode = WAL');
    writer.exec("INSERT INTO Genre (GenreId, Name) VALUES (1001, 'Also in WAL')");
    let backup;
    try {
      backup = await airlock(['backup', '--repo', repo, `sqlite://${source}`, '--json']);
    } finally {
      writer.close();
    }
    expect(backup.code, backup.stderr).toBe(0);
    const snaps = (await airlock(['snapshots', '--repo', repo, '--json'])).json<{ kind: string; sources: string[] }[]>();
    expect(snaps[0]).toMatchObject({ kind: 'sqlite', sources: [`sqlite://${source}`] });

    const restored = join(work, 'restored.db');
    const restore = await airlock(['restore', '--repo', repo, 'latest', '--to', `sqlite://${restored}`]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(contents(restored)).toEqual(contents(source));
    expect(contents(restored).Genre).toContain('Also in WAL');
  });

  it('never overwrites an existing database file unless asked', async () => {
    const existing = join(work, 'existing.db');
    await writeFile(existing, 'precious');
    const refused = await airlock(['restore', '--repo', repo, 'latest', '--to', `sqlite://${existing}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists/);
  });

  it('restores chosen tables only', async () => {
    const partial = join(work, 'partial.db');
    const r = await airlock(['restore', '--repo', repo, 'latest', '--to', `sqlite://${partial}`, '--tables', 'Artist,Album']);
    expect(r.code, r.stderr).toBe(0);
    const got = contents(partial);
    expect(Object.keys(got).sort()).toEqual(['Album', 'Artist']);
    expect(got.Album).toBe(contents(source).Album);
  });

  it('exports plain SQL that loads into an empty database with the same contents', async () => {
    const dump = await airlock(['dump', '--repo', repo, 'latest']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout).toMatch(/^(PRAGMA|BEGIN|--)/m);
    const loaded = join(work, 'from-sql.db');
    const db = new Database(loaded);
    db.exec(dump.stdout);
    db.close();
    expect(contents(loaded)).toEqual(contents(source));
  });
});
