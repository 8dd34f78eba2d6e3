// The single-instance lock on the scheduler: one file under AIRLOCK_HOME that the daemon and the desktop app both take, so jobs never run twice.

import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { systemProbe, type ProcessProbe } from '../catalog/run-owners.ts';
import { AirlockError } from '../errors.ts';

export const instanceLockName = 'scheduler.lock';

/** Boot times computed as wall clock minus uptime drift a little; reboots are further apart than this. */
const bootTolerance = 60_000;

const holderSchema = z.object({
  role: z.string(),
  pid: z.int(),
  hostname: z.string(),
  bootMs: z.int(),
  startedAt: z.string(),
  token: z.string(),
});

export type LockHolder = z.infer<typeof holderSchema>;

export interface InstanceLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Removes the file if it is still ours; harmless to call twice. */
  release(): void;
}

function readHolder(path: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const parsed = holderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Whether the holder is certainly gone: on this machine, a process that no longer exists or belongs to an earlier boot. */
function holderIsGone(holder: LockHolder, probe: ProcessProbe): boolean {
  if (holder.hostname !== hostname()) return false;
  if (Math.abs(holder.bootMs - probe.bootTimeMs()) > bootTolerance) return true;
  if (holder.pid === process.pid) return false;
  return !probe.isAlive(holder.pid);
}

/** Who holds the scheduler lock in `home` now, if anyone alive does. */
export function currentHolder(home: string, probe: ProcessProbe = systemProbe): LockHolder | undefined {
  const holder = readHolder(join(home, instanceLockName));
  if (holder === 'missing' || holder === 'unreadable') return undefined;
  return holderIsGone(holder, probe) ? undefined : holder;
}

function describe(holder: LockHolder): string {
  const who = holder.role === 'app' ? 'the Airlock app' : holder.role === 'daemon' ? '`airlock daemon`' : holder.role;
  return `${who} (process ${holder.pid} on ${holder.hostname}, since ${holder.startedAt})`;
}

/**
 * Takes the scheduler lock in `home` for `role` ("daemon", "app"), or throws SCHEDULER_RUNNING naming the holder.
 * The file appears whole or not at all (written aside, then hard-linked into place, which fails if it exists), so a
 * second starter never reads a half-written lock; one left by a crashed process is recognised and replaced.
 */
export function acquireInstanceLock(home: string, role: string, options: { probe?: ProcessProbe; now?: () => Date } = {}): InstanceLock {
  const probe = options.probe ?? systemProbe;
  const now = options.now ?? (() => new Date());
  mkdirSync(home, { recursive: true });
  const path = join(home, instanceLockName);
  const holder: LockHolder = {
    role,
    pid: process.pid,
    hostname: hostname(),
    bootMs: Math.round(probe.bootTimeMs()),
    startedAt: now().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const aside = `${path}.${holder.token}`;
  writeFileSync(aside, JSON.stringify(holder) + '\n', { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(aside, path);
        let released = false;
        return {
          path,
          holder,
          release() {
            if (released) return;
            released = true;
            const current = readHolder(path);
            if (typeof current === 'object' && current.token === holder.token) rmSync(path, { force: true });
          },
        };
      } catch (err) {
        if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
      }
      const existing = readHolder(path);
      if (existing === 'missing') continue;
      if (existing !== 'unreadable' && !holderIsGone(existing, probe)) {
        throw new AirlockError(
          'SCHEDULER_RUNNING',
          `The scheduler is already running in ${describe(existing)}, using ${home}. Only one may run at a time so that no job runs twice; stop that one first.`,
        );
      }
      // Stale (its process is gone) or not a lock Airlock wrote: replace it, unless another starter did so meanwhile.
      const again = readHolder(path);
      if (again === 'unreadable' || (typeof again === 'object' && typeof existing === 'object' && again.token === existing.token)) rmSync(path, { force: true });
    }
    throw new AirlockError('SCHEDULER_RUNNING', `Another Airlock process keeps taking the scheduler lock ${path}. Wait a moment and try again.`);
  } finally {
    rmSync(aside, { force: true });
  }
}
