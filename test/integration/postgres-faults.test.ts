// What goes wrong around a PostgreSQL dump: concurrent writers, a killed backend, DDL, bad connection settings, cancellation.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import type { DumpWriter } from '../../electron/engine/sources/dump-streams.ts';
import { checkServerVersion } from '../../electron/engine/sources/postgres/connect.ts';
import { dumpPostgres } from '../../electron/engine/sources/postgres/dump.ts';
import { restorePostgres } from '../../electron/engine/sources/postgres/restore.ts';
import { directoryDumpReader, directoryDumpWriter } from '../helpers/dump-dir.ts';
import { TestDatabases, comparePg, pgConnection, pgHost, pgPort, pgUser, query } from '../helpers/postgres.ts';

const dbs = new TestDatabases();
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-pgf-'));
});
afterEach(async () => {
  await dbs.dropAll();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A writer that, for one stream, takes the first chunk and then waits for `hold` before reading on.
 * While it waits, back-pressure stops the COPY mid-table: the dump is provably in progress.
 */
function holdingWriter(inner: DumpWriter, stream: (name: string) => boolean, hold: () => Promise<void>): DumpWriter {
  return {
    async write(name, data) {
      if (!stream(name)) return inner.write(name, data);
      const it = (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      const first = await it.next();
      await hold();
      async function* rest(): AsyncGenerator<Uint8Array> {
        if (first.done !== true) yield first.value;
        for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
      }
      return inner.write(name, rest());
    },
  };
}

async function withClient<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: pgHost, port: pgPort, user: pgUser, database });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function transfer(c: pg.Client, accounts: number, n: number): Promise<void> {
  const from = (n * 7919) % accounts + 1;
  const to = from === (n * 104729) % accounts + 1 ? from % accounts + 1 : (n * 104729) % accounts + 1;
  const amount = (n % 50) + 1;
  await c.query('BEGIN');
  // One statement, rows locked in key order: concurrent transfers cannot deadlock.
  await c.query('UPDATE accounts SET balance = balance + CASE WHEN id = $1 THEN -$3::bigint ELSE $3::bigint END WHERE id IN ($1, $2)', [from, to, amount]);
  await c.query('INSERT INTO transfers (src, dst, amount) VALUES ($1, $2, $3)', [from, to, amount]);
  await c.query('COMMIT');
}

const bigTable = `CREATE TABLE big (id bigint PRIMARY KEY, payload text);
  INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 150000) g`;

describe('consistency', () => {
  it('restores a consistent state while writers move money during the dump', async () => {
    const src = await dbs.create('bank');
    const accounts = 200;
    await query(src, `${bigTable};
      CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
      CREATE TABLE transfers (id bigserial PRIMARY KEY, src int NOT NULL, dst int NOT NULL, amount int NOT NULL);
      INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, ${accounts}) g`);
    let stop = false;
    let done = 0;
    const writers = [0, 1].map((w) => withClient(src, async (c) => {
      for (let n = w; !stop; n += 2) {
        await transfer(c, accounts, n);
        done++;
      }
    }));
    // Some transfers before the dump starts, more while it is held in the middle of a table.
    await withClient(src, async (c) => {
      for (let n = 1000; n < 1050; n++) await transfer(c, accounts, n);
    });
    const out = join(dir, 'dump');
    let duringDump = 0;
    const writer = holdingWriter(directoryDumpWriter(out), (n) => n.includes('public.big'), async () => {
      await withClient(src, async (c) => {
        for (let n = 2000; n < 2100; n++) await transfer(c, accounts, n);
      });
      duringDump = 100;
    });
    const summary = await dumpPostgres(pgConnection(src), writer, { parallel: 2 });
    stop = true;
    await Promise.all(writers);
    expect(duringDump).toBe(100);
    expect(done).toBeGreaterThan(0);

    const dst = dbs.reserve('bank_r');
    await restorePostgres(await directoryDumpReader(out), pgConnection(dst));
    const [total] = await query<{ sum: string; n: string }>(dst, 'SELECT sum(balance)::text AS sum, (SELECT count(*) FROM transfers)::text AS n FROM accounts');
    expect(total?.sum).toBe(String(accounts * 1000));
    // Every balance agrees with the transfer log dumped by the other session: one snapshot for both.
    const mismatched = await query(dst, `SELECT a.id FROM accounts a
      WHERE a.balance <> 1000 - coalesce((SELECT sum(amount) FROM transfers WHERE src = a.id), 0) + coalesce((SELECT sum(amount) FROM transfers WHERE dst = a.id), 0)`);
    expect(mismatched).toEqual([]);
    const [source] = await query<{ n: string }>(src, 'SELECT count(*)::text AS n FROM transfers');
    expect(Number(total?.n)).toBeLessThan(Number(source?.n));
    expect(summary.manifest.tables.find((t) => t.name === 'transfers')?.rows).toBe(Number(total?.n));
  });

  it('holds off DDL on dumped tables until the dump is done, and the dump stays correct', async () => {
    const src = await dbs.create('ddl');
    await query(src, bigTable);
    const out = join(dir, 'dump');
    const blocked: string[] = [];
    const writer = holdingWriter(directoryDumpWriter(out), (n) => n.includes('public.big'), async () => {
      await withClient(src, async (c) => {
        await c.query(`SET lock_timeout = '300ms'`);
        for (const ddl of ['ALTER TABLE big ADD COLUMN extra int', 'TRUNCATE big', 'DROP TABLE big']) {
          await c.query(ddl).catch((err: unknown) => blocked.push((err as { code?: string }).code ?? 'none'));
        }
      });
    });
    await dumpPostgres(pgConnection(src), writer);
    expect(blocked).toEqual(['55P03', '55P03', '55P03']);
    const dst = dbs.reserve('ddl_r');
    await restorePostgres(await directoryDumpReader(out), pgConnection(dst));
    expect((await comparePg(src, dst)).match).toBe(true);
  });
});

describe('failures', () => {
  it('fails clearly and stores no manifest when the server kills the dump session', async () => {
    const src = await dbs.create('kill');
    await query(src, `${bigTable}; CREATE TABLE small (id int PRIMARY KEY); INSERT INTO small VALUES (1)`);
    const out = join(dir, 'dump');
    let killed = 0;
    const writer = holdingWriter(directoryDumpWriter(out), (n) => n.includes('public.big'), async () => {
      const rows = await query<{ killed: boolean }>('postgres', `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'airlock' AND query LIKE 'COPY%public%big%'`, [src]);
      killed = rows.filter((r) => r.killed).length;
    });
    const err = await dumpPostgres(pgConnection(src), writer).catch((e: unknown) => e);
    expect(killed).toBe(1);
    expect(err).toBeInstanceOf(AirlockError);
    expect(err).toMatchObject({ code: 'SOURCE_CONNECTION_LOST' });
    expect((err as Error).message).toContain('public.big');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('stops when cancelled and stores no manifest', async () => {
    const src = await dbs.create('cancel');
    await query(src, bigTable);
    const out = join(dir, 'dump');
    const controller = new AbortController();
    const writer = holdingWriter(directoryDumpWriter(out), (n) => n.includes('public.big'), () => {
      controller.abort(new Error('user pressed cancel'));
      return Promise.resolve();
    });
    await expect(dumpPostgres(pgConnection(src), writer, { signal: controller.signal })).rejects.toThrow('user pressed cancel');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('stops a restore when cancelled', async () => {
    const src = await dbs.create('rcancel');
    await query(src, bigTable);
    const out = join(dir, 'dump');
    await dumpPostgres(pgConnection(src), directoryDumpWriter(out));
    const controller = new AbortController();
    const dst = dbs.reserve('rcancel_r');
    const restoring = restorePostgres(await directoryDumpReader(out), pgConnection(dst), {
      signal: controller.signal,
      onProgress: () => {
        controller.abort(new Error('stop the restore'));
      },
    });
    await expect(restoring).rejects.toThrow('stop the restore');
    // The COPY was rolled back with its session: no half-loaded table.
    expect(await query(dst, 'SELECT count(*)::int AS n FROM big')).toEqual([{ n: 0 }]);
  });

  const secret = 'S3cret-Pa55-never-shown';

  it('names an unreachable server', async () => {
    const err = await dumpPostgres(pgConnection('postgres', { port: 1, password: secret }), directoryDumpWriter(dir)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_UNREACHABLE' });
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain(secret);
  });

  it('names an unknown database', async () => {
    const err = await dumpPostgres(pgConnection('airlock_no_such_db', { password: secret }), directoryDumpWriter(dir)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_NOT_FOUND' });
    expect((err as Error).message).toContain('airlock_no_such_db');
    expect((err as Error).message).not.toContain(secret);
  });

  it('names a user the server refuses', async () => {
    const err = await dumpPostgres(pgConnection('postgres', { user: 'airlock_no_such_role', password: secret }), directoryDumpWriter(dir)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_AUTH_FAILED' });
    expect((err as Error).message).toContain('airlock_no_such_role');
    expect((err as Error).message).not.toContain(secret);
  });

  it('names the missing privilege and the grant that fixes it', async () => {
    await query('postgres', `DO $$ BEGIN CREATE ROLE airlock_fixture_noprivs LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    const src = await dbs.create('priv');
    await query(src, 'CREATE TABLE open_t (id int); CREATE TABLE closed_t (id int); GRANT SELECT ON open_t TO airlock_fixture_noprivs');
    const err = await dumpPostgres(pgConnection(src, { user: 'airlock_fixture_noprivs', password: secret }), directoryDumpWriter(dir)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SOURCE_PRIVILEGE' });
    const message = (err as Error).message;
    expect(message).toContain('SELECT on table public.closed_t');
    expect(message).toContain('GRANT SELECT ON TABLE public.closed_t TO airlock_fixture_noprivs');
    expect(message).not.toContain('open_t');
    expect(message).not.toContain(secret);
    // Dumping only what the account may read works.
    const some = await dumpPostgres(pgConnection(src, { user: 'airlock_fixture_noprivs' }), directoryDumpWriter(join(dir, 'some')), { tables: ['open_t'] });
    expect(some.manifest.tables.map((t) => t.name)).toEqual(['open_t']);
  });

  it('refuses servers older than PostgreSQL 12', () => {
    expect(() => {
      checkServerVersion(110022, '11.22');
    }).toThrow(expect.objectContaining({ code: 'SOURCE_UNSUPPORTED', message: expect.stringContaining('PostgreSQL 12 or newer') as unknown }) as Error);
    expect(() => {
      checkServerVersion(150020, '15.20');
    }).not.toThrow();
  });
});
