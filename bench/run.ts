// `npm run bench`: runs the files benchmark against restic and the database benchmark against the dump tools, prints the tables and writes JSON.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes, generatedTree, parseSize, revertChanges, sparseFileDir, systemCopy, type TreeSize } from './corpus.ts';
import {
  airlockTool, airlockVersion, benchDataset, fileTargets, ratio, resticTool, resticVersion, verdict,
  type Dataset, type Metrics, type Tool, type ToolResult, type Verdict,
} from './files.ts';
import { benchMysql, benchPostgres, databaseCommands, type DatabaseReport } from './databases.ts';
import { dropPageCache } from './measure.ts';
import { ensureCommands, type Needed } from './packages.ts';
import { alignColumns } from './table.ts';

const usage = `Usage: npm run bench -- [--only files|databases] [--runs 3] [--seed 1] [--dir /tmp/airlock-bench]
  files:     [--size 1G] [--system /usr/share | --system none] [--no-big-file] [--big-file-size 4G]
  databases: [--mysql-tables 4] [--mysql-rows 500000] [--pg-scale 20]
The corpus is kept in --dir (or $AIRLOCK_BENCH_DIR) and reused; repositories and restores are removed afterwards.
The databases part needs MariaDB on 127.0.0.1:3306 (root) and PostgreSQL on 127.0.0.1:5432 (postgres), and creates
and drops the databases airlock_bench_sb and airlock_bench_pgb (and *_r_* restore targets) there.
Missing tools (restic, zstd, sysbench, pgbench, mydumper…) are installed with apt-get when running as root.`;

type Part = 'files' | 'databases';

interface Options {
  /** Both parts unless one is chosen. */
  readonly only: Part | undefined;
  readonly mysqlTables: number;
  readonly mysqlRows: number;
  readonly pgScale: number;
  readonly size: number;
  readonly runs: number;
  readonly seed: number;
  readonly system: string | undefined;
  readonly bigFileSize: number | undefined;
  readonly dir: string;
}

