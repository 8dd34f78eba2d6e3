// The database benchmark: Airlock against mysqldump (| zstd, | restic), mydumper, pg_dump and the SQL clients, same data, same run.

import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { treeSize } from './corpus.ts';
import {
  churnPgbench, churnPgbenchRange, churnSysbench, churnSysbenchRange, dropMysqlDatabase, dropPgDatabase, mysqlClientArgs, mysqlDataBytes, mysqlFingerprint, mysqlUrl,
  pgClientArgs, pgDataBytes, pgFingerprint, pgUrl, prepareSysbench, preparePgbench, recreateMysqlDatabase, recreatePgDatabase,
  sysbenchTables,
} from './database-data.ts';
import { airlockCli, passphrase, ratio, type Verdict } from './files.ts';
import { dropPageCache, measure, median, type CommandSpec } from './measure.ts';
import type { Needed } from './packages.ts';

/** What the database benchmark runs besides Airlock, and the Debian package each comes from. */
export const databaseCommands: readonly Needed[] = [
  { command: 'sysbench', pkg: 'sysbench' },
  { command: 'pgbench', pkg: 'postgresql-contrib' },
  { command: 'zstd', pkg: 'zstd' },
  { command: 'restic', pkg: 'restic' },
  { command: 'mydumper', pkg: 'mydumper' },
  { command: 'myloader', pkg: 'mydumper' },
  { command: 'mysqldump', pkg: 'mariadb-client' },
  { command: 'mysql', pkg: 'mariadb-client' },
  { command: 'pg_dump', pkg: 'postgresql-client' },
  { command: 'pg_restore', pkg: 'postgresql-client' },
  { command: 'psql', pkg: 'postgresql-client' },
];

export interface DatabaseBenchOptions {
  readonly runs: number;
  readonly seed: number;
  /** Scratch folder for repositories, dump files and tool state; emptied after each run. */
  readonly work: string;
  readonly mysqlTables: number;
  readonly mysqlRows: number;
  readonly pgScale: number;
  /** Commands that are not there (and why): their peers are skipped. */
  readonly unavailable: ReadonlyMap<string, string>;
  readonly log: (line: string) => void;
}

/** One measured command; `bytes` is what it left on disk (for a second backup: how much the repository grew). */
export interface Step {
  readonly wallMs: number;
  readonly peakRssBytes: number;
  /** CPU time of the tool's own processes (not the database server's); steadier than wall time on a busy machine. */
  readonly cpuMs: number | null;
  readonly bytes: number | null;
}

export interface DatabaseRun {
  readonly steps: Readonly<Record<string, Step>>;
  /** Rows changed before the 2nd backup (a random 1%) and before the 3rd (1% in one run of keys). */
  readonly rowsChanged: number;
  readonly rowsChangedInRange: number;
  /** Each restore's rows compared with the source's at the moment its backup was taken. */
  readonly restoresMatch: Readonly<Record<string, boolean>>;
}

export interface Outcome {
  readonly label: string;
  readonly airlock: string;
  readonly peer: string;
  readonly peerValue: string;
  readonly ratio: number | null;
  readonly target: string;
  readonly verdict: Verdict | null;
}

