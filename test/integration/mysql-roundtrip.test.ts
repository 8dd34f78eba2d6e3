// MySQL/MariaDB dump → restore and dump → .sql export round trips on a real server, judged by compare-mysql.sh: Chinook, Sakila and the edge-case fixture.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpMysql } from '../../electron/engine/sources/mysql/dump.ts';
import { exportMysqlSql } from '../../electron/engine/sources/mysql/export-sql.ts';
import { restoreMysql } from '../../electron/engine/sources/mysql/restore.ts';
import { verifyMysql } from '../../electron/engine/sources/mysql/verify.ts';
import { directoryDumpReader, directoryDumpWriter } from '../helpers/dump-dir.ts';
import {
  compareMysql,
  connectionFor,
  createDatabase,
  dropDatabase,
  loadChinook,
  loadEdgeCases,
  loadSakila,
  mariadb,
  mysqlAvailable,
  uniqueDbName,
} from '../helpers/mysql.ts';

const available = mysqlAvailable();
if (!available) console.warn('MariaDB is not reachable as root over the local socket; skipping the MySQL round-trip tests.');

let root: string;
const databases: string[] = [];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-mysql-'));
});
afterAll(() => {
  for (const db of databases) dropDatabase(db);
  rmSync(root, { recursive: true, force: true });
});

function track(name: string): string {
  databases.push(name);
  return name;
}

let dirCount = 0;
function freshDir(): string {
  dirCount += 1;
  return join(root, `dump-${dirCount}`);
}

async function exportAndLoad(dir: string, opts: { tables?: readonly string[] } = {}): Promise<string> {
  const file = join(root, `export-${dirCount}-${Math.random().toString(36).slice(2)}.sql`);
  const out = createWriteStream(file);
  await exportMysqlSql(await directoryDumpReader(dir), out, opts);
  out.end();
  await finished(out);
  const target = track(createDatabase('airlock_sql'));
  mariadb(target, readFileSync(file, 'utf8'));
  return target;
}

/** Dumps `src`, restores it into a new database, exports it to .sql and loads that; both copies must MATCH. */
async function roundTrip(src: string): Promise<{ dir: string; restored: string; exported: string }> {
  const dir = freshDir();
  const summary = await dumpMysql(connectionFor(src), directoryDumpWriter(dir), { parallel: 2 });
  expect(summary.rows).toBeGreaterThan(0);
  const restored = track(uniqueDbName('airlock_rst'));
  const result = await restoreMysql(await directoryDumpReader(dir), connectionFor(restored), { parallel: 2 });
  expect(result.notRestored).toEqual([]);
  expect(result.loadMethod).toBe('load-data');
  const cmp = compareMysql(src, restored);
  expect(cmp.output).toContain('MATCH');
  expect(cmp.match).toBe(true);
  const exported = await exportAndLoad(dir);
  const cmpSql = compareMysql(src, exported);
  expect(cmpSql.output).toContain('MATCH');
  expect(cmpSql.match).toBe(true);
  return { dir, restored, exported };
}

