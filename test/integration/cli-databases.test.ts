// PostgreSQL (and MySQL/MariaDB) through the real CLI: backup, dedup on re-run, restore, SQL export, restore drill.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airlock } from '../helpers/cli.ts';
import { tempDir } from '../helpers/files.ts';
import * as mysql from '../helpers/mysql.ts';
import { comparePg, createDatabase, dropDatabase, loadChinook, pgHost, pgPort, pgUser } from '../helpers/postgres.ts';

const url = (db: string) => `postgres://${pgUser}@${pgHost}:${pgPort}/${db}`;

describe('PostgreSQL through the CLI', () => {
  let repo: string;
  let source: string;
  const made: string[] = [];

  beforeAll(async () => {
    repo = join(await tempDir(), 'repo');
    source = await createDatabase('cli_src');
    made.push(source);
    await loadChinook(source);
    expect((await airlock(['init', '--repo', repo])).code).toBe(0);
  });

  afterAll(async () => {
    for (const db of made) await dropDatabase(db);
  });

  it('backs up, stores almost nothing on an unchanged re-run, and restores a database that compare-pg.sh calls a MATCH', async () => {
    const first = await airlock(['backup', '--repo', repo, url(source), '--json']);
    expect(first.code, first.stderr).toBe(0);
    const second = await airlock(['backup', '--repo', repo, url(source), '--json']);
    const { bytesAdded, bytesTotal } = second.json<{ bytesAdded: number; bytesTotal: number }>();
    expect(bytesAdded).toBeLessThan(bytesTotal * 0.05);

    const target = `${source}_restored`;
    made.push(target);
    const restore = await airlock(['restore', '--repo', repo, 'latest', '--to', url(target)]);
    expect(restore.code, restore.stderr).toBe(0);
    expect((await comparePg(source, target)).match).toBe(true);

    const again = await airlock(['restore', '--repo', repo, 'latest', '--to', url(target)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty|already/i);
  });

  it('exports plain SQL that psql loads into an empty database with the same result', async () => {
    const dump = await airlock(['dump', '--repo', repo, 'latest']);
    expect(dump.code, dump.stderr).toBe(0);
    const target = await createDatabase('cli_sql');
    made.push(target);
    const load = spawnSync('psql', ['-h', pgHost, '-p', String(pgPort), '-U', pgUser, '-v', 'ON_ERROR_STOP=1', '-q', '-d', target], { input: dump.stdout, encoding: 'utf8' });
    expect(load.status, load.stderr).toBe(0);
    expect((await comparePg(source, target)).match).toBe(true);
  });

  it('runs a restore drill into a scratch database and drops it afterwards', async () => {
    const drill = await airlock(['verify', '--repo', repo, 'latest', '--scratch', url('postgres'), '--json']);
    expect(drill.code, drill.stderr).toBe(0);
    const report = drill.json<{ ok: boolean; checks: { item: string; ok: boolean }[] }>();
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThan(10);
    const left = spawnSync('psql', ['-h', pgHost, '-U', pgUser, '-d', 'postgres', '-tAc', "SELECT count(*) FROM pg_database WHERE datname LIKE 'airlock_drill_%'"], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('0');
  });

  it('names an unreachable server plainly, without a stack trace', async () => {
    const r = await airlock(['backup', '--repo', repo, `postgres://${pgUser}@127.0.0.1:1/${source}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
  });
});

describe('MySQL/MariaDB through the CLI', () => {
  let repo: string;
  let source: string;
  const made: string[] = [];
  const murl = (db: string) => `mysql://root@${mysql.mysqlHost}:${mysql.mysqlPort}/${db}`;

  beforeAll(async () => {
    repo = join(await tempDir(), 'repo');
    source = mysql.createDatabase('cli_src');
    made.push(source);
    mysql.loadSakila(source);
    expect((await airlock(['init', '--repo', repo])).code).toBe(0);
  });

  afterAll(() => {
    for (const db of made) mysql.dropDatabase(db);
  });

  it('backs up Sakila, restores it to a new database that compare-mysql.sh calls a MATCH, and stores little the second time', async () => {
    const first = await airlock(['backup', '--repo', repo, murl(source), '--json']);
    expect(first.code, first.stderr).toBe(0);
    mysql.mariadb(source, "UPDATE actor SET last_name = 'CHANGED' WHERE actor_id = 7");
    const second = await airlock(['backup', '--repo', repo, murl(source), '--json']);
    const { bytesAdded, bytesTotal } = second.json<{ bytesAdded: number; bytesTotal: number }>();
    expect(bytesAdded).toBeLessThan(bytesTotal * 0.05);

    const target = mysql.uniqueDbName('cli_dst');
    made.push(target);
    const restore = await airlock(['restore', '--repo', repo, 'latest', '--to', murl(target)]);
    expect(restore.code, restore.stderr).toBe(0);
    const compared = mysql.compareMysql(source, target);
    expect(compared.match, compared.output).toBe(true);
  });

  it('exports SQL that the mariadb client loads with the same result, and passes a restore drill', async () => {
    const dump = await airlock(['dump', '--repo', repo, 'latest']);
    expect(dump.code, dump.stderr).toBe(0);
    const target = mysql.createDatabase('cli_sql');
    made.push(target);
    const load = spawnSync('mariadb', ['--protocol=tcp', '-h', mysql.mysqlHost, '-P', String(mysql.mysqlPort), '-u', 'root', target], { input: dump.stdout, encoding: 'utf8' });
    expect(load.status, load.stderr).toBe(0);
    const compared = mysql.compareMysql(source, target);
    expect(compared.match, compared.output).toBe(true);

    const drill = await airlock(['verify', '--repo', repo, 'latest', '--scratch', murl(''), '--json']);
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.json<{ ok: boolean }>().ok).toBe(true);
  });
});
