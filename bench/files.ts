// The files benchmark: Airlock and restic back up, re-run, re-run after 1% churn, and restore the same trees.

import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliNodeFlags } from '../scripts/launch.mjs';
import { changeFiles, revertChanges, treeSize, type TreeSize } from './corpus.ts';
import { dropPageCache, measure, median, type CommandSpec } from './measure.ts';

/** Where one tool keeps one run's repository, restore target and local state (catalog or cache). */
export interface RunDirs {
  readonly repo: string;
  readonly target: string;
  readonly state: string;
}

export interface BackupSummary {
  readonly filesNew: number;
  readonly filesChanged: number;
  readonly filesUnmodified: number;
  readonly bytesAdded: number;
}

export interface Tool {
  readonly name: string;
  readonly version: string;
  init(dirs: RunDirs): CommandSpec;
  backup(dirs: RunDirs, paths: readonly string[]): CommandSpec;
  restore(dirs: RunDirs): CommandSpec;
  summary(stdout: string): BackupSummary;
}

/** The one passphrase of every benchmark repository (Airlock's and restic's); it protects nothing. */
export const passphrase = 'airlock-bench';
const cliMain = fileURLToPath(new URL('../electron/cli/main.ts', import.meta.url));

/** The commit and Node this Airlock is, for the report. */
export function airlockVersion(): string {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: dirname(cliMain) }).stdout.trim();
  return `airlock ${commit || 'unknown commit'} on Node ${process.version}`;
}

/**
 * Airlock's CLI run straight under this Node (not through bin/airlock, so no launcher process is measured), with the
 * Node flags bin/airlock gives it.
 */
export function airlockCli(repo: string, state: string, args: readonly string[]): CommandSpec {
  return {
    command: process.execPath,
    args: [...process.execArgv, ...cliNodeFlags, cliMain, ...args, '--repo', repo, '--json', '--progress', 'none'],
    env: { ...process.env, AIRLOCK_PASSPHRASE: passphrase, AIRLOCK_HOME: state },
  };
}

export function airlockTool(): Tool {
  const cli = (dirs: RunDirs, args: readonly string[]): CommandSpec => airlockCli(dirs.repo, dirs.state, args);
  return {
    name: 'Airlock',
    version: airlockVersion(),
    init: (dirs) => cli(dirs, ['init']),
    backup: (dirs, paths) => cli(dirs, ['backup', ...paths]),
    restore: (dirs) => cli(dirs, ['restore', 'latest', '--target', dirs.target]),
    summary: (stdout) => {
      const s = JSON.parse(stdout) as BackupSummary;
      return { filesNew: s.filesNew, filesChanged: s.filesChanged, filesUnmodified: s.filesUnmodified, bytesAdded: s.bytesAdded };
    },
  };
}

interface ResticSummary {
  readonly message_type: string;
  readonly files_new: number;
  readonly files_changed: number;
  readonly files_unmodified: number;
  readonly data_added: number;
}

/** restic with its default settings; its cache goes beside the run's repository so each run starts as fresh as Airlock's. */
export function resticTool(version: string): Tool {
  const restic = (dirs: RunDirs, args: readonly string[]): CommandSpec => ({
    command: 'restic',
    args: ['--repo', dirs.repo, '--quiet', ...args],
    env: { ...process.env, RESTIC_PASSWORD: passphrase, RESTIC_CACHE_DIR: dirs.state },
  });
  return {
    name: 'restic',
    version,
    init: (dirs) => restic(dirs, ['init']),
    backup: (dirs, paths) => restic(dirs, ['backup', '--json', ...paths]),
    restore: (dirs) => restic(dirs, ['restore', 'latest', '--target', dirs.target]),
    summary: (stdout) => {
      const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as ResticSummary);
      const s = lines.find((line) => line.message_type === 'summary');
      if (!s) throw new Error('restic backup --json printed no summary');
      return { filesNew: s.files_new, filesChanged: s.files_changed, filesUnmodified: s.files_unmodified, bytesAdded: s.data_added };
    },
  };
}

