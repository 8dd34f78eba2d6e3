// PostgreSQL dump → restore / SQL export → psql, judged by compare-pg.sh on Chinook and the edge-case fixture.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import { parseDatabaseUrl } from '../../electron/engine/sources/database-url.ts';
import { dumpPostgres } from '../../electron/engine/sources/postgres/dump.ts';
import { manifestName, type DumpManifest } from '../../electron/engine/sources/postgres/dump-format.ts';
import { exportPostgresSql } from '../../electron/engine/sources/postgres/export-sql.ts';
import { restorePostgres } from '../../electron/engine/sources/postgres/restore.ts';
import { verifyPostgresRestore } from '../../electron/engine/sources/postgres/verify.ts';
import { directoryDumpReader, directoryDumpWriter } from '../helpers/dump-dir.ts';
import { TestDatabases, comparePg, loadChinook, loadEdgeCases, pgConnection, psqlFile, query } from '../helpers/postgres.ts';

const dbs = new TestDatabases();
/** Sources and their dumps, made once per file: the tests only read them (or copy a dump before damaging it). */
const shared = new TestDatabases();
let sharedDir: string;
let chinook: { src: string; dump: string };
let edge: { src: string; dump: string };
let dir: string;

beforeAll(async () => {
  sharedDir = await mkdtemp(join(tmpdir(), 'airlock-pg-shared-'));
  const chinookSrc = await shared.create('chinook');
  await loadChinook(chinookSrc);
  const edgeSrc = await shared.create('edge');
  await loadEdgeCases(edgeSrc);
  chinook = { src: chinookSrc, dump: join(sharedDir, 'chinook') };
  edge = { src: edgeSrc, dump: join(sharedDir, 'edge') };
  await dumpPostgres(pgConnection(chinookSrc), directoryDumpWriter(chinook.dump));
  await dumpPostgres(pgConnection(edgeSrc), directoryDumpWriter(edge.dump));
}, 180_000);
afterAll(async () => {
  await shared.dropAll();
  await rm(sharedDir, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-pg-'));
});
afterEach(async () => {
  await dbs.dropAll();
  await rm(dir, { recursive: true, force: true });
});

/** A private copy of a shared dump, for a test that changes it. */
async function copyOf(dump: string): Promise<string> {
  const out = join(dir, 'copy');
  await cp(dump, out, { recursive: true });
  return out;
}

async function dumpTo(src: string, sub = 'dump'): Promise<string> {
  const out = join(dir, sub);
  await dumpPostgres(pgConnection(src), directoryDumpWriter(out));
  return out;
}

async function exportAndLoad(dumpDir: string, prefix: string, opts: Parameters<typeof exportPostgresSql>[2] = {}): Promise<string> {
  const file = join(dir, `${prefix}.sql`);
  await exportPostgresSql(await directoryDumpReader(dumpDir), createWriteStream(file), opts);
  const dst = await dbs.create(prefix);
  const r = await psqlFile(dst, file);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return dst;
}

async function manifestOf(dumpDir: string): Promise<DumpManifest> {
  return JSON.parse(await readFile(join(dumpDir, manifestName), 'utf8')) as DumpManifest;
}

describe('Chinook', () => {
  it('restores into a new database that compare-pg.sh finds identical', async () => {
    const { src, dump: dumpDir } = chinook;
    const dst = dbs.reserve('chinook_r');
    const progress: string[] = [];
    const summary = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst), { onProgress: (p) => progress.push(p.table) });
    expect(summary.created).toBe(true);
    expect(summary.tables).toBe(11);
    expect(summary.rows).toBe(15607);
    expect(progress).toContain('public.track');
    const cmp = await comparePg(src, dst);
    expect(cmp.output).toContain('MATCH');
    expect(cmp.match).toBe(true);

    // The verify drill: the restored tables read back exactly as recorded, and a changed row is caught.
    const verified = await verifyPostgresRestore(await directoryDumpReader(dumpDir), pgConnection(dst));
    expect(verified.ok).toBe(true);
    expect(verified.tables).toHaveLength(11);
    await query(dst, `UPDATE public.genre SET name = name || '!' WHERE genre_id = 3`);
    const after = await verifyPostgresRestore(await directoryDumpReader(dumpDir), pgConnection(dst));
    expect(after.ok).toBe(false);
    expect(after.tables.filter((t) => !t.ok).map((t) => t.table)).toEqual(['public.genre']);
  });

  it('exports SQL that psql loads into an empty database with the same result', async () => {
    const dst = await exportAndLoad(chinook.dump, 'chinook_sql');
    const src = chinook.src;
    const cmp = await comparePg(src, dst);
    expect(cmp.output).toContain('MATCH');
  });
});

