// Consistency of MySQL/MariaDB dumps on a live server: writers running during a parallel dump, DDL during a dump, a killed connection, cancellation.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import type { DumpWriter } from '../../electron/engine/sources/dump-streams.ts';
import { dumpMysql } from '../../electron/engine/sources/mysql/dump.ts';
import { restoreMysql } from '../../electron/engine/sources/mysql/restore.ts';
import { directoryDumpReader, directoryDumpWriter } from '../helpers/dump-dir.ts';
import { compareMysql, connectionFor, createDatabase, dropDatabase, mariadb, mysqlAvailable, mysqlHost, mysqlPort, uniqueDbName } from '../helpers/mysql.ts';

const available = mysqlAvailable();
let root: string;
const databases: string[] = [];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-mysql-cons-'));
});
afterAll(() => {
  for (const db of databases) dropDatabase(db);
  rmSync(root, { recursive: true, force: true });
});

function track(name: string): string {
  databases.push(name);
  return name;
}

let dirs = 0;
function freshDir(): string {
  dirs += 1;
  return join(root, `d${dirs}`);
}

/** A writer that records which streams were stored, so a test can assert that a failed dump stored no manifest. */
function recordingWriter(dir: string): { writer: DumpWriter; stored: string[] } {
  const inner = directoryDumpWriter(dir);
  const stored: string[] = [];
  return {
    stored,
    writer: {
      async write(name: string, data: Readable | AsyncIterable<Uint8Array>) {
        const written = await inner.write(name, data);
        stored.push(name);
        return written;
      },
    },
  };
}

/** A database with a big table (read first, long enough to act in the middle of it) and a small one. */
function bigAndSmall(): string {
  const db = track(createDatabase('airlock_ddl'));
  mariadb(db, `
    CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB;
    INSERT INTO big SELECT seq, REPEAT('x', 150) FROM seq_1_to_40000;
    CREATE TABLE small (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
    INSERT INTO small VALUES (1, 1), (2, 2);`);
  return db;
}