export interface DatabaseReport {
  readonly name: string;
  readonly description: string;
  readonly peers: readonly string[];
  readonly skipped: readonly string[];
  readonly runs: readonly DatabaseRun[];
  readonly outcomes: readonly Outcome[];
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
const shellWords = (words: readonly string[]): string => words.map(shellQuote).join(' ');

/** A pipeline run by bash with pipefail, so a failing dump is not hidden by a compressor that exits 0. */
function pipeline(script: string, env: NodeJS.ProcessEnv = process.env): CommandSpec {
  return { command: 'bash', args: ['-c', `set -euo pipefail; ${script}`], env };
}

async function bytesOf(path: string): Promise<number> {
  const s = await stat(path);
  return s.isDirectory() ? (await treeSize(path)).bytes : s.size;
}

async function timed(spec: CommandSpec, output?: string): Promise<Step> {
  await dropPageCache();
  const m = await measure(spec);
  return { wallMs: m.wallMs, peakRssBytes: m.peakRssBytes, cpuMs: m.cpuMs, bytes: output === undefined ? null : await bytesOf(output) };
}

interface Contender {
  readonly key: string;
  run(): Promise<Step>;
}

/** Runs contenders back to back, alternating the order from one run to the next so neither always goes first. */
async function backToBack(contenders: readonly Contender[], run: number, steps: Record<string, Step>, log: (line: string) => void): Promise<void> {
  for (const c of run % 2 === 0 ? contenders : [...contenders].reverse()) {
    const step = await c.run();
    steps[c.key] = step;
    const cpu = step.cpuMs === null ? '' : ` (CPU ${(step.cpuMs / 1000).toFixed(1)} s)`;
    log(`  ${c.key}: ${(step.wallMs / 1000).toFixed(1)} s${cpu}, peak RSS ${mb(step.peakRssBytes)}${step.bytes === null ? '' : `, ${mb(step.bytes)} on disk`}`);
  }
}

function resticEnv(cache: string): NodeJS.ProcessEnv {
  return { ...process.env, RESTIC_PASSWORD: passphrase, RESTIC_CACHE_DIR: cache };
}

/** A second backup's step, whose bytes are how much the repository grew. */
async function growth(spec: CommandSpec, repo: string): Promise<Step> {
  const before = await bytesOf(repo);
  const step = await timed(spec, repo);
  return { ...step, bytes: (step.bytes ?? 0) - before };
}

const mysqlDb = 'airlock_bench_sb';

async function mysqlRun(o: DatabaseBenchOptions, run: number, tables: readonly string[]): Promise<DatabaseRun> {
  const has = (command: string): boolean => !o.unavailable.has(command);
  const base = join(o.work, `mysql-${run}`);
  const p = {
    repo: join(base, 'airlock-repo'), state: join(base, 'airlock-state'), zst: join(base, 'dump.sql.zst'),
    restic: join(base, 'restic-repo'), resticCache: join(base, 'restic-cache'), mydumper: join(base, 'mydumper'),
  };
  const targets = { airlock: `${mysqlDb}_r_airlock`, mysql: `${mysqlDb}_r_mysql`, myloader: `${mysqlDb}_r_myloader` };
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { recursive: true });
  try {
    const steps: Record<string, Step> = {};
    const mysqldump = shellWords(['mysqldump', ...mysqlClientArgs, '--single-transaction', mysqlDb]);
    const resticCli = (args: readonly string[]): string => shellWords(['restic', '--repo', p.restic, '--quiet', ...args]);
    const resticBackup = pipeline(`${mysqldump} | ${resticCli(['backup', '--stdin', '--stdin-filename', `${mysqlDb}.sql`])}`, resticEnv(p.resticCache));
    const airlockBackup = airlockCli(p.repo, p.state, ['backup', mysqlUrl(mysqlDb)]);
    await measure(airlockCli(p.repo, p.state, ['init']));
    if (has('restic')) await measure(pipeline(resticCli(['init']), resticEnv(p.resticCache)));

    const before = mysqlFingerprint(mysqlDb, tables);
    await backToBack([
      { key: 'Airlock backup', run: () => timed(airlockBackup, p.repo) },
      { key: 'mysqldump | zstd -1', run: () => timed(pipeline(`${mysqldump} | zstd -1 -q -o ${shellQuote(p.zst)}`), p.zst) },
      ...(has('restic') ? [{ key: 'mysqldump | restic', run: () => timed(resticBackup, p.restic) }] : []),
      ...(has('mydumper') ? [{
        key: 'mydumper -t 2',
        run: () => timed(pipeline(shellWords(['mydumper', ...mysqlClientArgs, '-B', mysqlDb, '-o', p.mydumper, '-t', '2', '--trx-consistency-only'])), p.mydumper),
      }] : []),
    ], run, steps, o.log);

    const rowsChanged = churnSysbench(mysqlDb, tables, o.seed + run);
    o.log(`  changed ${rowsChanged.toLocaleString('en')} random rows (1%)`);
    await backToBack([
      { key: 'Airlock 2nd backup', run: () => growth(airlockBackup, p.repo) },
      ...(has('restic') ? [{ key: 'mysqldump | restic 2nd', run: () => growth(resticBackup, p.restic) }] : []),
    ], run, steps, o.log);
    const rowsChangedInRange = churnSysbenchRange(mysqlDb, tables, o.mysqlRows, o.seed + run);
    o.log(`  changed ${rowsChangedInRange.toLocaleString('en')} rows (1%) in one key range per table`);
    await backToBack([
      { key: 'Airlock 3rd backup', run: () => growth(airlockBackup, p.repo) },
      ...(has('restic') ? [{ key: 'mysqldump | restic 3rd', run: () => growth(resticBackup, p.restic) }] : []),
    ], run, steps, o.log);
    const after = mysqlFingerprint(mysqlDb, tables);

    recreateMysqlDatabase(targets.mysql);
    recreateMysqlDatabase(targets.myloader);
    dropMysqlDatabase(targets.airlock);
    await backToBack([
      { key: 'Airlock restore', run: () => timed(airlockCli(p.repo, p.state, ['restore', 'latest', '--to', mysqlUrl(targets.airlock)])) },
      { key: 'mysql < dump', run: () => timed(pipeline(`zstd -dc -q ${shellQuote(p.zst)} | ${shellWords(['mysql', ...mysqlClientArgs, targets.mysql])}`)) },
      ...(has('myloader') && has('mydumper') ? [{
        key: 'myloader -t 2',
        run: () => timed(pipeline(shellWords(['myloader', ...mysqlClientArgs, '-d', p.mydumper, '-B', targets.myloader, '-t', '2']))),
      }] : []),
    ], run, steps, o.log);
    const restoresMatch: Record<string, boolean> = {
      'Airlock restore': mysqlFingerprint(targets.airlock, tables) === after,
      'mysql < dump': mysqlFingerprint(targets.mysql, tables) === before,
    };
    if (steps['myloader -t 2']) restoresMatch['myloader -t 2'] = mysqlFingerprint(targets.myloader, tables) === before;
    return { steps, rowsChanged, rowsChangedInRange, restoresMatch };
  } finally {
    for (const db of Object.values(targets)) dropMysqlDatabase(db);
    await rm(base, { recursive: true, force: true });
  }
}

