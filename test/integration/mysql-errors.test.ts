// The errors a person sees from the MySQL/MariaDB source: unreachable server, wrong password, unknown database, missing privilege, a non-empty restore target, damaged dumps.

import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import { parseDatabaseUrl } from '../../electron/engine/sources/database-url.ts';
import { checkServerVersion, describeMysqlError, missingPrivilege, openMysql, parseServerVersion } from '../../electron/engine/sources/mysql/connect.ts';
import { dumpMysql } from '../../electron/engine/sources/mysql/dump.ts';
import { restoreMysql } from '../../electron/engine/sources/mysql/restore.ts';
import { directoryDumpReader, directoryDumpWriter } from '../helpers/dump-dir.ts';
import { compareMysql, connectionFor, createDatabase, dropDatabase, loadChinook, mariadb, mysqlAvailable, mysqlHost, mysqlPort, uniqueDbName } from '../helpers/mysql.ts';

const available = mysqlAvailable();
let root: string;
const databases: string[] = [];
const users: string[] = [];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-mysql-err-'));
});
afterAll(() => {
  for (const db of databases) dropDatabase(db);
  for (const u of users) mariadb(undefined, `DROP USER IF EXISTS '${u}'@'%'; DROP USER IF EXISTS '${u}'@'localhost';`);
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

/** A user with a password and the given grants on `db`, reachable over TCP and the socket. */
function createUser(db: string, password: string, grants: string): string {
  const name = uniqueDbName('airlock_u').slice(0, 30);
  users.push(name);
  for (const host of ['%', 'localhost']) {
    mariadb(undefined, `CREATE USER '${name}'@'${host}' IDENTIFIED BY '${password}'; GRANT ${grants} ON \`${db}\`.* TO '${name}'@'${host}';`);
  }
  return name;
}

function userConnection(user: string, db: string, password: string): ReturnType<typeof parseDatabaseUrl> {
  return parseDatabaseUrl(`mysql://${user}@${mysqlHost}:${mysqlPort}/${db}`, password);
}

async function failure(p: Promise<unknown>): Promise<AirlockError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirlockError);
  return err as AirlockError;
}