describe('edge cases', () => {
  it('round-trips every type, name and object kind in the fixture', async () => {
    const { src, dump: dumpDir } = edge;
    const dst = dbs.reserve('edge_r');
    const summary = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst));
    expect(summary.warnings).toEqual([]);
    expect(summary.largeObjects).toBe(3);
    const cmp = await comparePg(src, dst);
    expect(cmp.output).toContain('MATCH');

    // What compare-pg.sh does not look at: owners, large-object metadata, row-level security state.
    const facts = `
      SELECT 'owner ' || c.relname || ' ' || pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.relname IN ('owned_elsewhere', 'secrets')
      UNION ALL SELECT 'lo ' || l.oid || ' ' || pg_get_userbyid(l.lomowner) || ' ' || coalesce(l.lomacl::text, '-') || ' ' || coalesce(obj_description(l.oid, 'pg_largeobject'), '-') FROM pg_largeobject_metadata l
      UNION ALL SELECT 'rls ' || relname || ' ' || relrowsecurity || ' ' || relforcerowsecurity FROM pg_class WHERE relname = 'secrets'
      UNION ALL SELECT 'seq ' || sequencename || ' ' || coalesce(last_value::text, 'null') FROM pg_sequences
      UNION ALL SELECT 'evt ' || evtname || ' ' || evtenabled::text FROM pg_event_trigger
      ORDER BY 1`;
    const before = (await query<{ '?column?': string }>(src, facts)).map((r) => Object.values(r)[0]);
    const after = (await query<{ '?column?': string }>(dst, facts)).map((r) => Object.values(r)[0]);
    expect(after).toEqual(before);
    expect(before).toContain('owner owned_elsewhere airlock_fixture_owner');
    expect(before.some((f) => String(f).startsWith('lo 4242001 ') && String(f).endsWith(' greeting'))).toBe(true);

    // Values that are easy to lose, checked directly too.
    const exact = `SELECT c_real::text, c_double::text, c_numeric::text, encode(c_bytea, 'hex') AS b, c_json::text, c_text FROM all_types ORDER BY id`;
    expect(await query(dst, exact)).toEqual(await query(src, exact));
    const zero = await query<{ neg: boolean }>(dst, `SELECT c_double::text = '-0' AS neg FROM all_types WHERE id = 1`);
    expect(zero[0]?.neg).toBe(true);
  });

  it('exports SQL that psql loads to the same result', async () => {
    const src = edge.src;
    const dst = await exportAndLoad(edge.dump, 'edge_sql');
    const cmp = await comparePg(src, dst);
    expect(cmp.output).toContain('MATCH');
  });

  it('records per-table row counts and checksums that match the stored streams, under safe names', async () => {
    const { src, dump: dumpDir } = edge;
    const manifest = await manifestOf(dumpDir);
    expect(manifest.server.versionNum).toBeGreaterThanOrEqual(120000);
    const counts = await query<{ n: string }>(src, 'SELECT count(*)::text AS n FROM ONLY public.all_types');
    const allTypes = manifest.tables.find((t) => t.name === 'all_types');
    expect(allTypes?.rows).toBe(Number(counts[0]?.n));
    expect(allTypes?.orderBy).toEqual(['id']);
    expect(manifest.tables.find((t) => t.name === 'log_lines')?.orderBy).toBeNull();
    for (const t of manifest.tables) {
      expect(t.parts).toHaveLength(1);
      for (const p of t.parts) {
        expect(p.stream).toMatch(/^data\/\d{4}-[A-Za-z0-9_.-]*\.copy$/);
        expect(p.stream.split('/')).not.toContain('..');
        const bytes = await readFile(join(dumpDir, p.stream));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(p.sha256);
        expect(bytes.length).toBe(p.bytes);
        expect(p.rows).toBe(t.rows);
      }
    }
    const files = await readdir(dumpDir, { recursive: true });
    expect(files).toContain('schema.json');
    expect(files).toContain('large-objects.bin');
  });

  it('keeps a table named with a newline, a slash and dots in a safe stream', async () => {
    const src = await dbs.create('names');
    await query(src, `CREATE SCHEMA "../x"; CREATE TABLE "../x"."a/b
c" ("..\\" int PRIMARY KEY); INSERT INTO "../x"."a/b
c" VALUES (1), (2)`);
    const dumpDir = await dumpTo(src);
    const manifest = await manifestOf(dumpDir);
    expect(manifest.tables[0]?.parts[0]?.stream).toBe('data/0001-.._x.a_b_c.copy');
    const dst = dbs.reserve('names_r');
    await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst));
    expect(await query(dst, `SELECT "..\\" AS v FROM "../x"."a/b
c" ORDER BY 1`)).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('restores chosen tables with what they need and warns about foreign keys left out', async () => {
    const { src, dump: dumpDir } = edge;
    const dst = dbs.reserve('sel');
    const summary = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst), { tables: ['emp', 'public.uses_fn', 'capitals'] });
    expect(summary.warnings.join('\n')).toMatch(/Foreign key emp_dept_id_fkey on public\.emp references public\.dept, which is not being restored/);
    expect(summary.warnings.join('\n')).toMatch(/Also restoring table public\.cities/);
    const tables = await query<{ t: string }>(dst, `SELECT relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace WHERE nspname = 'public' AND relkind = 'r' ORDER BY 1`);
    expect(tables.map((t) => t.t)).toEqual(['capitals', 'cities', 'emp', 'uses_fn']);
    expect(await query(dst, 'SELECT count(*)::int AS n FROM emp')).toEqual([{ n: 4 }]);
    // The function the generated column uses came along; the self-referencing key stayed.
    expect(await query(dst, 'SELECT y::text FROM uses_fn ORDER BY id')).toEqual(await query(src, 'SELECT y::text FROM uses_fn ORDER BY id'));
    expect(await query(dst, `SELECT conname FROM pg_constraint WHERE conrelid = 'public.emp'::regclass AND contype = 'f' ORDER BY 1`)).toEqual([{ conname: 'emp_boss_id_fkey' }]);
    await expect(restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dbs.reserve('sel2')), { tables: ['nope'] })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('dumps only chosen tables when asked, and exports them as loadable SQL', async () => {
    const out = join(dir, 'some');
    const summary = await dumpPostgres(pgConnection(edge.src), directoryDumpWriter(out), { tables: ['dept', 'emp'] });
    expect(summary.manifest.tables.map((t) => t.name).sort()).toEqual(['dept', 'emp']);
    expect(summary.largeObjects).toBe(0);
    const dst = await exportAndLoad(out, 'some_sql');
    expect(await query(dst, 'SELECT count(*)::int AS n FROM public.emp')).toEqual([{ n: 4 }]);
    // Both ends of the foreign-key cycle are there, so both keys are.
    expect(await query(dst, `SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f'`)).toEqual([{ n: 4 }]);
  });

  it('keeps grants to existing roles when the owning role does not exist on the target', async () => {
    const out = await copyOf(edge.dump);
    const schemaFile = join(out, 'schema.json');
    await writeFile(schemaFile, (await readFile(schemaFile, 'utf8')).replaceAll('airlock_fixture_owner', 'airlock_role_that_does_not_exist'));
    const dst = dbs.reserve('noowner');
    const summary = await restorePostgres(await directoryDumpReader(out), pgConnection(dst));
    expect(summary.warnings.join(' ')).toContain('airlock_role_that_does_not_exist');
    const [row] = await query<{ owner: string; reader: boolean }>(dst, `SELECT pg_get_userbyid(relowner) AS owner,
      has_table_privilege('airlock_fixture_reader', 'public.owned_elsewhere', 'SELECT') AS reader FROM pg_class WHERE relname = 'owned_elsewhere'`);
    expect(row).toEqual({ owner: 'root', reader: true });
    expect(await query(dst, 'SELECT id FROM public.owned_elsewhere')).toEqual([{ id: 1 }]);
  });

  it('connects through the Unix socket too', async () => {
    const src = await dbs.create('socket');
    await query(src, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)');
    const conn = parseDatabaseUrl(`postgres://root@localhost/${src}?socket=/var/run/postgresql/.s.PGSQL.5432`);
    const summary = await dumpPostgres(conn, directoryDumpWriter(join(dir, 'sock')));
    expect(summary.rows).toBe(2);
  });

  it('restores schema only, then data only, to the same result as a full restore', async () => {
    const { src, dump: dumpDir } = edge;
    const dst = dbs.reserve('split');
    await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst), { schemaOnly: true });
    expect(await query(dst, 'SELECT count(*)::int AS n FROM public.emp')).toEqual([{ n: 0 }]);
    await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst), { dataOnly: true });
    const cmp = await comparePg(src, dst);
    expect(cmp.output).toContain('MATCH');
  });

  it('refuses to restore into a database that already holds objects, and replaces it with overwrite', async () => {
    const { src, dump: dumpDir } = chinook;
    const dst = await dbs.create('busy');
    await query(dst, 'CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42)');
    const err = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockError);
    expect(err).toMatchObject({ code: 'TARGET_NOT_EMPTY' });
    expect((err as Error).message).toContain('table public.keep_me');
    expect(await query(dst, 'SELECT x FROM keep_me')).toEqual([{ x: 42 }]);

    const empty = await dbs.create('empty');
    const intoEmpty = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(empty));
    expect(intoEmpty.created).toBe(false);

    const replaced = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst), { overwrite: true });
    expect(replaced.created).toBe(true);
    expect(replaced.warnings.join(' ')).toContain('dropped and created again');
    expect((await comparePg(src, dst)).match).toBe(true);
  });

  it('says which tables were and were not loaded when a stored stream is damaged', async () => {
    const dumpDir = await copyOf(chinook.dump);
    const manifest = await manifestOf(dumpDir);
    const track = manifest.tables.find((t) => t.name === 'track');
    expect(track).toBeDefined();
    const file = join(dumpDir, track!.parts[0]!.stream);
    // A change COPY accepts (one letter of a track name): only the checksum can catch it.
    const text = await readFile(file, 'utf8');
    expect(text).toContain('We Salute You');
    await writeFile(file, text.replace('We Salute You', 'We Salutf You'));
    const dst = dbs.reserve('damaged');
    const err = await restorePostgres(await directoryDumpReader(dumpDir), pgConnection(dst), { parallel: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_DATA' });
    const message = (err as Error).message;
    expect(message).toContain('public.track');
    expect(message).toMatch(/not loaded: .*public\.track/);
    expect(message).toContain(`Drop database "${dst}"`);
    expect(await query(dst, 'SELECT count(*)::int AS n FROM public.track')).toEqual([{ n: 0 }]);
  });

  it('writes rows in key order, so a changed row changes only its own part of the stream', async () => {
    const src = await dbs.create('order');
    // Rows inserted in shuffled order, so physical order is not key order.
    await query(src, `CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 20000) g ORDER BY md5(g::text)`);
    const first = await dumpTo(src, 'd1');
    await query(src, `UPDATE t SET v = 'changed' WHERE id = 10000`);
    const second = await dumpTo(src, 'd2');
    const [m1, m2] = [await manifestOf(first), await manifestOf(second)];
    const a = await readFile(join(first, m1.tables[0]!.parts[0]!.stream));
    const b = await readFile(join(second, m2.tables[0]!.parts[0]!.stream));
    let prefix = 0;
    while (prefix < a.length && a[prefix] === b[prefix]) prefix++;
    let suffix = 0;
    while (suffix < a.length && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
    const changed = a.length - prefix - suffix;
    expect(changed).toBeLessThan(200);
    expect(a.subarray(0, 20).toString()).toBe('1\tc4ca4238a0b923820d');
  });
});
