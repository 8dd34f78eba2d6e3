// The SQLite source on real files: consistent copies (WAL with a live writer included), SQL export that loads back identically, restore and selective restore, and the errors a user sees.

import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../helpers/files.ts';
import { nobody, nobodySkipReason } from '../helpers/unprivileged.ts';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError, type ErrorCode } from '../../electron/engine/errors.ts';
import { exportSql } from '../../electron/engine/sources/sqlite/export-sql.ts';
import { restoreDatabaseFile, selectTables } from '../../electron/engine/sources/sqlite/restore.ts';
import { copyConsistent } from '../../electron/engine/sources/sqlite/snapshot.ts';

const chinookFixture = join(sharedDir, 'fixtures', 'chinook', 'Chinook_Sqlite.sqlite');
const repoRoot = join(import.meta.dirname, '..', '..');
const execFileAsync = promisify(execFile);

let root: string;
let chinook: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-sqlite-'));
  chinook = join(root, 'chinook.sqlite');
  copyFileSync(chinookFixture, chinook);
  chmodSync(chinook, 0o644);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function freshDir(): string {
  counter += 1;
  const dir = join(root, `case-${counter}`);
  mkdirSync(dir);
  return dir;
}

// ---- comparing databases ---------------------------------------------------------------------------------

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** One value with its storage class; REALs by their bits so that -0.0 and 0.0 differ. */
function encodeValue(v: unknown): string {
  if (v === null) return 'n';
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return `r${b.toString('hex')}`;
  }
  if (typeof v === 'string') return `t${JSON.stringify(v)}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  throw new Error(`unexpected value of type ${typeof v}`);
}

/** Every row of a table (rowid first where there is one), encoded and sorted. */
function tableRows(db: Database.Database, table: string): string[] {
  let stmt: Database.Statement<[], unknown[]>;
  try {
    stmt = db.prepare<[], unknown[]>(`SELECT rowid AS "(rowid)", * FROM ${quote(table)}`);
  } catch {
    stmt = db.prepare<[], unknown[]>(`SELECT * FROM ${quote(table)}`);
  }
  return stmt
    .safeIntegers(true)
    .raw(true)
    .all()
    .map((row) => row.map(encodeValue).join('|'))
    .sort();
}

const tableHash = (db: Database.Database, table: string): string => createHash('sha256').update(tableRows(db, table).join('\n')).digest('hex');

function userTableNames(db: Database.Database): string[] {
  return db
    .prepare<[], string>("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    .pluck()
    .all();
}

function schemaOf(db: Database.Database): string[] {
  return db
    .prepare<[], { type: string; name: string; tbl_name: string; sql: string | null }>('SELECT type, name, tbl_name, sql FROM sqlite_schema')
    .all()
    .map((r) => JSON.stringify([r.type, r.name, r.tbl_name, r.sql]))
    .sort();
}

function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function hashes(path: string, skip: readonly string[] = []): Record<string, string> {
  return withDb(path, (db) => Object.fromEntries(userTableNames(db).filter((t) => !skip.includes(t)).map((t) => [t, tableHash(db, t)])));
}

const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

async function failure(promise: Promise<unknown>): Promise<AirlockError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AirlockError) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

async function expectFailure(promise: Promise<unknown>, code: ErrorCode, mentions: string): Promise<AirlockError> {
  const err = await failure(promise);
  expect(err.code).toBe(code);
  expect(err.message).toContain(mentions);
  return err;
}

/** A Writable that keeps the text, for small exports. */
function textSink(): { stream: Writable; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      parts.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

async function exportToText(dbPath: string, tables?: readonly string[]): Promise<{ sql: string; result: Awaited<ReturnType<typeof exportSql>> }> {
  const sink = textSink();
  const result = await exportSql(dbPath, sink.stream, tables === undefined ? {} : { tables });
  return { sql: sink.text(), result };
}

function loadSql(sql: string, path: string): void {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

// ---- an edge-case database -------------------------------------------------------------------------------

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const edgeValues: unknown[] = [
  null,
  0n,
  1n,
  -1n,
  9223372036854775807n,
  -9223372036854775808n,
  9007199254740993n,
  0.0,
  -0.0,
  1e308,
  -1e308,
  5e-324,
  2.2250738585072014e-308,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0.1,
  3.0,
  -123.456e-7,
  '',
  "it's a 'quote'",
  'line1\nline2\r\nline3\ttab\r',
  '\r\n',
  'a\0b',
  '\0',
  'ünïcødé 名前 🎉 \u2028',
  "X'00'",
  '-- not a comment',
  "');DROP TABLE vals;--",
  Buffer.alloc(0),
  allBytes,
  Buffer.from([0]),
];

function buildEdgeDatabase(path: string): void {
  const db = new Database(path);
  db.defaultSafeIntegers(true);
  db.exec(`
    PRAGMA journal_mode = WAL;
    CREATE TABLE parent(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);
    CREATE TABLE "child table"(
      "weird ""col""" INTEGER REFERENCES parent(id) ON DELETE CASCADE,
      "select" TEXT DEFAULT 'it''s',
      "ünïcødé 名前" BLOB,
      id INTEGER PRIMARY KEY
    );
    CREATE TABLE vals(v);
    CREATE TABLE typed(i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC);
    CREATE TABLE gen(a INTEGER, b TEXT, twice INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, upper_b TEXT AS (upper(b)) STORED);
    CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
    CREATE TABLE nopk(x, y);
    CREATE TABLE "rowid"(rowid TEXT, oid TEXT, _rowid_ TEXT);
    CREATE TABLE "oid taken"(oid TEXT, v);
    CREATE TABLE strict_t(id INTEGER PRIMARY KEY, r REAL, a ANY) STRICT;
    CREATE TABLE desc_pk(x INTEGER PRIMARY KEY DESC, y);
    CREATE TABLE cyc_a(id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES cyc_b(id));
    CREATE TABLE cyc_b(id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES cyc_a(id));
    CREATE TABLE "order"("group" INTEGER, "from" TEXT) -- a trailing comment
    ;
    CREATE INDEX "idx on child" ON "child table"("select") WHERE "select" IS NOT NULL;
    CREATE UNIQUE INDEX gen_twice ON gen(twice);
    CREATE INDEX expr_idx ON typed(lower(t));
    CREATE VIEW v1 AS SELECT id, name FROM parent;
    CREATE VIEW "v 2" AS SELECT count(*) AS n FROM v1;
    CREATE TRIGGER parent_audit AFTER INSERT ON parent BEGIN INSERT INTO nopk VALUES ('audit', NEW.name); END;
    CREATE VIRTUAL TABLE docs_fts USING fts5(title, body);
    CREATE TABLE articles(id INTEGER PRIMARY KEY, body TEXT);
    CREATE VIRTUAL TABLE articles_fts USING fts5(body, content='articles', content_rowid='id');
    CREATE VIRTUAL TABLE shapes USING rtree(id, minx, maxx);
    CREATE VIRTUAL TABLE contentless USING fts5(x, content='');
    PRAGMA user_version = 42;
    PRAGMA application_id = 1095323185;
  `);
  // Dropping and recreating a view that another view uses puts them out of dependency order in sqlite_schema.
  db.exec(`
    DROP VIEW v1;
    CREATE VIEW v1 AS SELECT id, name FROM parent WHERE id > 0;
    CREATE TRIGGER v1_insert INSTEAD OF INSERT ON v1 BEGIN INSERT INTO parent(name) VALUES (NEW.name); END;
  `);
  const insertParent = db.prepare('INSERT INTO parent(name) VALUES (?)');
  for (let i = 0; i < 50; i++) insertParent.run(`parent ${i}`);
  db.exec('DELETE FROM parent WHERE id > 40'); // the AUTOINCREMENT counter stays at 50
  const child = db.prepare('INSERT INTO "child table" VALUES (?, ?, ?, ?)');
  for (let i = 1; i <= 40; i++) child.run(BigInt(i), i % 3 === 0 ? null : `sel'${i}`, Buffer.from([i, 0, 255]), BigInt(i * 10));
  const vals = db.prepare('INSERT INTO vals VALUES (?)');
  for (const v of edgeValues) vals.run(v);
  db.prepare('INSERT INTO vals VALUES (-0.0)').run();
  const typed = db.prepare('INSERT INTO typed VALUES (?, ?, ?, ?, ?)');
  typed.run('123', '4.5', 42n, 'text in blob', '007');
  typed.run(3.0, 7n, 1.5, allBytes, 'abc');
  typed.run('abc', 'x', null, 12n, 1e20);
  typed.run(9223372036854775807n, -0.0, 'Mixed CASE', null, '1e3');
  const gen = db.prepare('INSERT INTO gen(a, b) VALUES (?, ?)');
  for (let i = 0; i < 20; i++) gen.run(BigInt(i), `b${i}`);
  const kv = db.prepare('INSERT INTO kv VALUES (?, ?)');
  for (let i = 0; i < 30; i++) kv.run(`key ${String(i).padStart(2, '0')}`, Buffer.from(`value ${i}`));
  const nopk = db.prepare('INSERT INTO nopk VALUES (?, ?)');
  for (let i = 0; i < 300; i++) nopk.run(BigInt(i), `row ${i}`);
  db.exec('DELETE FROM nopk WHERE x % 7 = 3'); // gaps in the hidden rowids
  db.exec(`INSERT INTO "rowid" VALUES ('a', 'b', 'c'), ('d', 'e', 'f')`);
  db.exec(`INSERT INTO "oid taken" VALUES ('o1', 1), ('o2', 2); DELETE FROM "oid taken" WHERE v = 1; INSERT INTO "oid taken" VALUES ('o3', 3)`);
  db.exec(`INSERT INTO strict_t VALUES (1, -0.0, 'any text'), (2, 1e-300, X'00FF'), (3, 2.5, 7)`);
  db.exec(`INSERT INTO desc_pk VALUES (5, 'five'), (-3, 'minus three'), (100, 'hundred')`);
  db.exec('BEGIN; PRAGMA defer_foreign_keys = ON; INSERT INTO cyc_a VALUES (1, 1), (2, NULL); INSERT INTO cyc_b VALUES (1, 2); COMMIT;');
  db.exec(`INSERT INTO "order" VALUES (1, 'from'), (NULL, NULL)`);
  db.exec(`
    INSERT INTO docs_fts(rowid, title, body) VALUES (10, 'hello', 'the quick brown fox'), (20, 'world', 'jumps over the lazy dog');
    INSERT INTO articles VALUES (3, 'sqlite backups are consistent'), (9, 'restores must match');
    INSERT INTO articles_fts(rowid, body) SELECT id, body FROM articles;
    INSERT INTO shapes VALUES (1, 0, 5), (2, -10.5, 3.25);
    INSERT INTO contentless(rowid, x) VALUES (1, 'cannot be read back');
  `);
  db.close();
}

