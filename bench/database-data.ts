// The database benchmark's data: sysbench tables on MariaDB, pgbench tables on PostgreSQL, 1% row churn and fingerprints to check restores.

import { spawnSync } from 'node:child_process';

export const mysqlServer = { host: '127.0.0.1', port: 3306, user: 'root' } as const;
export const pgServer = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

/** Connection arguments for the mysql, mysqldump, mydumper and myloader clients (no password: the test server has none). */
export const mysqlClientArgs = ['-h', mysqlServer.host, '-P', String(mysqlServer.port), '-u', mysqlServer.user];
export const pgClientArgs = ['-h', pgServer.host, '-p', String(pgServer.port), '-U', pgServer.user];

export const mysqlUrl = (db: string): string => `mysql://${mysqlServer.user}@${mysqlServer.host}:${mysqlServer.port}/${db}`;
export const pgUrl = (db: string): string => `postgres://${pgServer.user}@${pgServer.host}:${pgServer.port}/${db}`;

function check(command: string, args: readonly string[], input?: string): string {
  const r = spawnSync(command, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const tail = `${r.stderr}${r.error?.message ?? ''}`.trim().split('\n').slice(-6).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed:\n${tail}`);
  }
  return r.stdout;
}

/** Runs SQL on MariaDB and returns the rows, tab-separated, without the header. */
export function mysqlQuery(sql: string, db?: string): string {
  return check('mysql', [...mysqlClientArgs, '--batch', '--skip-column-names', ...(db === undefined ? [] : [db])], sql);
}

export function psqlQuery(sql: string, db = 'postgres'): string {
  return check('psql', [...pgClientArgs, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', db], sql);
}

export function recreateMysqlDatabase(db: string): void {
  mysqlQuery(`DROP DATABASE IF EXISTS \`${db}\`; CREATE DATABASE \`${db}\``);
}

export function dropMysqlDatabase(db: string): void {
  mysqlQuery(`DROP DATABASE IF EXISTS \`${db}\``);
}

export function recreatePgDatabase(db: string): void {
  psqlQuery(`DROP DATABASE IF EXISTS "${db}"`);
  psqlQuery(`CREATE DATABASE "${db}"`);
}

export function dropPgDatabase(db: string): void {
  psqlQuery(`DROP DATABASE IF EXISTS "${db}"`);
}

export const sysbenchTables = (count: number): string[] => Array.from({ length: count }, (_, i) => `sbtest${i + 1}`);

/** `sysbench oltp_read_write prepare` into a fresh database. */
export function prepareSysbench(db: string, tables: number, rows: number): void {
  recreateMysqlDatabase(db);
  check('sysbench', [
    'oltp_read_write', '--db-driver=mysql', `--mysql-host=${mysqlServer.host}`, `--mysql-port=${mysqlServer.port}`,
    `--mysql-user=${mysqlServer.user}`, '--mysql-password=', `--mysql-db=${db}`, `--tables=${tables}`, `--table-size=${rows}`,
    '--threads=2', 'prepare',
  ]);
}

/** `pgbench -i -s SCALE` into a fresh database (scale × 100,000 accounts). */
export function preparePgbench(db: string, scale: number): void {
  recreatePgDatabase(db);
  check('pgbench', [...pgClientArgs, '-i', '-q', '-s', String(scale), db]);
}

/** Changes a seeded random 1% of every table's rows in place (the key stays, so row order does too); returns how many rows changed. */
export function churnSysbench(db: string, tables: readonly string[], seed: number): number {
  let changed = 0;
  for (const t of tables) {
    const out = mysqlQuery(`UPDATE \`${t}\` SET k = k + 1 WHERE RAND(${seed}) < 0.01; SELECT ROW_COUNT();`, db);
    changed += Number(out.trim());
  }
  return changed;
}

/** Changes 1% of every table's rows in one run of keys (as when recent orders are updated), where deduplication can work. */
export function churnSysbenchRange(db: string, tables: readonly string[], rowsPerTable: number, seed: number): number {
  const width = Math.max(1, Math.floor(rowsPerTable / 100));
  const first = 1 + ((seed * 7919) % Math.max(1, rowsPerTable - width));
  let changed = 0;
  for (const t of tables) {
    const out = mysqlQuery(`UPDATE \`${t}\` SET k = k + 1 WHERE id BETWEEN ${first} AND ${first + width - 1}; SELECT ROW_COUNT();`, db);
    changed += Number(out.trim());
  }
  return changed;
}

export const pgbenchTables = ['pgbench_accounts', 'pgbench_branches', 'pgbench_tellers', 'pgbench_history'] as const;

/** Changes a seeded random 1% of pgbench_accounts (the table with the data); returns how many rows changed. */
export function churnPgbench(db: string, seed: number): number {
  const out = psqlQuery(
    `SELECT setseed(${(seed % 1000) / 1000});
     WITH c AS (UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE random() < 0.01 RETURNING 1) SELECT count(*) FROM c;`,
    db,
  );
  return Number(out.trim().split('\n').at(-1));
}

/** Changes 1% of pgbench_accounts in one run of keys. */
export function churnPgbenchRange(db: string, accounts: number, seed: number): number {
  const width = Math.max(1, Math.floor(accounts / 100));
  const first = 1 + ((seed * 7919) % Math.max(1, accounts - width));
  const out = psqlQuery(`WITH c AS (UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN ${first} AND ${first + width - 1} RETURNING 1) SELECT count(*) FROM c;`, db);
  return Number(out.trim());
}

/** Row counts and CHECKSUM TABLE of every table: equal fingerprints mean equal rows. */
export function mysqlFingerprint(db: string, tables: readonly string[]): string {
  const counts = tables.map((t) => mysqlQuery(`SELECT COUNT(*) FROM \`${t}\``, db).trim());
  const sums = mysqlQuery(`CHECKSUM TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`, db)
    .trim().split('\n').map((line) => line.split('\t')[1]);
  return tables.map((t, i) => `${t}:${counts[i] ?? '?'}:${sums[i] ?? '?'}`).join(' ');
}

/** Row counts and an order-independent hash of every pgbench table's rows. */
export function pgFingerprint(db: string): string {
  return pgbenchTables
    .map((t) => `${t}:${psqlQuery(`SELECT count(*) || ':' || coalesce(sum(hashtext(x::text)::numeric), 0) FROM ${t} x`, db).trim()}`)
    .join(' ');
}

export function mysqlDataBytes(db: string): number {
  return Number(mysqlQuery(`SELECT SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = '${db}'`).trim());
}

export function pgDataBytes(db: string): number {
  return Number(psqlQuery(`SELECT pg_database_size('${db}')`).trim());
}
