// `npm run bench`: prepares the corpus, runs the files benchmark against restic, prints the table and writes JSON.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes, generatedTree, parseSize, revertChanges, sparseFileDir, systemCopy, type TreeSize } from './corpus.ts';
import {
  airlockTool, benchDataset, fileTargets, ratio, resticTool, resticVersion, verdict,
  type Dataset, type Metrics, type Tool, type ToolResult, type Verdict,
} from './files.ts';
import { dropPageCache } from './measure.ts';

const usage = `Usage: npm run bench -- [--size 1G] [--runs 3] [--seed 1] [--system /usr/share | --system none]
                        [--no-big-file] [--big-file-size 4G] [--dir /tmp/airlock-bench]
The corpus is kept in --dir (or $AIRLOCK_BENCH_DIR) and reused; repositories and restores are removed afterwards.`;

interface Options {
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of at least 1');
  return {
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

/** Installs a Debian package when running as root; otherwise says why not. */
function installDebianPackage(pkg: string): string | undefined {
  if (process.getuid?.() !== 0) return `${pkg} is not installed and this is not root (apt-get install -y ${pkg})`;
  const install = (): number | null => spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: ['ignore', 2, 2] }).status;
  if (install() === 0) return undefined;
  spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 2, 2] });
  return install() === 0 ? undefined : `apt-get install -y ${pkg} failed`;
}

function peers(): { tools: Tool[]; skipped: string[] } {
  if (!existsSync('/usr/bin/time')) {
    const why = installDebianPackage('time');
    if (why) log(`GNU time missing (${why}): peak RSS is sampled from /proc instead.`);
  }
  let version = resticVersion();
  const why = version === undefined ? installDebianPackage('restic') : undefined;
  version ??= resticVersion();
  const tools = [airlockTool()];
  if (version === undefined) return { tools, skipped: [`restic skipped: ${why ?? 'not found after installing'}`] };
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
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => (cells[i] ?? '').length)));
  return [header, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
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

async function main(): Promise<void> {
  const o = options();
  const load = [loadavg()];
  await mkdir(o.dir, { recursive: true });
  const journal = join(o.dir, 'churn-journal.json');
  await revertChanges(journal);
  const { tools, skipped } = peers();
  skipped.forEach(log);
  const list = await datasets(o);
  const cacheDropped = await dropPageCache();
  const cache = cacheDropped ? 'page cache dropped before every measured step' : 'warm page cache (dropping it needs root)';
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
  const loadText = load.map((l) => l.map((x) => x.toFixed(2)).join(' ')).join(' → ');
  const lines = [
    `Files benchmark — median of ${o.runs} run(s); ${cache}; ${cpus().length} CPUs, load average ${loadText}`,
    ...tools.map((t) => `${t.name}: ${t.version}`),
    ...skipped,
  ];
  for (const r of reports) {
    lines.push('', `${r.dataset.name}: ${r.dataset.description}`);
    lines.push(table(r.outcomes));
    const seen = changedSeen(r.results);
    if (seen) lines.push(seen);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const resultsPath = fileURLToPath(new URL('results/latest.json', import.meta.url));
  const json = {
    date: new Date().toISOString(), options: o, cpus: cpus().length, memoryBytes: totalmem(), loadAverage: load, cacheDropped, skipped,
    datasets: reports.map((r) => ({ ...r.dataset, outcomes: r.outcomes, tools: r.results })),
  };
  await writeFile(resultsPath, `${JSON.stringify(json, null, 2)}\n`);
  log(`Results written to ${resultsPath}`);
}

await main();