const pgDb = 'airlock_bench_pgb';

async function pgRun(o: DatabaseBenchOptions, run: number): Promise<DatabaseRun> {
  const base = join(o.work, `postgres-${run}`);
  const p = {
    repo: join(base, 'airlock-repo'), state: join(base, 'airlock-state'), custom: join(base, 'dump.custom'),
    directory: join(base, 'dump.dir'), plain: join(base, 'dump.sql'),
  };
  const targets = { airlock: `${pgDb}_r_airlock`, psql: `${pgDb}_r_psql`, pgRestore: `${pgDb}_r_pg_restore` };
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { recursive: true });
  try {
    const steps: Record<string, Step> = {};
    const pgDump = (args: readonly string[]): CommandSpec => pipeline(shellWords(['pg_dump', ...pgClientArgs, ...args, pgDb]));
    const airlockBackup = airlockCli(p.repo, p.state, ['backup', pgUrl(pgDb)]);
    await measure(airlockCli(p.repo, p.state, ['init']));

    const before = pgFingerprint(pgDb);
    await backToBack([
      { key: 'Airlock backup', run: () => timed(airlockBackup, p.repo) },
      { key: 'pg_dump -Fc', run: () => timed(pgDump(['-Fc', '-f', p.custom]), p.custom) },
      { key: 'pg_dump -Fd -j2', run: () => timed(pgDump(['-Fd', '-j', '2', '-f', p.directory]), p.directory) },
      { key: 'pg_dump (plain SQL)', run: () => timed(pgDump(['-Fp', '-f', p.plain]), p.plain) },
    ], run, steps, o.log);

    const rowsChanged = churnPgbench(pgDb, o.seed + run);
    o.log(`  changed ${rowsChanged.toLocaleString('en')} random rows (1% of pgbench_accounts)`);
    await backToBack([{ key: 'Airlock 2nd backup', run: () => growth(airlockBackup, p.repo) }], run, steps, o.log);
    const rowsChangedInRange = churnPgbenchRange(pgDb, o.pgScale * 100_000, o.seed + run);
    o.log(`  changed ${rowsChangedInRange.toLocaleString('en')} rows (1% of pgbench_accounts) in one key range`);
    await backToBack([{ key: 'Airlock 3rd backup', run: () => growth(airlockBackup, p.repo) }], run, steps, o.log);
    const after = pgFingerprint(pgDb);

    recreatePgDatabase(targets.psql);
    recreatePgDatabase(targets.pgRestore);
    dropPgDatabase(targets.airlock);
    await backToBack([
      { key: 'Airlock restore', run: () => timed(airlockCli(p.repo, p.state, ['restore', 'latest', '--to', pgUrl(targets.airlock)])) },
      { key: 'psql < plain dump', run: () => timed(pipeline(shellWords(['psql', ...pgClientArgs, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', targets.psql, '-f', p.plain]))) },
      { key: 'pg_restore -j2', run: () => timed(pipeline(shellWords(['pg_restore', ...pgClientArgs, '-j', '2', '-d', targets.pgRestore, p.directory]))) },
    ], run, steps, o.log);
    const restoresMatch = {
      'Airlock restore': pgFingerprint(targets.airlock) === after,
      'psql < plain dump': pgFingerprint(targets.psql) === before,
      'pg_restore -j2': pgFingerprint(targets.pgRestore) === before,
    };
    return { steps, rowsChanged, rowsChangedInRange, restoresMatch };
  } finally {
    for (const db of Object.values(targets)) dropPgDatabase(db);
    await rm(base, { recursive: true, force: true });
  }
}

/** Per step, the median over the runs of wall time and bytes; peak RSS likewise. */
function medianSteps(runs: readonly DatabaseRun[]): Map<string, Step> {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.steps)));
  const out = new Map<string, Step>();
  for (const key of keys) {
    const steps = runs.flatMap((r) => (r.steps[key] ? [r.steps[key]] : []));
    const bytes = steps.flatMap((s) => (s.bytes === null ? [] : [s.bytes]));
    const cpu = steps.flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs]));
    out.set(key, {
      wallMs: median(steps.map((s) => s.wallMs)),
      peakRssBytes: median(steps.map((s) => s.peakRssBytes)),
      cpuMs: cpu.length > 0 ? median(cpu) : null,
      bytes: bytes.length > 0 ? median(bytes) : null,
    });
  }
  return out;
}

