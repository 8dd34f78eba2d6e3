// MySQL/MariaDB test helpers: uniquely named databases, fixture loading with the `mariadb` client, and the compare-mysql.sh oracle.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDatabaseUrl, type DatabaseConnection } from '../../electron/engine/sources/database-url.ts';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedRoot = join(projectRoot, '..', 'shared');
export const mysqlHost = process.env.AIRLOCK_TEST_MYSQL_HOST ?? '127.0.0.1';
export const mysqlPort = Number(process.env.AIRLOCK_TEST_MYSQL_PORT ?? '3306');

/** True when the test MariaDB answers; suites skip with a message otherwise. */
export function mysqlAvailable(): boolean {
  const r = spawnSync('mariadb', ['-uroot', '-N', '-B', '-e', 'SELECT 1'], { encoding: 'utf8' });
  return r.status === 0;
}

export function uniqueDbName(prefix = 'airlock_t'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Runs SQL through the `mariadb` client (as root over the local socket) and returns its tab-separated output. */
export function mariadb(database: string | undefined, sql: string, extraArgs: readonly string[] = []): string {
  const args = ['-uroot', '-N', '-B', ...extraArgs];
  if (database !== undefined) args.push(database);
  return execFileSync('mariadb', args, { input: sql, encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function createDatabase(prefix?: string): string {
  const name = uniqueDbName(prefix);
  mariadb(undefined, `CREATE DATABASE \`${name}\``);
  return name;
}

export function dropDatabase(name: string): void {
  mariadb(undefined, `DROP DATABASE IF EXISTS \`${name.replaceAll('`', '``')}\``);
}

export function connectionFor(database: string, password?: string): DatabaseConnection {
  return parseDatabaseUrl(`mysql://root@${mysqlHost}:${mysqlPort}/${encodeURIComponent(database)}`, password);
}

/** Loads a .sql file with the mariadb client into `database`, after `rewrite` (to rename the fixture's own database). */
export function loadSqlFile(database: string, file: string, rewrite: (sql: string) => string = (s) => s): void {
  mariadb(database, rewrite(readFileSync(file, 'utf8')), ['--local-infile=0']);
}

/** Chinook creates and uses database `Chinook`; it is renamed to `database`. */
export function loadChinook(database: string): void {
  loadSqlFile(database, join(sharedRoot, 'fixtures', 'chinook', 'Chinook_MySql.sql'), (sql) =>
    sql
      .replace('DROP DATABASE IF EXISTS `Chinook`;', '')
      .replace('CREATE DATABASE `Chinook`;', '')
      .replace('USE `Chinook`;', `USE \`${database}\`;`));
}

/** Sakila's schema drops, creates and uses `sakila`, and one view names it; all become `database`. */
export function loadSakila(database: string): void {
  const dir = join(sharedRoot, 'fixtures', 'sakila');
  loadSqlFile(database, join(dir, 'sakila-schema.sql'), (sql) =>
    sql
      .replace(/^DROP SCHEMA IF EXISTS sakila;$/m, '')
      .replace(/^CREATE SCHEMA sakila;$/m, '')
      .replace(/^USE sakila;$/m, `USE \`${database}\`;`)
      .replace(/\bsakila\.(\w)/g, `\`${database}\`.$1`));
  loadSqlFile(database, join(dir, 'sakila-data.sql'), (sql) => sql.replace(/^USE sakila;$/m, `USE \`${database}\`;`));
}

export function loadEdgeCases(database: string): void {
  loadSqlFile(database, join(projectRoot, 'test', 'fixtures', 'mysql-edge-cases.sql'));
}

/** The oracle: `MATCH` from compare-mysql.sh, or its diff for the assertion message. */
function runOracle(src: string, dst: string) {
  return spawnSync('bash', [join(sharedRoot, 'tools', 'compare-mysql.sh'), src, dst], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

/** The oracle's AUTO_INCREMENT query, with a total order: names differing only in case (`Case`, `case`) tie under its collation. */
const autoIncrements = "SELECT table_name, auto_increment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY BINARY table_name";

export function compareMysql(src: string, dst: string): { match: boolean; output: string } {
  const r = runOracle(src, dst);
  // compare-mysql.sh sorts tables with ORDER BY 1, which leaves the edge fixture's `Case` and `case` in either order,
  // so it can report a difference that is only an ordering. Only that verdict is re-judged, with the same query in a
  // total order; every other part of the oracle (schema, rows, sequences) stands as it printed.
  if (r.status !== 0 && r.stdout.trim() === 'AUTO_INCREMENT DIFFERS' && mariadb(src, autoIncrements) === mariadb(dst, autoIncrements)) {
    return { match: true, output: `MATCH ${src} = ${dst} (AUTO_INCREMENT compared in a total order)` };
  }
  let output = `${r.stdout}${r.stderr}`;
  if (output.includes('AUTO_INCREMENT DIFFERS')) {
    // The oracle does not say which table; show both lists (its own query) so a failure can be diagnosed.
    const ai = "SELECT table_name, auto_increment, engine, create_options FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1";
    output += `\nsource:\n${mariadb(src, ai)}\ncopy:\n${mariadb(dst, ai)}`;
  }
  return { match: r.status === 0 && r.stdout.includes('MATCH'), output };
}