describe.skipIf(!available)('MySQL dump consistency', () => {
  it('a parallel dump taken while transfers commit restores to balances that still add up', async () => {
    const db = track(createDatabase('airlock_bank'));
    mariadb(db, `
      CREATE TABLE accounts_a (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
      CREATE TABLE accounts_b (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
      CREATE TABLE ledger (id BIGINT AUTO_INCREMENT PRIMARY KEY, amount INT NOT NULL) ENGINE=InnoDB;
      CREATE TABLE filler (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=InnoDB;
      INSERT INTO accounts_a SELECT seq, 1000 FROM seq_1_to_500;
      INSERT INTO accounts_b SELECT seq, 1000 FROM seq_1_to_500;
      INSERT INTO filler SELECT seq, REPEAT('f', 150) FROM seq_1_to_60000;`);
    let transfers = 0;
    let stop = false;
    let firstTransfer!: () => void;
    const started = new Promise<void>((resolve) => {
      firstTransfer = resolve;
    });
    const writer = async (seed: number): Promise<void> => {
      const c = await mysql.createConnection({ host: mysqlHost, port: mysqlPort, user: 'root', database: db });
      try {
        let i = seed;
        while (!stop) {
          i = (i * 1103515245 + 12345) % 2147483648;
          const from = (i % 500) + 1;
          const to = ((i >> 9) % 500) + 1;
          const amount = (i % 97) + 1;
          await c.beginTransaction();
          await c.query('UPDATE accounts_a SET balance = balance - ? WHERE id = ?', [amount, from]);
          await c.query('INSERT INTO ledger (amount) VALUES (?)', [amount]);
          await c.query('UPDATE accounts_b SET balance = balance + ? WHERE id = ?', [amount, to]);
          await c.commit();
          transfers++;
          firstTransfer();
        }
      } finally {
        await c.end();
      }
    };
    const writers = [writer(1), writer(2)];
    await started;
    const dir = freshDir();
    const before = transfers;
    let summary;
    try {
      summary = await dumpMysql(connectionFor(db), directoryDumpWriter(dir), { parallel: 3 });
    } finally {
      const during = transfers - before;
      stop = true;
      await Promise.all(writers);
      expect(during).toBeGreaterThan(0);
    }
    expect(summary.parallel).toBe(3);
    const restored = track(uniqueDbName('airlock_bank_rst'));
    await restoreMysql(await directoryDumpReader(dir), connectionFor(restored));
    const totals = mariadb(restored, `
      SELECT (SELECT SUM(balance) FROM accounts_a) + (SELECT SUM(balance) FROM accounts_b),
             (SELECT SUM(balance) FROM accounts_b) - 500000 - (SELECT COALESCE(SUM(amount), 0) FROM ledger)`).trim().split('\t');
    expect(totals).toEqual(['1000000', '0']);
    const copied = Number(mariadb(restored, 'SELECT COUNT(*) FROM ledger').trim());
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(Number(mariadb(db, 'SELECT COUNT(*) FROM ledger').trim()));
  });

  it('DDL on a table not yet read fails the dump with SOURCE_CHANGED and stores no manifest', async () => {
    // An instant ADD COLUMN is caught by the definition check at the end, a rebuild by the server's error 1412.
    for (const ddl of ['ALTER TABLE small ADD COLUMN extra INT', 'ALTER TABLE small FORCE', 'TRUNCATE TABLE small', 'DROP TABLE small']) {
      const db = bigAndSmall();
      const { writer, stored } = recordingWriter(freshDir());
      let altered = false;
      const err = await dumpMysql(connectionFor(db), writer, {
        parallel: 1,
        onProgress: (p) => {
          if (p.table === 'big' && !altered) {
            altered = true;
            // Synchronous on purpose: the DDL commits while the dump is in the middle of `big`.
            execFileSync('mariadb', ['-uroot', db, '-e', ddl]);
          }
        },
      }).catch((e: unknown) => e);
      expect(altered).toBe(true);
      expect(err).toBeInstanceOf(AirlockError);
      expect(err).toMatchObject({ code: 'SOURCE_CHANGED' });
      expect((err as Error).message).toMatch(/Table "small" was (changed \(DDL\)|dropped or renamed) while the dump was running/);
      expect(stored).not.toContain('manifest.json');
      expect(stored).not.toContain('schema.json');
    }
  });

  it('DDL on a table already read waits for the dump, which stays consistent', async () => {
    const db = bigAndSmall();
    const dir = freshDir();
    let alter: ChildProcess | undefined;
    let waiting = false;
    const summary = await dumpMysql(connectionFor(db), directoryDumpWriter(dir), {
      parallel: 1,
      onProgress: (p) => {
        if (p.table !== 'small' || alter !== undefined) return;
        // `big` was read first; its ALTER must wait for the dump's metadata lock instead of changing what was read.
        alter = spawn('mariadb', ['-uroot', db, '-e', 'ALTER TABLE big ADD COLUMN later INT'], { stdio: 'ignore' });
        const state = `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '${db}' AND STATE LIKE 'Waiting for table metadata lock'`;
        for (let i = 0; i < 200 && !waiting; i++) {
          waiting = execFileSync('mariadb', ['-uroot', '-N', '-B', '-e', `DO SLEEP(0.02); ${state}`], { encoding: 'utf8' }).trim() === '1';
        }
      },
    });
    expect(waiting).toBe(true);
    expect(summary.tables.map((t) => t.name).sort()).toEqual(['big', 'small']);
    const child = alter as ChildProcess;
    if (child.exitCode === null) await once(child, 'exit');
    expect(child.exitCode).toBe(0);
    const columns = "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'big'";
    expect(mariadb(db, columns).trim()).toBe('3');
    const restored = track(uniqueDbName('airlock_ddl_rst'));
    await restoreMysql(await directoryDumpReader(dir), connectionFor(restored));
    expect(mariadb(restored, columns).trim()).toBe('2');
  });

  it('a connection killed mid-dump fails with SOURCE_CONNECTION_LOST and stores no manifest', async () => {
    const db = bigAndSmall();
    const { writer, stored } = recordingWriter(freshDir());
    let killed = false;
    const err = await dumpMysql(connectionFor(db), writer, {
      parallel: 1,
      onProgress: (p) => {
        if (p.table === 'big' && !killed) {
          killed = true;
          const id = execFileSync('mariadb', ['-uroot', '-N', '-B', '-e', `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '${db}' AND INFO LIKE 'SELECT%big%'`], { encoding: 'utf8' }).trim();
          expect(id).toMatch(/^\d+$/);
          execFileSync('mariadb', ['-uroot', '-e', `KILL ${id}`]);
        }
      },
    }).catch((e: unknown) => e);
    expect(killed).toBe(true);
    expect(err).toMatchObject({ code: 'SOURCE_CONNECTION_LOST' });
    expect((err as Error).message).toMatch(/lost while dumping table "big"/);
    expect(stored).not.toContain('manifest.json');
  });

  it('cancelling stops the dump with CANCELLED and leaves no connection behind', async () => {
    const db = bigAndSmall();
    const { writer, stored } = recordingWriter(freshDir());
    const ac = new AbortController();
    const err = await dumpMysql(connectionFor(db), writer, {
      signal: ac.signal,
      onProgress: () => {
        ac.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect(stored).not.toContain('manifest.json');
    // The server notices the dropped sockets; their sessions end without finishing the SELECT.
    for (let i = 0; i < 100; i++) {
      if (mariadb(undefined, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '${db}'`).trim() === '0') break;
      execFileSync('mariadb', ['-uroot', '-e', 'DO SLEEP(0.05)']);
    }
    expect(mariadb(undefined, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '${db}'`).trim()).toBe('0');
  });

  it('cancelling a restore stops it with CANCELLED and says what is in the target', async () => {
    const db = bigAndSmall();
    const dir = freshDir();
    await dumpMysql(connectionFor(db), directoryDumpWriter(dir));
    const target = track(uniqueDbName('airlock_cancel_rst'));
    const ac = new AbortController();
    const err = await restoreMysql(await directoryDumpReader(dir), connectionFor(target), {
      parallel: 1,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'data' && p.table === 'big') ac.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect((err as Error).message).toMatch(/cancelled\. Tables with all their rows: none\. Drop "airlock_cancel_rst_[0-9a-f]+" or restore again with --overwrite/);
  });

  it('reports MyISAM/Aria tables as not crash-consistent, unless they are read under the global read lock', async () => {
    const db = track(createDatabase('airlock_myisam'));
    mariadb(db, `
      CREATE TABLE t_inno (id INT PRIMARY KEY) ENGINE=InnoDB;
      CREATE TABLE t_myisam (id INT PRIMARY KEY) ENGINE=MyISAM;
      CREATE TABLE t_aria (id INT PRIMARY KEY) ENGINE=Aria;
      INSERT INTO t_inno VALUES (1); INSERT INTO t_myisam VALUES (1), (2); INSERT INTO t_aria VALUES (3);`);
    const plain = await dumpMysql(connectionFor(db), directoryDumpWriter(freshDir()));
    expect([...plain.notCrashConsistent].sort()).toEqual(['t_aria', 't_myisam']);
    expect(plain.warnings.join('\n')).toMatch(/not crash-consistent/);
    const dir = freshDir();
    const locked = await dumpMysql(connectionFor(db), directoryDumpWriter(dir), { lockNonTransactional: true });
    expect(locked.notCrashConsistent).toEqual([]);
    const restored = track(uniqueDbName('airlock_myisam_rst'));
    await restoreMysql(await directoryDumpReader(dir), connectionFor(restored));
    expect(compareMysql(db, restored).match).toBe(true);
  });
});