interface Target {
  readonly text: string;
  readonly maxRatio?: number;
  readonly maxValue?: number;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const pct = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

function judge(target: Target | undefined, value: number | null, r: number | null): Verdict | null {
  if (!target) return null;
  if (value === null) return 'n/a';
  if (target.maxValue !== undefined) return value <= target.maxValue ? 'PASS' : 'FAIL';
  if (r === null || target.maxRatio === undefined) return 'n/a';
  return r <= target.maxRatio ? 'PASS' : 'FAIL';
}

/** Builds the table's rows from the median steps. */
class Outcomes {
  readonly list: Outcome[] = [];
  readonly #m: Map<string, Step>;
  readonly #runs: readonly DatabaseRun[];

  constructor(runs: readonly DatabaseRun[]) {
    this.#runs = runs;
    this.#m = medianSteps(runs);
  }

  /** Wall time of an Airlock step against a peer's; a restore that gave back different rows fails whatever its time. */
  time(label: string, airlockKey: string, peerKey: string, target?: Target): void {
    const a = this.#m.get(airlockKey)?.wallMs ?? null;
    const p = this.#m.get(peerKey)?.wallMs ?? null;
    if (!this.#m.has(peerKey) && !target) return;
    const r = ratio(a, p);
    const mismatch = [airlockKey, peerKey].filter((k) => this.#runs.some((run) => run.restoresMatch[k] === false));
    const verdict = mismatch.length > 0 ? 'FAIL' : judge(target, a, r);
    const note = mismatch.length > 0 ? ` (rows differ: ${mismatch.join(', ')})` : '';
    this.list.push({
      label, airlock: a === null ? '—' : sec(a), peer: this.#m.has(peerKey) ? peerKey : `${peerKey} (skipped)`, peerValue: p === null ? '—' : sec(p),
      ratio: r, target: `${target?.text ?? ''}${note}`, verdict,
    });
  }

  /** CPU time of the client side only: what a busy machine distorts least. */
  cpu(label: string, airlockKey: string, peerKey: string): void {
    const a = this.#m.get(airlockKey)?.cpuMs ?? null;
    const p = this.#m.get(peerKey)?.cpuMs ?? null;
    if (a === null || p === null) return;
    this.list.push({ label, airlock: sec(a), peer: peerKey, peerValue: sec(p), ratio: ratio(a, p), target: '', verdict: null });
  }

  size(label: string, airlockKey: string, peerKey: string): void {
    const a = this.#m.get(airlockKey)?.bytes ?? null;
    const p = this.#m.get(peerKey)?.bytes ?? null;
    if (p === null) return;
    this.list.push({ label, airlock: a === null ? '—' : mb(a), peer: peerKey, peerValue: mb(p), ratio: ratio(a, p), target: '', verdict: null });
  }

  /** What a second backup after 1% churn added, as a share of what the first stored. */
  stored(label: string, airlockKeys: readonly [string, string], peerKeys: readonly [string, string] | undefined, target?: Target): void {
    const share = ([second, first]: readonly [string, string]): number | null => {
      const s = this.#m.get(second)?.bytes;
      const f = this.#m.get(first)?.bytes;
      return s === undefined || f === undefined || s === null || f === null || f === 0 ? null : s / f;
    };
    const a = share(airlockKeys);
    const stored = (keys: readonly [string, string]): string => {
      const s = this.#m.get(keys[0])?.bytes;
      const fraction = share(keys);
      return s === undefined || s === null || fraction === null ? '—' : `${mb(s)} = ${pct(fraction)}`;
    };
    this.list.push({
      label, airlock: stored(airlockKeys), peer: peerKeys?.[0] ?? '', peerValue: peerKeys ? stored(peerKeys) : '',
      ratio: null, target: target?.text ?? '', verdict: judge(target, a, null),
    });
  }

  /** The largest peak RSS of any Airlock process in a run (median over runs). */
  peakRss(target: Target): void {
    const perRun = this.#runs.map((r) => Math.max(...Object.entries(r.steps).filter(([k]) => k.startsWith('Airlock')).map(([, s]) => s.peakRssBytes)));
    const a = perRun.length > 0 ? median(perRun) : null;
    this.list.push({ label: 'peak RSS (Airlock, any step)', airlock: a === null ? '—' : mb(a), peer: '', peerValue: '', ratio: null, target: target.text, verdict: judge(target, a, null) });
  }
}

const peakRssTarget: Target = { text: '≤ 300 MB', maxValue: 300e6 };
const storedTarget: Target = { text: '≤ 5% of the 1st', maxValue: 0.05 };

function skippedPeers(o: DatabaseBenchOptions, commands: readonly string[]): string[] {
  return commands.flatMap((c) => {
    const why = o.unavailable.get(c);
    return why === undefined ? [] : [`${c} skipped: ${why}`];
  });
}

export async function benchMysql(o: DatabaseBenchOptions): Promise<DatabaseReport> {
  const tables = sysbenchTables(o.mysqlTables);
  o.log(`MariaDB: sysbench oltp_read_write prepare, ${o.mysqlTables} tables × ${o.mysqlRows.toLocaleString('en')} rows into ${mysqlDb}…`);
  prepareSysbench(mysqlDb, o.mysqlTables, o.mysqlRows);
  const runs: DatabaseRun[] = [];
  let dataBytes: number;
  try {
    dataBytes = mysqlDataBytes(mysqlDb);
    for (let run = 0; run < o.runs; run++) {
      o.log(`MariaDB: run ${run + 1} of ${o.runs}`);
      runs.push(await mysqlRun(o, run, tables));
    }
  } finally {
    dropMysqlDatabase(mysqlDb);
  }
  const out = new Outcomes(runs);
  out.time('backup', 'Airlock backup', 'mysqldump | zstd -1', { text: '≤ 1.0×', maxRatio: 1 });
  out.time('backup', 'Airlock backup', 'mysqldump | restic', { text: '≤ 0.33× (3× faster)', maxRatio: 1 / 3 });
  out.time('backup', 'Airlock backup', 'mydumper -t 2');
  out.cpu('backup CPU (client side)', 'Airlock backup', 'mysqldump | zstd -1');
  out.size('stored size', 'Airlock backup', 'mysqldump | zstd -1');
  out.size('stored size', 'Airlock backup', 'mysqldump | restic');
  out.time('2nd backup, random 1% changed', 'Airlock 2nd backup', 'mysqldump | restic 2nd');
  out.stored('2nd backup stored, random 1%', ['Airlock 2nd backup', 'Airlock backup'], o.unavailable.has('restic') ? undefined : ['mysqldump | restic 2nd', 'mysqldump | restic'], storedTarget);
  out.stored('3rd backup stored, 1% in 1 key range', ['Airlock 3rd backup', 'Airlock backup'], o.unavailable.has('restic') ? undefined : ['mysqldump | restic 3rd', 'mysqldump | restic']);
  out.time('restore', 'Airlock restore', 'mysql < dump', { text: '≤ 0.7×', maxRatio: 0.7 });
  out.time('restore', 'Airlock restore', 'myloader -t 2');
  out.peakRss(peakRssTarget);
  return {
    name: 'MariaDB',
    description: `sysbench oltp_read_write, ${o.mysqlTables} tables × ${o.mysqlRows.toLocaleString('en')} rows (${mb(dataBytes)} in InnoDB, data + indexes)`,
    peers: ['mysqldump --single-transaction | zstd -1', 'mysqldump --single-transaction | restic backup --stdin', 'mydumper -t 2 --trx-consistency-only (uncompressed)', 'mysql client', 'myloader -t 2'],
    skipped: skippedPeers(o, ['restic', 'mydumper', 'myloader']),
    runs,
    outcomes: out.list,
  };
}

export async function benchPostgres(o: DatabaseBenchOptions): Promise<DatabaseReport> {
  o.log(`PostgreSQL: pgbench -i -s ${o.pgScale} into ${pgDb}…`);
  preparePgbench(pgDb, o.pgScale);
  const runs: DatabaseRun[] = [];
  let dataBytes: number;
  try {
    dataBytes = pgDataBytes(pgDb);
    for (let run = 0; run < o.runs; run++) {
      o.log(`PostgreSQL: run ${run + 1} of ${o.runs}`);
      runs.push(await pgRun(o, run));
    }
  } finally {
    dropPgDatabase(pgDb);
  }
  const out = new Outcomes(runs);
  out.time('backup', 'Airlock backup', 'pg_dump -Fc', { text: '≤ 1.0×', maxRatio: 1 });
  out.time('backup', 'Airlock backup', 'pg_dump -Fd -j2');
  out.time('backup', 'Airlock backup', 'pg_dump (plain SQL)');
  out.cpu('backup CPU (client side)', 'Airlock backup', 'pg_dump -Fc');
  out.size('stored size', 'Airlock backup', 'pg_dump -Fc');
  out.time('2nd backup, random 1% changed', 'Airlock 2nd backup', 'pg_dump -Fc');
  out.stored('2nd backup stored, random 1%', ['Airlock 2nd backup', 'Airlock backup'], undefined, storedTarget);
  out.stored('3rd backup stored, 1% in 1 key range', ['Airlock 3rd backup', 'Airlock backup'], undefined);
  out.time('restore', 'Airlock restore', 'pg_restore -j2', { text: '≤ 1.0×', maxRatio: 1 });
  out.time('restore', 'Airlock restore', 'psql < plain dump');
  out.peakRss(peakRssTarget);
  return {
    name: 'PostgreSQL',
    description: `pgbench -i -s ${o.pgScale} (${(o.pgScale * 100_000).toLocaleString('en')} accounts, database ${mb(dataBytes)})`,
    peers: ['pg_dump -Fc', 'pg_dump -Fd -j2', 'pg_dump -Fp', 'psql', 'pg_restore -j2'],
    skipped: [],
    runs,
    outcomes: out.list,
  };
}
