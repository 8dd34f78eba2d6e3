// Runs one child process and measures its wall time and peak resident memory; medians; page-cache dropping.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface Measurement {
  readonly wallMs: number;
  /** Peak resident set size of the process (and of any child it waited for), in bytes. */
  readonly peakRssBytes: number;
  /** User plus system CPU time of the process and the children it waited for (null when GNU time is missing). */
  readonly cpuMs: number | null;
  readonly stdout: string;
}

const gnuTime = '/usr/bin/time';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/** Runs `spec` to completion; throws with the tail of its stderr when it exits with anything but 0. */
export async function measure(spec: CommandSpec): Promise<Measurement> {
  return existsSync(gnuTime) ? measureWithGnuTime(spec) : measureByPolling(spec);
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, onSpawn?: (pid: number) => void): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    if (child.pid !== undefined) onSpawn?.(child.pid);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, wallMs, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function assertSucceeded(spec: CommandSpec, finished: Finished): void {
  if (finished.code === 0) return;
  const tail = finished.stderr.trim().split('\n').slice(-8).join('\n');
  throw new Error(`${[spec.command, ...spec.args].join(' ')} exited with ${String(finished.code)}:\n${tail}`);
}

// GNU time reports the kernel's ru_maxrss for the child: exact, and it covers threads and waited-for children.
async function measureWithGnuTime(spec: CommandSpec): Promise<Measurement> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-time-'));
  const report = join(dir, 'time.txt');
  try {
    const finished = await run(gnuTime, ['-v', '-o', report, spec.command, ...spec.args], spec.env);
    assertSucceeded(spec, finished);
    const text = await readFile(report, 'utf8');
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
    if (!match?.[1]) throw new Error(`${gnuTime} -v wrote no maximum resident set size`);
    const seconds = (label: string): number => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(text)?.[1] ?? Number.NaN);
    const cpuMs = (seconds('User') + seconds('System')) * 1000;
    return { wallMs: finished.wallMs, peakRssBytes: Number(match[1]) * 1024, cpuMs: Number.isFinite(cpuMs) ? cpuMs : null, stdout: finished.stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Without GNU time, sample the child's own high-water mark (VmHWM) until it exits; growth in the last
// sampling interval can be missed, so this is a slight under-estimate at worst.
async function measureByPolling(spec: CommandSpec): Promise<Measurement> {
  let peakKb = 0;
  let timer: NodeJS.Timeout | undefined;
  const sample = async (pid: number): Promise<void> => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peakKb = Math.max(peakKb, kb);
  };
  const finished = await run(spec.command, spec.args, spec.env, (pid) => {
    timer = setInterval(() => void sample(pid), 20);
  });
  clearInterval(timer);
  assertSucceeded(spec, finished);
  return { wallMs: finished.wallMs, peakRssBytes: peakKb * 1024, cpuMs: null, stdout: finished.stdout };
}

/** Flushes and drops the page cache so the next step reads from disk; false when not permitted (not root, a container). */
export async function dropPageCache(): Promise<boolean> {
  spawnSync('sync');
  try {
    await writeFile('/proc/sys/vm/drop_caches', '3\n');
    return true;
  } catch {
    return false;
  }
}