const ftsQueries = (db: Database.Database): unknown => ({
  docs: db.prepare("SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'lazy OR hello' ORDER BY rowid").pluck().all(),
  articles: db.prepare("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'consistent'").pluck().all(),
  shapes: db.prepare('SELECT id FROM shapes WHERE minx <= 0 AND maxx >= 1 ORDER BY id').pluck().all(),
});

// ---- copyConsistent --------------------------------------------------------------------------------------

describe('copyConsistent', () => {
  it('copies Chinook so that every table is equal, without touching the source', async () => {
    const dir = freshDir();
    const before = fileHash(chinook);
    const progress: [number, number][] = [];
    const info = await copyConsistent(chinook, join(dir, 'copy.sqlite'), { onProgress: (done, total) => progress.push([done, total]), stepBytes: 64 * 1024 });

    expect(hashes(join(dir, 'copy.sqlite'))).toEqual(hashes(chinook));
    expect(withDb(join(dir, 'copy.sqlite'), schemaOf)).toEqual(withDb(chinook, schemaOf));
    expect(info.integrity).toEqual({ ok: true, messages: ['ok'] });
    expect(info.tables.map((t) => t.name).sort()).toEqual(withDb(chinook, userTableNames));
    expect(info.tables.find((t) => t.name === 'Track')?.rows).toBe(3503);
    expect(info.pageSize * info.pageCount).toBe(statSync(join(dir, 'copy.sqlite')).size);
    expect(info.sqliteVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toEqual([info.pageCount, info.pageCount]);
    expect(progress.every(([done], i) => i === 0 || done >= progress[i - 1]![0])).toBe(true);
    // The source is byte-identical and nothing was created beside it; the copy is one file.
    expect(fileHash(chinook)).toBe(before);
    expect(readdirSync(root).filter((n) => n.startsWith('chinook'))).toEqual(['chinook.sqlite']);
    expect(readdirSync(dir)).toEqual(['copy.sqlite']);
  });

  it('captures a WAL database consistently while another process keeps writing to it', async () => {
    const dir = freshDir();
    const live = join(dir, 'live.sqlite');
    const setup = new Database(live);
    setup.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE a(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad BLOB);
      CREATE TABLE b(id INTEGER PRIMARY KEY, v INTEGER NOT NULL);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
        INSERT INTO a SELECT i, i * 3, randomblob(200) FROM n;
      INSERT INTO b SELECT id, v FROM a;
    `);
    setup.close();

    // The writer moves value from row to row and inserts, always in a transaction that keeps sum(a) = sum(b).
    const betterSqlite = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
    const writerScript = `
      import Database from ${JSON.stringify(betterSqlite)};
      const db = new Database(${JSON.stringify(live)}, { timeout: 10000 });
      db.pragma('journal_mode = WAL');
      const step = db.transaction((k) => {
        db.prepare('INSERT INTO a VALUES (?, ?, randomblob(300))').run(k, k);
        db.prepare('INSERT INTO b VALUES (?, ?)').run(k, k);
        db.prepare('UPDATE a SET v = v - 1 WHERE id = ?').run(k % 20000 + 1);
        db.prepare('UPDATE b SET v = v - 1 WHERE id = ?').run((k * 7) % 20000 + 1);
      });
      let k = 100000, stop = false;
      process.stdin.on('data', () => { stop = true; });
      const loop = () => {
        for (let i = 0; i < 10; i++) step(++k);
        if (k === 100200) process.stdout.write('ready\\n');
        if (stop) { db.close(); process.stdout.write('done ' + (k - 100000) + '\\n'); process.exit(0); }
        setImmediate(loop);
      };
      loop();
    `;
    const writer = spawn(process.execPath, ['--input-type=module', '-e', writerScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      });
      writer.once('exit', (code) => {
        reject(new Error(`writer exited early with ${String(code)}`));
      });
    });
    const exited = once(writer, 'exit');
    await ready;

    const observer = new Database(live, { readonly: true });
    const countA = (): number => Number(observer.prepare('SELECT count(*) FROM a').pluck().get());
    const before = countA();
    const seen: number[] = [];
    const info = await copyConsistent(live, join(dir, 'copy.sqlite'), {
      stepBytes: 16 * 1024,
      onProgress: () => seen.push(countA()),
    });
    observer.close();
    writer.stdin.write('stop\n');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);

    // The writer committed while the copy was being taken...
    expect(Math.max(...seen)).toBeGreaterThan(Math.min(...seen));
    expect(info.sourceJournalMode).toBe('wal');
    expect(info.integrity.ok).toBe(true);
    // ...and the copy holds exactly one committed state: every invariant of the writer's transactions holds.
    withDb(join(dir, 'copy.sqlite'), (db) => {
      const row = db
        .prepare<[], { ca: number; cb: number; sa: number; sb: number; orphans: number }>(
          `SELECT (SELECT count(*) FROM a) AS ca, (SELECT count(*) FROM b) AS cb, (SELECT sum(v) FROM a) AS sa, (SELECT sum(v) FROM b) AS sb,
                  (SELECT count(*) FROM a WHERE id NOT IN (SELECT id FROM b)) AS orphans`,
        )
        .get()!;
      expect(row.ca).toBe(row.cb);
      expect(row.sa).toBe(row.sb);
      expect(row.orphans).toBe(0);
      // The state as the copy began: nothing committed before it is missing, nothing committed during it crept in.
      expect(row.ca).toBeGreaterThanOrEqual(before);
      expect(row.ca).toBeLessThanOrEqual(Math.min(...seen));
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    });
    expect(readdirSync(dir).filter((n) => !n.startsWith('live.sqlite'))).toEqual(['copy.sqlite']);
  });

  it('says clearly when the file is missing, not a database, a folder, or locked', async () => {
    const dir = freshDir();
    await expectFailure(copyConsistent(join(dir, 'nope.sqlite'), join(dir, 'c')), 'SOURCE_UNREACHABLE', join(dir, 'nope.sqlite'));
    writeFileSync(join(dir, 'notes.txt'), 'these are not the pages you are looking for '.repeat(200));
    await expectFailure(copyConsistent(join(dir, 'notes.txt'), join(dir, 'c')), 'SOURCE_INVALID', 'not a SQLite database');
    await expectFailure(copyConsistent(dir, join(dir, 'c')), 'SOURCE_INVALID', 'a folder');
    await expectFailure(copyConsistent(chinook, join(dir, 'missing-folder', 'c')), 'PATH_NOT_FOUND', 'missing-folder');

    const locked = join(dir, 'locked.sqlite');
    copyFileSync(chinook, locked);
    const holder = new Database(locked);
    holder.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    await expectFailure(copyConsistent(locked, join(dir, 'c'), { busyTimeoutMs: 300 }), 'SOURCE_BUSY', 'locked by another program');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    holder.exec('ROLLBACK');
    holder.close();
    expect(readdirSync(dir).sort()).toEqual(['locked.sqlite', 'notes.txt']);
  });

  it('stops when cancelled and leaves no partial copy', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    let calls = 0;
    const copying = copyConsistent(chinook, join(dir, 'copy.sqlite'), {
      signal: controller.signal,
      stepBytes: 16 * 1024,
      onProgress: () => {
        calls += 1;
        if (calls === 2) controller.abort();
      },
    });
    await expect(copying).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads a WAL database in a read-only folder, and names an unreadable file (run as an unprivileged user)', (ctx) => {
    const cannot = nobodySkipReason();
    if (cannot !== undefined) ctx.skip(cannot);
    const dir = freshDir();
    chmodSync(root, 0o755);
    chmodSync(dir, 0o755);
    const roDir = join(dir, 'readonly');
    mkdirSync(roDir);
    const out = join(dir, 'out');
    mkdirSync(out);
    chmodSync(out, 0o777);
    const walDb = join(roDir, 'wal.sqlite');
    const db = new Database(walDb);
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3);");
    db.close(); // the last connection removes -wal and -shm; the header still says WAL
    copyFileSync(chinook, join(roDir, 'secret.sqlite'));
    chmodSync(join(roDir, 'secret.sqlite'), 0o600);
    chmodSync(roDir, 0o555);

    const module = pathToFileURL(join(repoRoot, 'electron/engine/sources/sqlite/snapshot.ts')).href;
    const run = (source: string, dest: string): { ok: boolean; code?: string; message?: string; rows?: number | null; private?: boolean } => {
      const script = `
        import { copyConsistent } from ${JSON.stringify(module)};
        try {
          const info = await copyConsistent(${JSON.stringify(source)}, ${JSON.stringify(dest)});
          console.log(JSON.stringify({ ok: true, rows: info.tables[0].rows, private: info.viaPrivateCopy }));
        } catch (e) { console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })); }
      `;
      const child = spawnSync('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(child.stderr).toBe('');
      return JSON.parse(child.stdout) as ReturnType<typeof run>;
    };
    try {
      expect(run(walDb, join(out, 'copy.sqlite'))).toEqual({ ok: true, rows: 3, private: true });
      expect(withDb(join(out, 'copy.sqlite'), (c) => c.prepare('SELECT sum(x) FROM t').pluck().get())).toBe(6);
      expect(readdirSync(roDir).sort()).toEqual(['secret.sqlite', 'wal.sqlite']);
      expect(readdirSync(out)).toEqual(['copy.sqlite']);

      const denied = run(join(roDir, 'secret.sqlite'), join(out, 'secret-copy.sqlite'));
      expect(denied).toMatchObject({ ok: false, code: 'SOURCE_UNREACHABLE' });
      expect(denied.message).toContain('permission denied');
      expect(denied.message).toContain('secret.sqlite');
    } finally {
      chmodSync(roDir, 0o755);
    }
  });
});

// ---- exportSql -------------------------------------------------------------------------------------------

describe('exportSql', () => {
  it('exports Chinook as SQL that better-sqlite3 and the sqlite3 shell load back identically', async () => {
    const dir = freshDir();
    const file = join(dir, 'chinook.sql');
    const out = createWriteStream(file);
    const result = await exportSql(chinook, out);
    out.end();
    await once(out, 'close');
    expect(result).toEqual({ tables: 11, rows: 15607, warnings: [] });

    const sql = readFileSync(file, 'utf8');
    loadSql(sql, join(dir, 'exec.sqlite'));
    expect(hashes(join(dir, 'exec.sqlite'))).toEqual(hashes(chinook));
    expect(withDb(join(dir, 'exec.sqlite'), schemaOf)).toEqual(withDb(chinook, schemaOf));

    const shell = spawnSync('sqlite3', [join(dir, 'shell.sqlite')], { input: sql, encoding: 'utf8' });
    if (shell.error === undefined) {
      expect(shell.stderr).toBe('');
      expect(hashes(join(dir, 'shell.sqlite'))).toEqual(hashes(chinook));
    }
  });

  it('round-trips every storage class, edge value, strange name, generated column, WITHOUT ROWID table, view, trigger and full-text table', async () => {
    const dir = freshDir();
    const source = join(dir, 'edge.sqlite');
    buildEdgeDatabase(source);
    const { sql, result } = await exportToText(source);
    const loaded = join(dir, 'loaded.sqlite');
    loadSql(sql, loaded);

    // Every table equal (the contentless full-text table cannot be read back, and says so).
    expect(hashes(loaded, ['contentless'])).toEqual(hashes(source, ['contentless']));
    expect(result.warnings).toEqual([
      'Table "rowid" has columns named rowid, oid and _rowid_, so its hidden rowids cannot be kept; its rows are copied with new rowids.',
      'Full-text table "contentless" is contentless: its indexed text cannot be read back, so it is created empty. Rebuild it from its source after loading.',
    ]);
    // The same schema, object for object, including shadow tables, views on views and triggers.
    expect(withDb(loaded, schemaOf)).toEqual(withDb(source, schemaOf));
    // Counters and header fields a program relies on.
    const facts = (db: Database.Database): unknown => ({
      seq: db.prepare('SELECT name, seq FROM sqlite_sequence ORDER BY name').all(),
      userVersion: db.pragma('user_version', { simple: true }),
      applicationId: db.pragma('application_id', { simple: true }),
      fts: ftsQueries(db),
      views: db.prepare('SELECT n FROM "v 2"').pluck().get(),
      generated: db.prepare('SELECT group_concat(twice || upper_b) FROM gen').pluck().get(),
      integrity: db.pragma('integrity_check', { simple: true }),
    });
    expect(withDb(loaded, facts)).toEqual(withDb(source, facts));
    expect(withDb(loaded, (db) => db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'parent'").pluck().get())).toBe(50);
    // -0.0, NUL-bearing text and the 64-bit extremes kept their exact storage class and bits.
    withDb(loaded, (db) => {
      const rows = db.prepare<[], unknown[]>('SELECT v FROM vals ORDER BY rowid').safeIntegers(true).raw(true).all().map((r) => r[0]);
      expect(rows.map(encodeValue)).toEqual([...edgeValues, -0].map(encodeValue));
    });
    expect(result.tables).toBe(withDb(source, userTableNames).length);

    const shell = spawnSync('sqlite3', [join(dir, 'shell.sqlite')], { input: sql, encoding: 'utf8' });
    if (shell.error === undefined) {
      expect(shell.stderr).toBe('');
      expect(hashes(join(dir, 'shell.sqlite'), ['contentless'])).toEqual(hashes(source, ['contentless']));
    }
  });

  it('writes any mix of values so that loading gives the same values back (property)', async () => {
    const dir = freshDir();
    const value = fc.oneof(
      fc.constant(null),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.double({ noNaN: true }),
      fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => s.isWellFormed()),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value), { maxLength: 25 }), async (rows) => {
        run += 1;
        const path = join(dir, `p${run}.sqlite`);
        const db = new Database(path);
        db.exec('CREATE TABLE p(a, "b c")');
        const insert = db.prepare('INSERT INTO p VALUES (?, ?)');
        db.transaction(() => {
          for (const [a, b] of rows) insert.run(a, b);
        })();
        db.close();
        const { sql } = await exportToText(path);
        loadSql(sql, join(dir, `p${run}-loaded.sqlite`));
        expect(hashes(join(dir, `p${run}-loaded.sqlite`))).toEqual(hashes(path));
      }),
      { numRuns: 60 },
    );
  });

  it('exports only the chosen tables, warns about foreign keys left out, and names unknown tables', async () => {
    const dir = freshDir();
    const source = join(dir, 'edge.sqlite');
    buildEdgeDatabase(source);
    const { sql, result } = await exportToText(source, ['CHILD TABLE', 'v1', 'articles_fts']);
    expect(result.tables).toBe(2);
    expect(result.rows).toBe(42);
    expect(result.warnings).toEqual([
      'Table "child table" has a foreign key to "parent", which is not included; its rows may point at rows that are missing until "parent" is restored too.',
      'Full-text table "articles_fts" reads its text from table "articles", which is not included; searches return rows that cannot be shown until "articles" is restored too.',
    ]);
    const loaded = join(dir, 'subset.sqlite');
    loadSql(sql, loaded);
    withDb(loaded, (db) => {
      expect(db.prepare("SELECT type || ':' || name FROM sqlite_schema WHERE name NOT LIKE 'articles_fts_%' ORDER BY 1").pluck().all()).toEqual([
        'index:idx on child',
        'table:articles_fts',
        'table:child table',
        'trigger:v1_insert',
        'view:v1',
      ]);
      expect(db.pragma('user_version', { simple: true })).toBe(42);
    });
    expect(withDb(loaded, (db) => tableHash(db, 'child table'))).toBe(withDb(source, (db) => tableHash(db, 'child table')));

    await expectFailure(exportToText(source, ['parent', 'no such table', 'docs_fts_data']), 'USAGE', '"no such table", "docs_fts_data"');
  });

  it('streams a table of a million rows in bounded memory, waiting for a slow reader', async () => {
    const dir = freshDir();
    const source = join(dir, 'big.sqlite');
    const db = new Database(source);
    db.exec(`
      CREATE TABLE big(id INTEGER PRIMARY KEY, name TEXT, payload BLOB, score REAL);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
        INSERT INTO big SELECT i, 'name number ' || i, randomblob(40), i * 0.25 FROM n;
    `);
    db.close();

    // In its own process with the JS heap capped far below the size of the output: an exporter that buffered
    // rows would run out of memory there, and the RSS it reports is not blurred by this process's garbage.
    const module = pathToFileURL(join(repoRoot, 'electron/engine/sources/sqlite/export-sql.ts')).href;
    const script = `
      import { Writable } from 'node:stream';
      import { exportSql } from ${JSON.stringify(module)};
      let bytes = 0, writes = 0, peak = 0;
      const sink = new Writable({
        highWaterMark: 64 * 1024,
        write(chunk, _enc, done) {
          bytes += chunk.length;
          if (++writes % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss());
          setImmediate(done); // a reader slower than the writer: back-pressure must hold the rows back
        },
      });
      const baseline = process.memoryUsage.rss();
      const started = performance.now();
      const result = await exportSql(${JSON.stringify(source)}, sink);
      peak = Math.max(peak, process.memoryUsage.rss());
      console.log(JSON.stringify({ rows: result.rows, bytes, growth: peak - baseline, seconds: (performance.now() - started) / 1000 }));
    `;
    const { stdout } = await execFileAsync(process.execPath, ['--max-old-space-size=32', '--max-semi-space-size=2', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const measured = JSON.parse(stdout) as { rows: number; bytes: number; growth: number; seconds: number };
    expect(measured.rows).toBe(1_000_000);
    expect(measured.bytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(measured.growth).toBeLessThan(100 * 1024 * 1024);
    console.log(`export of 1M rows: ${(measured.bytes / 1048576).toFixed(0)} MiB of SQL in ${measured.seconds.toFixed(1)} s, RSS growth ${(measured.growth / 1048576).toFixed(0)} MiB`);
  }, 180_000);
});

// ---- restore ---------------------------------------------------------------------------------------------

describe('restoreDatabaseFile', () => {
  it('restores a copy to a new file and refuses to overwrite unless told to', async () => {
    const dir = freshDir();
    const copy = join(dir, 'copy.sqlite');
    await copyConsistent(chinook, copy);
    const target = join(dir, 'restored', 'nested', 'chinook.sqlite');
    const report = await restoreDatabaseFile(copy, target, { overwrite: false });
    expect(report.replaced).toBe(false);
    expect(report.tables.find((t) => t.name === 'InvoiceLine')?.rows).toBe(2240);
    expect(hashes(target)).toEqual(hashes(chinook));
    expect(readdirSync(join(dir, 'restored', 'nested'))).toEqual(['chinook.sqlite']);

    // A database that holds tables is not overwritten by default...
    const other = join(dir, 'other.sqlite');
    const o = new Database(other);
    o.exec("CREATE TABLE mine(x); INSERT INTO mine VALUES ('precious')");
    o.close();
    const otherBefore = fileHash(other);
    await expectFailure(restoreDatabaseFile(copy, other, { overwrite: false }), 'TARGET_NOT_EMPTY', other);
    expect(fileHash(other)).toBe(otherBefore);
    // ...a file that is not a database never is...
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'x'.repeat(5000));
    await expectFailure(restoreDatabaseFile(copy, notes, { overwrite: true }), 'TARGET_EXISTS', 'not a SQLite database');
    expect(readFileSync(notes, 'utf8')).toBe('x'.repeat(5000));
    // ...and a stale -wal beside a missing target is not left to be replayed into the restore.
    const orphan = join(dir, 'orphan.sqlite');
    writeFileSync(`${orphan}-wal`, 'stale');
    await expectFailure(restoreDatabaseFile(copy, orphan, { overwrite: false }), 'TARGET_EXISTS', 'orphan.sqlite-wal');
    await restoreDatabaseFile(copy, orphan, { overwrite: true });
    expect(hashes(orphan)).toEqual(hashes(chinook));
    expect(existsSync(`${orphan}-wal`)).toBe(false);
  });

  it('overwrites a database another connection has open in WAL mode, through SQLite locks', async () => {
    const dir = freshDir();
    const copy = join(dir, 'copy.sqlite');
    await copyConsistent(chinook, copy);
    const target = join(dir, 'app.sqlite');
    const app = new Database(target);
    app.exec("PRAGMA journal_mode = WAL; CREATE TABLE scratch(x); INSERT INTO scratch VALUES (1);");
    const report = await restoreDatabaseFile(copy, target, { overwrite: true });
    expect(report.replaced).toBe(true);
    // The program that had it open sees the restored database, not a file swapped under its feet.
    expect(app.prepare('SELECT count(*) FROM Track').pluck().get()).toBe(3503);
    expect(app.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'scratch'").pluck().get()).toBe(0);
    app.close();
    expect(hashes(target)).toEqual(hashes(chinook));
  });

  it('refuses a damaged copy and restores nothing', async () => {
    const dir = freshDir();
    const copy = join(dir, 'copy.sqlite');
    await copyConsistent(chinook, copy);
    const bytes = readFileSync(copy);
    bytes.fill(0x5a, 40 * 4096 + 200, 40 * 4096 + 1400); // inside a b-tree page
    writeFileSync(copy, bytes);
    const target = join(dir, 'target.sqlite');
    const err = await failure(restoreDatabaseFile(copy, target, { overwrite: false }));
    expect(err.code).toBe('VERIFY_FAILED');
    expect(err.message).toContain(copy);
    expect(err.message).toMatch(/integrity check \(Tree \d+ page 41 /);
    expect(existsSync(target)).toBe(false);
  });
});

describe('selectTables', () => {
  it('builds a database with only the chosen tables, their rows, indexes and triggers', async () => {
    const dir = freshDir();
    const copy = join(dir, 'copy.sqlite');
    await copyConsistent(chinook, copy);
    const target = join(dir, 'tracks.sqlite');
    const result = await selectTables(copy, target, ['Track', 'genre']);
    expect(result.rows).toBe(3503 + 25);
    expect(result.warnings).toEqual([
      'Table "Track" has a foreign key to "MediaType", which is not included; its rows may point at rows that are missing until "MediaType" is restored too.',
      'Table "Track" has a foreign key to "Album", which is not included; its rows may point at rows that are missing until "Album" is restored too.',
    ]);
    withDb(target, (db) => {
      expect(userTableNames(db)).toEqual(['Genre', 'Track']);
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all()).toEqual([
        'IFK_TrackAlbumId',
        'IFK_TrackGenreId',
        'IFK_TrackMediaTypeId',
      ]);
    });
    const full = hashes(chinook);
    expect(hashes(target)).toEqual({ Genre: full.Genre, Track: full.Track });

    await expectFailure(selectTables(copy, target, ['Album']), 'TARGET_NOT_EMPTY', target);
    await selectTables(copy, target, ['Album'], { overwrite: true });
    expect(withDb(target, userTableNames)).toEqual(['Album']);
    await expectFailure(selectTables(copy, join(dir, 'x.sqlite'), ['Albums']), 'USAGE', '"Albums"');
    expect(readdirSync(dir).sort()).toEqual(['copy.sqlite', 'tracks.sqlite']);
  });

  it('keeps generated columns, WITHOUT ROWID tables, rowids, counters and full-text tables of the edge-case database', async () => {
    const dir = freshDir();
    const source = join(dir, 'edge.sqlite');
    buildEdgeDatabase(source);
    const copy = join(dir, 'copy.sqlite');
    await copyConsistent(source, copy);
    const target = join(dir, 'part.sqlite');
    const result = await selectTables(copy, target, ['parent', 'gen', 'kv', 'nopk', 'oid taken', 'docs_fts', 'vals', 'v1']);
    expect(result.warnings).toEqual([]);
    const names = ['parent', 'gen', 'kv', 'nopk', 'oid taken', 'docs_fts', 'vals'];
    const pick = (all: Record<string, string>): Record<string, string> => Object.fromEntries(names.map((n) => [n, all[n]!]));
    expect(hashes(target)).toEqual(pick(hashes(source)));
    withDb(target, (db) => {
      expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'parent'").pluck().get()).toBe(50);
      expect(db.prepare('SELECT count(*) FROM v1').pluck().get()).toBe(40);
      expect(db.prepare("SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'fox'").pluck().all()).toEqual([10]);
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").pluck().all()).toEqual(['parent_audit', 'v1_insert']);
    });
  });
});