function options(): Options {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      size: { type: 'string', default: '1G' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      system: { type: 'string', default: '/usr/share' },
      'big-file': { type: 'boolean', default: true },
      'big-file-size': { type: 'string', default: '4G' },
      dir: { type: 'string', default: process.env.AIRLOCK_BENCH_DIR ?? '/tmp/airlock-bench' },
      only: { type: 'string' },
      'mysql-tables': { type: 'string', default: '4' },
      'mysql-rows': { type: 'string', default: '500000' },
      'pg-scale': { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const whole = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number of at least 1`);
    return n;
  };
  const runs = whole('runs', values.runs);
  if (values.only !== undefined && values.only !== 'files' && values.only !== 'databases') throw new Error('--only takes files or databases');
  return {
    only: values.only,
    mysqlTables: whole('mysql-tables', values['mysql-tables']),
    mysqlRows: whole('mysql-rows', values['mysql-rows']),
    pgScale: whole('pg-scale', values['pg-scale']),
    size: parseSize(values.size),
    runs,
    seed: Number(values.seed),
    system: values.system === 'none' ? undefined : values.system,
    bigFileSize: values['big-file'] ? parseSize(values['big-file-size']) : undefined,
    dir: values.dir,
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function filePeers(unavailable: ReadonlyMap<string, string>): { tools: Tool[]; skipped: string[] } {
  const tools = [airlockTool()];
  const version = unavailable.has('restic') ? undefined : resticVersion();
  if (version === undefined) return { tools, skipped: [`restic skipped: ${unavailable.get('restic') ?? 'restic version failed'}`] };
  return { tools: [...tools, resticTool(version)], skipped: [] };
}

async function datasets(o: Options): Promise<Dataset[]> {
  log(`Preparing the corpus in ${o.dir} (reused when already there)…`);
  const generated = await generatedTree(o.dir, o.size, o.seed);
  const trees: ({ dir: string; label: string } & TreeSize)[] = [{ ...generated, label: `generated (seed ${o.seed})` }];
  if (o.system !== undefined) trees.push({ ...(await systemCopy(o.dir, o.system)), label: `copy of ${o.system}` });
  const size = { files: trees.reduce((n, t) => n + t.files, 0), bytes: trees.reduce((n, t) => n + t.bytes, 0) };
  const description = trees.map((t) => `${t.label}: ${t.files.toLocaleString('en')} files, ${formatBytes(t.bytes)}`).join(' + ');
  const list: Dataset[] = [{ name: 'files', description, paths: trees.map((t) => t.dir), size, incremental: true, targets: fileTargets }];
  if (o.bigFileSize !== undefined) {
    const big = await sparseFileDir(o.dir, o.bigFileSize);
    const rssOnly = fileTargets.filter((t) => t.metric === 'peakRssBytes');
    const bigDescription = `one sparse file of ${formatBytes(o.bigFileSize)}`;
    list.push({ name: 'big-file', description: bigDescription, paths: [big.dir], size: big, incremental: false, targets: rssOnly });
  }
  return list;
}

interface Row {
  readonly metric: keyof Metrics;
  readonly label: string;
  readonly format: (value: number) => string;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const rows: readonly Row[] = [
  { metric: 'firstBackupMs', label: 'first backup', format: sec },
  { metric: 'unchangedMs', label: 're-run, nothing changed', format: sec },
  { metric: 'changedMs', label: 're-run, 1% of files changed', format: sec },
  { metric: 'repoBytes', label: 'repository size', format: mb },
  { metric: 'restoreMs', label: 'full restore', format: sec },
  { metric: 'peakRssBytes', label: 'peak RSS', format: mb },
];

interface TargetOutcome {
  readonly metric: keyof Metrics;
  readonly airlock: number | null;
  readonly restic: number | null;
  readonly ratio: number | null;
  readonly target: string | null;
  readonly verdict: Verdict | null;
}

function outcomes(dataset: Dataset, results: readonly ToolResult[]): TargetOutcome[] {
  const [airlock, restic] = [results.find((r) => r.tool === 'Airlock'), results.find((r) => r.tool === 'restic')];
  return rows.flatMap((row) => {
    const a = airlock?.median[row.metric] ?? null;
    const p = restic?.median[row.metric] ?? null;
    if (a === null) return [];
    const target = dataset.targets.find((t) => t.metric === row.metric);
    return [{ metric: row.metric, airlock: a, restic: p, ratio: ratio(a, p), target: target?.text ?? null, verdict: target ? verdict(target, a, p) : null }];
  });
}

function table(outcomesList: readonly TargetOutcome[]): string {
  const header = ['metric', 'Airlock', 'restic', 'Airlock/restic', 'target', 'result'];
  const body = outcomesList.map((o) => {
    const row = rows.find((r) => r.metric === o.metric);
    const format = row?.format ?? String;
    return [row?.label ?? o.metric, o.airlock === null ? '—' : format(o.airlock), o.restic === null ? '—' : format(o.restic),
      o.ratio === null ? '—' : `${o.ratio.toFixed(3)}×`, o.target ?? '', o.verdict ?? ''];
  });
  return alignColumns([header, ...body]);
}

function changedSeen(results: readonly ToolResult[]): string {
  return results
    .map((r) => {
      const seen = new Set(r.runs.map((run) => run.changed && `${run.changed.summary.filesChanged} of ${run.changed.filesChangedOnDisk}`));
      seen.delete(null);
      return seen.size > 0 ? `${r.tool} saw ${[...seen].join(', ')} changed files` : '';
    })
    .filter(Boolean)
    .join('; ');
}

const loadText = (load: readonly (readonly number[])[]): string => load.map((l) => l.map((x) => x.toFixed(2)).join(' ')).join(' → ');

interface PartResult {
  readonly lines: readonly string[];
  readonly json: Record<string, unknown>;
}

async function runFiles(o: Options, unavailable: ReadonlyMap<string, string>, cache: string): Promise<PartResult> {
  const load = [loadavg()];
  const journal = join(o.dir, 'churn-journal.json');
  await revertChanges(journal);
  const { tools, skipped } = filePeers(unavailable);
  skipped.forEach(log);
  const list = await datasets(o);
  const work = join(o.dir, `work-${process.pid}`);
  const reports = [];
  try {
    for (const dataset of list) {
      const results = await benchDataset(dataset, tools, { runs: o.runs, seed: o.seed, work, journal, log });
      reports.push({ dataset, results, outcomes: outcomes(dataset, results) });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  load.push(loadavg());
  const lines = [
    `Files benchmark — median of ${o.runs} run(s); ${cache}; ${cpus().length} CPUs, load average ${loadText(load)}`,
    ...tools.map((t) => `${t.name}: ${t.version}`),
    ...skipped,
  ];
  for (const r of reports) {
    lines.push('', `${r.dataset.name}: ${r.dataset.description}`);
    lines.push(table(r.outcomes));
    const seen = changedSeen(r.results);
    if (seen) lines.push(seen);
  }
  return { lines, json: { loadAverage: load, skipped, datasets: reports.map((r) => ({ ...r.dataset, outcomes: r.outcomes, tools: r.results })) } };
}

function databaseTable(report: DatabaseReport): string {
  const header = ['measure', 'Airlock', 'compared with', 'its value', 'Airlock/it', 'target', 'result'];
  const body = report.outcomes.map((x) => [x.label, x.airlock, x.peer, x.peerValue, x.ratio === null ? '' : `${x.ratio.toFixed(3)}×`, x.target, x.verdict ?? '']);
  return alignColumns([header, ...body]);
}

async function runDatabases(o: Options, unavailable: ReadonlyMap<string, string>, cache: string): Promise<PartResult> {
  const work = join(o.dir, `db-work-${process.pid}`);
  const options = { runs: o.runs, seed: o.seed, work, mysqlTables: o.mysqlTables, mysqlRows: o.mysqlRows, pgScale: o.pgScale, unavailable, log };
  const reports: (DatabaseReport & { loadAverage: number[][] })[] = [];
  const skipped: string[] = [];
  try {
    for (const [bench, generator] of [[benchMysql, 'sysbench'], [benchPostgres, 'pgbench']] as const) {
      const why = unavailable.get(generator);
      if (why !== undefined) {
        skipped.push(`${generator === 'sysbench' ? 'MariaDB' : 'PostgreSQL'} skipped: ${why}`);
        continue;
      }
      const load = [loadavg()];
      const report = await bench(options);
      load.push(loadavg());
      reports.push({ ...report, loadAverage: load });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  skipped.forEach(log);
  const lines = [`Database benchmark — median of ${o.runs} run(s), each tool back to back on the same data; ${cache}; ${cpus().length} CPUs`, `Airlock: ${airlockVersion()}`, ...skipped];
  for (const r of reports) {
    const mismatches = r.runs.flatMap((run) => Object.entries(run.restoresMatch).filter(([, ok]) => !ok).map(([k]) => k));
    const checked = Object.keys(r.runs[0]?.restoresMatch ?? {});
    lines.push('', `${r.name}: ${r.description}; load average ${loadText(r.loadAverage)}`);
    lines.push(`peers: ${r.peers.join('; ')}`, ...r.skipped);
    lines.push(databaseTable(r));
    lines.push(mismatches.length > 0 ? `restores that did NOT give back the source's rows: ${[...new Set(mismatches)].join(', ')}` : `restored rows match the source (counts and checksums): ${checked.join(', ')}`);
  }
  return { lines, json: { skipped, databases: reports } };
}

async function main(): Promise<void> {
  const o = options();
  const parts: readonly Part[] = o.only === undefined ? ['files', 'databases'] : [o.only];
  const needed: Needed[] = [{ command: 'time', pkg: 'time' }];
  if (parts.includes('files')) needed.push({ command: 'restic', pkg: 'restic' });
  if (parts.includes('databases')) needed.push(...databaseCommands);
  const unavailable = ensureCommands(needed, log);
  if (unavailable.has('time')) log(`GNU time missing (${unavailable.get('time') ?? ''}): peak RSS is sampled from /proc instead.`);
  await mkdir(o.dir, { recursive: true });
  const cacheDropped = await dropPageCache();
  const cache = cacheDropped ? 'page cache dropped before every measured step' : 'warm page cache (dropping it needs root)';
  const results: Partial<Record<Part, PartResult>> = {};
  for (const part of parts) results[part] = part === 'files' ? await runFiles(o, unavailable, cache) : await runDatabases(o, unavailable, cache);
  const lines = parts.flatMap((part, i) => [...(i > 0 ? [''] : []), ...(results[part]?.lines ?? [])]);
  process.stdout.write(`${lines.join('\n')}\n`);
  const resultsPath = fileURLToPath(new URL('results/latest.json', import.meta.url));
  const json = {
    date: new Date().toISOString(), options: o, cpus: cpus().length, memoryBytes: totalmem(), cacheDropped,
    ...(results.files ? { files: results.files.json } : {}),
    ...(results.databases ? { databases: results.databases.json } : {}),
  };
  await writeFile(resultsPath, `${JSON.stringify(json, null, 2)}\n`);
  log(`Results written to ${resultsPath}`);
}

await main();
