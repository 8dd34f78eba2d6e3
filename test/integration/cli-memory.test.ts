// Peak memory of `bin/airlock` itself — the launcher's Node flags included — on a large file and many small ones.

import { spawn } from 'node:child_process';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/cli.ts';
import { randomData, tempDir, writeTree } from '../helpers/files.ts';

/** The bound for a files backup or restore, whatever the file sizes. */
const LIMIT_MB = 250;

let work: string;

/** The Node process the launcher started (bin/airlock runs the CLI in a child), once it exists. */
async function childOf(pid: number): Promise<number | undefined> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const first = children.trim().split(/\s+/)[0];
  return first ? Number(first) : undefined;
}

/** Runs bin/airlock and samples the CLI process's VmHWM (the kernel's own peak RSS) until it exits. */
async function peakOf(args: readonly string[]): Promise<{ code: number | null; peakMB: number; stderr: string }> {
  const launcher = spawn(join(projectRoot, 'bin', 'airlock'), args, {
    env: { ...process.env, AIRLOCK_PASSPHRASE: 'memory test', AIRLOCK_HOME: join(work, 'home') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  launcher.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.on('close', resolve));
  let peakKB = 0;
  while (launcher.exitCode === null && launcher.signalCode === null) {
    const cli = launcher.pid === undefined ? undefined : await childOf(launcher.pid);
    const status = cli === undefined ? '' : await readFile(`/proc/${cli}/status`, 'utf8').catch(() => '');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (hwm?.[1] !== undefined) peakKB = Math.max(peakKB, Number(hwm[1]));
    await new Promise((r) => setTimeout(r, 20));
  }
  return { code: await exited, peakMB: peakKB / 1024, stderr };
}

beforeAll(async () => {
  work = await tempDir('airlock-memory-');
  const src = join(work, 'source');
  const small: Record<string, Buffer> = {};
  for (let i = 0; i < 3000; i++) small[`small/d${i % 30}/f${i}.txt`] = Buffer.from(`file ${i}\n`.repeat(200 + (i % 500)));
  small['random.bin'] = randomData(96 * 1024 * 1024);
  await writeTree(src, small);
  // A sparse file larger than the memory bound: its size must not show in the memory used.
  const big = await open(join(src, 'disk.img'), 'w');
  await big.truncate(1024 * 1024 * 1024);
  await big.write(randomData(1024 * 1024), 0, 1024 * 1024, 512 * 1024 * 1024);
  await big.close();
  const init = await peakOf(['init', '--repo', join(work, 'repo')]);
  expect(init.code, init.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')('memory of the airlock command (reads /proc, Linux only)', () => {
  it(`backs up and restores within ${LIMIT_MB} MB`, async () => {
    const backup = await peakOf(['backup', '--repo', join(work, 'repo'), join(work, 'source')]);
    expect(backup.code, backup.stderr).toBe(0);
    const restore = await peakOf(['restore', '--repo', join(work, 'repo'), 'latest', '--target', join(work, 'restored')]);
    expect(restore.code, restore.stderr).toBe(0);
    console.log(`peak RSS of bin/airlock: backup ${backup.peakMB.toFixed(0)} MB, restore ${restore.peakMB.toFixed(0)} MB`);
    expect(backup.peakMB).toBeGreaterThan(0);
    expect(backup.peakMB).toBeLessThan(LIMIT_MB);
    expect(restore.peakMB).toBeLessThan(LIMIT_MB);
  }, 300_000);
});