describe.skipIf(!available)('MySQL round trips judged by compare-mysql.sh', () => {
  it('Chinook: restore and .sql export both match the source, and verify confirms every table', async () => {
    const src = track(createDatabase('airlock_chinook'));
    loadChinook(src);
    const { dir, restored } = await roundTrip(src);
    const checks = await verifyMysql(await directoryDumpReader(dir), connectionFor(restored));
    expect(checks).toHaveLength(11);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.find((c) => c.table === 'Track')?.actualRows).toBe(3503);
    // With a database name the file creates and selects it itself: `mariadb < file.sql`.
    const named = track(uniqueDbName('airlock_named'));
    const file = join(root, 'named.sql');
    const out = createWriteStream(file);
    await exportMysqlSql(await directoryDumpReader(dir), out, { database: named });
    out.end();
    await finished(out);
    mariadb(undefined, readFileSync(file, 'utf8'));
    expect(compareMysql(src, named).match).toBe(true);
    // Verify notices a changed row.
    mariadb(restored, "UPDATE Genre SET Name = 'Polka' WHERE GenreId = 1");
    const after = await verifyMysql(await directoryDumpReader(dir), connectionFor(restored));
    expect(after.filter((c) => !c.ok).map((c) => c.table)).toEqual(['Genre']);
  });

  it('Sakila (views, triggers, routines, FK cycle store↔staff, FULLTEXT): restore and export match', async () => {
    const src = track(createDatabase('airlock_sakila'));
    loadSakila(src);
    const { dir } = await roundTrip(src);
    // Every table loaded in row ranges on three connections at once gives the same database.
    const split = track(uniqueDbName('airlock_split'));
    const r = await restoreMysql(await directoryDumpReader(dir), connectionFor(split), { parallel: 3, splitTableBytes: 1 });
    expect(r.rows).toBe(47273);
    expect(r.tables).toHaveLength(16);
    expect(compareMysql(src, split).match).toBe(true);
  });

  it('edge cases: every type, strange names, partitions, programs, sequences; floats bit-exact', async () => {
    const src = track(createDatabase('airlock_edge'));
    loadEdgeCases(src);
    const { dir, restored, exported } = await roundTrip(src);
    // compare-mysql hashes HEX(float), which rounds; the exact IEEE bits must survive too.
    const bits = "SELECT id, HEX(ST_AsWKB(POINT(f, 0))), HEX(ST_AsWKB(POINT(dbl, 0))), HEX(ST_AsWKB(POINT(r, 0))), HEX(ST_AsWKB(POINT(f72, 0))) FROM numbers ORDER BY id";
    const expected = mariadb(src, bits);
    expect(mariadb(restored, bits)).toBe(expected);
    expect(mariadb(exported, bits)).toBe(expected);
    expect(expected).toContain('F03F'); // row with 1.0000001 stored as a float is really there
    const invisible = 'SELECT id, hidden_col FROM mariadb_types ORDER BY id';
    expect(mariadb(restored, invisible)).toBe(mariadb(src, invisible));
    const seq = 'SELECT NEXTVAL(order_numbers)';
    expect(mariadb(restored, seq)).toBe(mariadb(src, seq));
    const checks = await verifyMysql(await directoryDumpReader(dir), connectionFor(restored));
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // Data stream names are safe relative paths whatever the table is called.
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tables: { name: string; stream: string }[] };
    for (const t of manifest.tables) expect(t.stream).toMatch(/^data\/[A-Za-z0-9_-]+\.rows$/);
    expect(new Set(manifest.tables.map((t) => t.stream.toLowerCase())).size).toBe(manifest.tables.length);
    expect(manifest.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['..', '../etc/passwd', 'Case', 'case', 'weird table', 'Ünïcødé 表']));
  });

  it('a second dump of an unchanged database writes identical streams, and changing one row changes one table only', async () => {
    const src = track(createDatabase('airlock_again'));
    loadChinook(src);
    const a = freshDir();
    const b = freshDir();
    const c = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(a));
    await dumpMysql(connectionFor(src), directoryDumpWriter(b), { parallel: 3 });
    const names = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8')) as { tables: { name: string; stream: string; sha256: string }[] };
    for (const t of names.tables) expect(readFileSync(join(b, t.stream)).equals(readFileSync(join(a, t.stream)))).toBe(true);
    mariadb(src, "UPDATE Track SET Name = 'changed' WHERE TrackId = 1000");
    await dumpMysql(connectionFor(src), directoryDumpWriter(c));
    const after = JSON.parse(readFileSync(join(c, 'manifest.json'), 'utf8')) as { tables: { name: string; sha256: string }[] };
    const changed = after.tables.filter((t) => t.sha256 !== names.tables.find((x) => x.name === t.name)?.sha256).map((t) => t.name);
    expect(changed).toEqual(['Track']);
    // Rows are in primary-key order, so the change is local: the files share all bytes before the changed row.
    const before = readFileSync(join(a, 'data', 'Track.rows'));
    const now = readFileSync(join(c, 'data', 'Track.rows'));
    let same = 0;
    while (same < before.length && before[same] === now[same]) same++;
    expect(same / before.length).toBeGreaterThan(0.2);
    let tail = 0;
    while (tail < before.length && before[before.length - 1 - tail] === now[now.length - 1 - tail]) tail++;
    expect((same + tail) / before.length).toBeGreaterThan(0.99);
  });

  it('restores selected tables with a warning for missing foreign-key parents, schema-only and data-only', async () => {
    const src = track(createDatabase('airlock_sel'));
    loadChinook(src);
    const dir = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(dir));
    const part = track(uniqueDbName('airlock_part'));
    const r = await restoreMysql(await directoryDumpReader(dir), connectionFor(part), { tables: ['Track', 'Genre'] });
    expect(r.tables.map((t) => t.name).sort()).toEqual(['Genre', 'Track']);
    expect(r.warnings.join('\n')).toMatch(/"Track" has foreign keys to "Album", "MediaType"/);
    expect(mariadb(part, 'SHOW TABLES').trim().split('\n').sort()).toEqual(['Genre', 'Track']);
    expect(mariadb(part, 'SELECT COUNT(*) FROM Track').trim()).toBe('3503');

    const schemaOnly = track(uniqueDbName('airlock_schema'));
    await restoreMysql(await directoryDumpReader(dir), connectionFor(schemaOnly), { schemaOnly: true });
    expect(mariadb(schemaOnly, 'SELECT COUNT(*) FROM Track').trim()).toBe('0');
    // Data-only fills the empty tables; the result equals a full restore.
    await restoreMysql(await directoryDumpReader(dir), connectionFor(schemaOnly), { dataOnly: true });
    expect(compareMysql(src, schemaOnly).match).toBe(true);

    // A selective .sql export loads on its own.
    const exported = await exportAndLoad(dir, { tables: ['Genre'] });
    expect(mariadb(exported, 'SELECT COUNT(*) FROM Genre').trim()).toBe('25');
  });

  it('schema-only then data-only gives Sakila back exactly: its triggers do not fire during the load', async () => {
    const src = track(createDatabase('airlock_sak2'));
    loadSakila(src);
    const dir = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(dir));
    const dst = track(uniqueDbName('airlock_sak2dst'));
    const schema = await restoreMysql(await directoryDumpReader(dir), connectionFor(dst), { schemaOnly: true });
    expect(schema.triggers).toBe(6);
    expect(mariadb(dst, 'SELECT COUNT(*) FROM film').trim()).toBe('0');
    const data = await restoreMysql(await directoryDumpReader(dir), connectionFor(dst), { dataOnly: true });
    expect(data.rows).toBe(47273);
    expect(mariadb(dst, 'SELECT COUNT(*) FROM film_text').trim()).toBe('1000');
    const cmp = compareMysql(src, dst);
    expect(cmp.output).toContain('MATCH');
    // Loading again needs overwrite, which empties the tables first.
    const again = await restoreMysql(await directoryDumpReader(dir), connectionFor(dst), { dataOnly: true }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'TARGET_NOT_EMPTY' });
    await restoreMysql(await directoryDumpReader(dir), connectionFor(dst), { dataOnly: true, overwrite: true });
    expect(compareMysql(src, dst).match).toBe(true);
  });

  it('falls back to INSERT batches when LOAD DATA LOCAL is refused, with the same result', async () => {
    const src = track(createDatabase('airlock_noinfile'));
    loadChinook(src);
    const dir = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(dir));
    const before = mariadb(undefined, 'SELECT @@GLOBAL.local_infile').trim();
    mariadb(undefined, 'SET GLOBAL local_infile = 0');
    try {
      const dst = track(uniqueDbName('airlock_ins'));
      const r = await restoreMysql(await directoryDumpReader(dir), connectionFor(dst), { parallel: 2, splitTableBytes: 1 });
      expect(r.loadMethod).toBe('insert');
      expect(r.warnings.join('\n')).toMatch(/LOAD DATA LOCAL/);
      expect(compareMysql(src, dst).match).toBe(true);
    } finally {
      mariadb(undefined, `SET GLOBAL local_infile = ${before === '1' ? 1 : 0}`);
    }
  });

  it('a restore of a damaged data stream fails and says which tables did and did not get their rows', async () => {
    const src = track(createDatabase('airlock_dmg'));
    loadChinook(src);
    const dir = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(dir), {});
    // Drop the last 100 rows of Track: the row count no longer matches the manifest.
    const file = join(dir, 'data', 'Track.rows');
    const lines = readFileSync(file).toString('latin1').split('\n');
    writeFileSync(file, Buffer.from(lines.slice(0, -101).join('\n') + '\n', 'latin1'));
    const dst = track(uniqueDbName('airlock_dmgdst'));
    const err = await restoreMysql(await directoryDumpReader(dir), connectionFor(dst), { parallel: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RESTORE_FAILED' });
    expect((err as Error).message).toMatch(/"Track" received 3403 of its 3503 rows/);
    expect((err as Error).message).toMatch(/tables without their rows: .*"Track"/);
  });
});