/** The installed restic's version line, or undefined when there is none. */
export function resticVersion(): string | undefined {
  const probe = spawnSync('restic', ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

export interface Dataset {
  readonly name: string;
  readonly description: string;
  readonly paths: readonly string[];
  readonly size: TreeSize;
  /** Whether to measure the unchanged and the 1%-changed re-runs (pointless for one sparse file). */
  readonly incremental: boolean;
  readonly targets: readonly Target[];
}

export interface Step {
  readonly wallMs: number;
  readonly peakRssBytes: number;
}

export interface ToolRun {
  readonly firstBackup: Step;
  readonly unchanged: Step | null;
  readonly changed: (Step & { readonly filesChangedOnDisk: number; readonly summary: BackupSummary }) | null;
  readonly restore: Step;
  readonly repoBytes: number;
}

export interface Metrics {
  readonly firstBackupMs: number;
  readonly unchangedMs: number | null;
  readonly changedMs: number | null;
  readonly restoreMs: number;
  readonly repoBytes: number;
  readonly peakRssBytes: number;
}

export interface ToolResult {
  readonly tool: string;
  readonly version: string;
  readonly runs: readonly ToolRun[];
  readonly median: Metrics;
}

export interface BenchOptions {
  readonly runs: number;
  readonly seed: number;
  /** Scratch folder for repositories and restores; emptied after each run. */
  readonly work: string;
  /** Undo log of the 1% churn, so a run killed half-way can be repaired on the next start. */
  readonly journal: string;
  readonly log: (line: string) => void;
}

async function timed(spec: CommandSpec): Promise<Step & { stdout: string }> {
  await dropPageCache();
  const m = await measure(spec);
  return { wallMs: m.wallMs, peakRssBytes: m.peakRssBytes, stdout: m.stdout };
}

const churnFraction = 0.01;

async function changedRerun(tool: Tool, dirs: RunDirs, dataset: Dataset, options: BenchOptions, run: number): Promise<NonNullable<ToolRun['changed']>> {
  const filesChangedOnDisk = await changeFiles(dataset.paths, churnFraction, options.seed + run, options.journal);
  try {
    const step = await timed(tool.backup(dirs, dataset.paths));
    return { wallMs: step.wallMs, peakRssBytes: step.peakRssBytes, filesChangedOnDisk, summary: tool.summary(step.stdout) };
  } finally {
    await revertChanges(options.journal);
  }
}

async function assertRestored(tool: Tool, target: string, expected: TreeSize): Promise<void> {
  const restored = await treeSize(target);
  if (restored.files !== expected.files || restored.bytes !== expected.bytes) {
    throw new Error(`${tool.name} restored ${restored.files} files / ${restored.bytes} bytes, expected ${expected.files} / ${expected.bytes}`);
  }
}

async function runTool(tool: Tool, dataset: Dataset, options: BenchOptions, run: number): Promise<ToolRun> {
  const base = join(options.work, `${tool.name}-${dataset.name}-${run}`);
  const dirs: RunDirs = { repo: join(base, 'repo'), target: join(base, 'restore'), state: join(base, 'state') };
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { recursive: true });
  try {
    await measure(tool.init(dirs));
    const firstBackup = await timed(tool.backup(dirs, dataset.paths));
    options.log(`  ${tool.name}: first backup ${seconds(firstBackup.wallMs)}`);
    const unchanged = dataset.incremental ? await timed(tool.backup(dirs, dataset.paths)) : null;
    const changed = dataset.incremental ? await changedRerun(tool, dirs, dataset, options, run) : null;
    const repoBytes = (await treeSize(dirs.repo)).bytes;
    const restore = await timed(tool.restore(dirs));
    options.log(`  ${tool.name}: restore ${seconds(restore.wallMs)}`);
    await assertRestored(tool, dirs.target, dataset.size);
    return { firstBackup: stepOf(firstBackup), unchanged: unchanged && stepOf(unchanged), changed, restore: stepOf(restore), repoBytes };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

function stepOf(step: Step): Step {
  return { wallMs: step.wallMs, peakRssBytes: step.peakRssBytes };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function medianOrNull(values: readonly (number | undefined)[]): number | null {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length > 0 ? median(present) : null;
}

export function medians(runs: readonly ToolRun[]): Metrics {
  return {
    firstBackupMs: median(runs.map((r) => r.firstBackup.wallMs)),
    unchangedMs: medianOrNull(runs.map((r) => r.unchanged?.wallMs)),
    changedMs: medianOrNull(runs.map((r) => r.changed?.wallMs)),
    restoreMs: median(runs.map((r) => r.restore.wallMs)),
    repoBytes: median(runs.map((r) => r.repoBytes)),
    peakRssBytes: median(runs.map((r) => Math.max(...[r.firstBackup, r.unchanged, r.changed, r.restore].map((s) => s?.peakRssBytes ?? 0)))),
  };
}

/** Runs every tool `options.runs` times on `dataset`, each run in a fresh repository, alternating which tool goes first. */
export async function benchDataset(dataset: Dataset, tools: readonly Tool[], options: BenchOptions): Promise<ToolResult[]> {
  const runs = new Map<Tool, ToolRun[]>(tools.map((t) => [t, []]));
  for (let run = 0; run < options.runs; run++) {
    options.log(`${dataset.name}: run ${run + 1} of ${options.runs}`);
    const order = run % 2 === 0 ? tools : [...tools].reverse();
    for (const tool of order) runs.get(tool)?.push(await runTool(tool, dataset, options, run));
  }
  return tools.map((tool) => {
    const toolRuns = runs.get(tool) ?? [];
    return { tool: tool.name, version: tool.version, runs: toolRuns, median: medians(toolRuns) };
  });
}

export interface Target {
  readonly metric: keyof Metrics;
  readonly text: string;
  /** Airlock's value over restic's must not exceed this… */
  readonly maxRatio?: number;
  /** …or Airlock's own value must not exceed this. */
  readonly maxValue?: number;
}

export type Verdict = 'PASS' | 'FAIL' | 'n/a';

// From issue 3's Performance section.
export const fileTargets: readonly Target[] = [
  { metric: 'firstBackupMs', text: '≤ 0.8× restic', maxRatio: 0.8 },
  { metric: 'unchangedMs', text: '≤ 1.0× restic', maxRatio: 1 },
  { metric: 'restoreMs', text: '≤ 0.8× restic', maxRatio: 0.8 },
  { metric: 'repoBytes', text: '≤ 1.0× restic', maxRatio: 1 },
  { metric: 'peakRssBytes', text: '≤ 250 MB', maxValue: 250e6 },
];

export function ratio(airlock: number | null, peer: number | null | undefined): number | null {
  return airlock === null || peer === null || peer === undefined || peer === 0 ? null : airlock / peer;
}

export function verdict(target: Target, airlock: number | null, peer: number | null | undefined): Verdict {
  if (airlock === null) return 'n/a';
  if (target.maxValue !== undefined) return airlock <= target.maxValue ? 'PASS' : 'FAIL';
  const r = ratio(airlock, peer);
  if (r === null || target.maxRatio === undefined) return 'n/a';
  return r <= target.maxRatio ? 'PASS' : 'FAIL';
}