describe('server versions and privilege messages (no server needed)', () => {
  it('accepts MariaDB 10.3+ and MySQL 5.7+, and refuses older servers with SOURCE_UNSUPPORTED', () => {
    expect(parseServerVersion('10.11.19-MariaDB-0+deb12u1')).toMatchObject({ flavor: 'mariadb', major: 10, minor: 11 });
    expect(() => {
      checkServerVersion(parseServerVersion('10.11.19-MariaDB'));
    }).not.toThrow();
    expect(() => {
      checkServerVersion(parseServerVersion('8.0.36'));
    }).not.toThrow();
    for (const old of ['10.1.48-MariaDB', '5.5.68-MariaDB', '5.6.51', '5.5.62-log']) {
      let caught: unknown;
      try {
        checkServerVersion(parseServerVersion(old));
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: 'SOURCE_UNSUPPORTED' });
      expect((caught as Error).message).toMatch(/is not supported: Airlock needs (MariaDB 10\.3|MySQL 5\.7) or newer/);
    }
  });

  it('names the grant for the server messages about missing privileges', () => {
    expect(missingPrivilege("SHOW VIEW command denied to user 'bob'@'localhost' for table `shop`.`v`", 'bob', 'shop')).toMatch(/^SHOW VIEW \(GRANT SHOW VIEW ON `shop`\.\* TO 'bob'/);
    expect(missingPrivilege("SELECT command denied to user 'bob'@'localhost' for table `shop`.`t`", 'bob', 'shop')).toMatch(/^SELECT \(GRANT SELECT ON `shop`/);
    expect(missingPrivilege('Access denied; you need (at least one of) the RELOAD privilege(s) for this operation', 'bob', 'shop')).toMatch(/^RELOAD privilege \(GRANT RELOAD ON \*\.\*/);
    expect(missingPrivilege("Access denied for user 'bob'@'%' to database 'shop'", 'bob', 'shop')).toMatch(/GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON `shop`/);
    const err = describeMysqlError(Object.assign(new Error('boom'), { code: 'ER_TABLE_DEF_CHANGED', errno: 1412 }), parseDatabaseUrl('mysql://u@h/db'), 'dumping');
    expect(err.code).toBe('SOURCE_CHANGED');
  });
});

describe.skipIf(!available)('MySQL connection and restore errors', () => {
  it('a wrong password is SOURCE_AUTH_FAILED and the password appears in no message', async () => {
    const db = track(createDatabase('airlock_pw'));
    const secret = 'Right-Secret-4711';
    const user = createUser(db, secret, 'SELECT, SHOW VIEW, TRIGGER, EVENT');
    const wrong = 'Wrong-Secret-0815';
    const err = await failure(dumpMysql(userConnection(user, db, wrong), directoryDumpWriter(freshDir())));
    expect(err.code).toBe('SOURCE_AUTH_FAILED');
    expect(err.message).toContain(`user "${user}"`);
    const everything = `${err.message} ${String((err.cause as Error | undefined)?.message)} ${JSON.stringify(err.cause)}`;
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(secret);
    // The right password works; without RELOAD the dump reads on one connection and says why.
    mariadb(db, 'CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (id INT PRIMARY KEY); INSERT INTO a VALUES (1);');
    const ok = await dumpMysql(userConnection(user, db, secret), directoryDumpWriter(freshDir()), { parallel: 2 });
    expect(ok.parallel).toBe(1);
    expect(ok.warnings.join('\n')).toMatch(/lacks the RELOAD privilege/);
    expect(ok.rows).toBe(1);
  });

  it('an unknown database is SOURCE_NOT_FOUND', async () => {
    const err = await failure(dumpMysql(connectionFor(uniqueDbName('airlock_none')), directoryDumpWriter(freshDir())));
    expect(err.code).toBe('SOURCE_NOT_FOUND');
    expect(err.message).toMatch(/There is no database "airlock_none_[0-9a-f]+" on /);
  });

  it('a row query on a session the server has already closed fails at once instead of waiting forever', async () => {
    const db = track(createDatabase('airlock_closed'));
    mariadb(db, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2);');
    const session = await openMysql(connectionFor(db));
    try {
      const [row] = await session.query<{ id: number }>('SELECT CONNECTION_ID() AS id');
      mariadb(undefined, `KILL ${String(row?.id)}`);
      // The server's close reaches mysql2 as an error on an idle connection; the next query is the one that must fail.
      if (!session.socket.destroyed) await once(session.socket, 'close');
      expect(session.lostWith()).toBeDefined();
      const outcome = await new Promise<string>((resolve) => {
        session.streamRows('SELECT id FROM t', {
          onRow: () => undefined,
          onEnd: () => {
            resolve('ended');
          },
          onError: (err) => {
            resolve(`failed: ${(err as Error).message}`);
          },
        });
      });
      expect(outcome).toMatch(/^failed: /);
    } finally {
      session.destroy();
    }
  });

  it('an unreachable server or a missing socket is SOURCE_UNREACHABLE', async () => {
    const closedPort = parseDatabaseUrl('mysql://root@127.0.0.1:1/x');
    const err = await failure(dumpMysql(closedPort, directoryDumpWriter(freshDir())));
    expect(err.code).toBe('SOURCE_UNREACHABLE');
    expect(err.message).toMatch(/Cannot reach MySQL at 127\.0\.0\.1:1: the connection was refused/);
    const noSocket = parseDatabaseUrl('mysql://root@localhost/x?socket=/nonexistent/mysqld.sock');
    const err2 = await failure(dumpMysql(noSocket, directoryDumpWriter(freshDir())));
    expect(err2.code).toBe('SOURCE_UNREACHABLE');
    expect(err2.message).toMatch(/no socket at \/nonexistent\/mysqld\.sock/);
  });

  it('a missing privilege is SOURCE_PRIVILEGE and names the grant', async () => {
    const db = track(createDatabase('airlock_priv'));
    mariadb(db, 'CREATE TABLE t (id INT PRIMARY KEY); CREATE VIEW v AS SELECT id FROM t;');
    const secret = 'Priv-Secret-1';
    const user = createUser(db, secret, 'SELECT');
    const err = await failure(dumpMysql(userConnection(user, db, secret), directoryDumpWriter(freshDir())));
    expect(err.code).toBe('SOURCE_PRIVILEGE');
    expect(err.message).toMatch(/SHOW VIEW/);
    expect(err.message).toMatch(/GRANT SHOW VIEW ON `airlock_priv_[0-9a-f]+`\.\*/);
  });

  it('refuses to restore into a database that holds objects, and replaces it with overwrite', async () => {
    const src = track(createDatabase('airlock_ovw'));
    loadChinook(src);
    const dir = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(dir));
    const target = track(createDatabase('airlock_busy'));
    mariadb(target, "CREATE TABLE keep_me (id INT PRIMARY KEY); INSERT INTO keep_me VALUES (42);");
    const err = await failure(restoreMysql(await directoryDumpReader(dir), connectionFor(target)));
    expect(err.code).toBe('TARGET_NOT_EMPTY');
    expect(err.message).toMatch(/already exists and holds 1 object.*--overwrite/);
    expect(mariadb(target, 'SELECT id FROM keep_me').trim()).toBe('42');
    // Restoring selected tables into it is refused only for the tables it already has.
    mariadb(target, 'CREATE TABLE Genre (x INT)');
    const err2 = await failure(restoreMysql(await directoryDumpReader(dir), connectionFor(target), { tables: ['Genre'] }));
    expect(err2.code).toBe('TARGET_NOT_EMPTY');
    expect(err2.message).toMatch(/already has table "Genre"/);
    await restoreMysql(await directoryDumpReader(dir), connectionFor(target), { overwrite: true });
    expect(compareMysql(src, target).match).toBe(true);
    // An existing but empty database is fine without overwrite.
    const empty = track(createDatabase('airlock_empty'));
    await restoreMysql(await directoryDumpReader(dir), connectionFor(empty));
    expect(compareMysql(src, empty).match).toBe(true);
  });

  it('a damaged or tampered dump is CORRUPT_DATA, unknown tables are USAGE, and nothing is created', async () => {
    const src = track(createDatabase('airlock_bad'));
    mariadb(src, 'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1);');
    const dir = freshDir();
    await dumpMysql(connectionFor(src), directoryDumpWriter(dir));
    const target = uniqueDbName('airlock_bad_dst');
    const usage = await failure(restoreMysql(await directoryDumpReader(dir), connectionFor(target), { tables: ['nope'] }));
    expect(usage.code).toBe('USAGE');
    expect(usage.message).toMatch(/no table "nope".*Tables in it: t/);
    const dumpUsage = await failure(dumpMysql(connectionFor(src), directoryDumpWriter(freshDir()), { tables: ['nope'] }));
    expect(dumpUsage.code).toBe('USAGE');

    const manifestFile = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { tables: { stream: string }[] };
    const original = readFileSync(manifestFile);
    manifest.tables[0]!.stream = 'data/../../etc/passwd.rows';
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const tampered = await failure(restoreMysql(await directoryDumpReader(dir), connectionFor(target)));
    expect(tampered.code).toBe('CORRUPT_DATA');
    expect(tampered.message).toMatch(/manifest\.json .* does not have the expected form \(tables\.0\.stream/);
    writeFileSync(manifestFile, original);
    rmSync(join(dir, 'schema.json'));
    const missing = await failure(restoreMysql(await directoryDumpReader(dir), connectionFor(target)));
    expect(missing.code).toBe('CORRUPT_DATA');
    expect(mariadb(undefined, `SHOW DATABASES LIKE '${target}'`).trim()).toBe('');
  });
});
