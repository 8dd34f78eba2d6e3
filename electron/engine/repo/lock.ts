// Repository locks: shared for backups and reads, exclusive for prune/forget/key changes; stale ones detected.

import { hostname } from 'node:os';
import { z } from 'zod';
import { AirlockError } from '../errors.ts';
import { open, randomId, seal } from './crypto.ts';
import type { Storage } from './storage.ts';

/** A lock not refreshed for this long is stale: its holder crashed or the drive was moved. */
export const staleAfterMs = 30 * 60 * 1000;
/** Held locks are rewritten this often, well inside the stale timeout. */
export const refreshEveryMs = 5 * 60 * 1000;

const lockSchema = z.object({
  exclusive: z.boolean(),
  hostname: z.string(),
  pid: z.number().int(),
  time: z.iso.datetime({ offset: true }),
  operation: z.string(),
});

export type LockInfo = z.infer<typeof lockSchema> & { readonly id: string };

export type LockKind = 'shared' | 'exclusive';

export interface LockContext {
  readonly storage: Storage;
  readonly key: Buffer;
  readonly now: () => Date;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return err instanceof Error && 'code' in err && err.code === 'EPERM';
  }
}

export function staleReason(lock: LockInfo, now: Date): string | undefined {
  const age = now.getTime() - Date.parse(lock.time);
  if (age > staleAfterMs) return `not refreshed for ${Math.round(age / 60000)} minutes`;
  if (lock.hostname === hostname() && lock.pid !== process.pid && !processIsAlive(lock.pid)) return `process ${lock.pid} on this computer is gone`;
  return undefined;
}

export interface LockListing {
  readonly locks: LockInfo[];
  /** Lock files that do not decrypt or parse: no Airlock can refresh them, so they block nothing and unlock removes them. */
  readonly damaged: string[];
}

export async function readLocks(ctx: LockContext): Promise<LockListing> {
  const locks: LockInfo[] = [];
  const damaged: string[] = [];
  for (const { name } of await ctx.storage.list('locks')) {
    let data: Buffer;
    try {
      data = await ctx.storage.read('locks', name);
    } catch {
      continue; // removed while we listed: it was released
    }
    try {
      const plain = open(ctx.key, data, 'lock', `Lock ${name.slice(0, 8)}`);
      locks.push({ ...lockSchema.parse(JSON.parse(plain.toString('utf8'))), id: name });
    } catch {
      damaged.push(name);
    }
  }
  return { locks, damaged };
}

function describeHolder(lock: LockInfo): string {
  return `${lock.exclusive ? 'an exclusive' : 'a'} lock held by "${lock.operation}" (process ${lock.pid} on ${lock.hostname}, since ${lock.time})`;
}

export class RepositoryLock {
  private readonly ctx: LockContext;
  private readonly kind: LockKind;
  private readonly operation: string;
  private id: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  private constructor(ctx: LockContext, kind: LockKind, operation: string) {
    this.ctx = ctx;
    this.kind = kind;
    this.operation = operation;
  }

  static async acquire(ctx: LockContext, kind: LockKind, operation: string): Promise<RepositoryLock> {
    const lock = new RepositoryLock(ctx, kind, operation);
    await lock.checkConflicts();
    await lock.write();
    // Two processes may have checked at the same moment; whoever sees the other after writing backs off.
    try {
      await lock.checkConflicts();
    } catch (err) {
      await lock.release();
      throw err;
    }
    lock.timer = setInterval(() => {
      lock.refreshing ??= lock.refresh().finally(() => (lock.refreshing = undefined));
    }, refreshEveryMs);
    lock.timer.unref();
    return lock;
  }

  private async checkConflicts(): Promise<void> {
    const now = this.ctx.now();
    for (const other of (await readLocks(this.ctx)).locks) {
      if (other.id === this.id || staleReason(other, now) !== undefined) continue;
      if (this.kind === 'exclusive' || other.exclusive) {
        throw new AirlockError('REPO_LOCKED', `The repository at ${this.ctx.storage.location} is in use: ${describeHolder(other)}. Wait for it to finish; if that process is gone, run \`airlock unlock\`.`);
      }
    }
  }

  private async write(): Promise<void> {
    const body = { exclusive: this.kind === 'exclusive', hostname: hostname(), pid: process.pid, time: this.ctx.now().toISOString(), operation: this.operation };
    const id = randomId();
    await this.ctx.storage.write('locks', id, seal(this.ctx.key, Buffer.from(JSON.stringify(body)), 'lock'));
    const previous = this.id;
    this.id = id;
    if (previous) await this.ctx.storage.remove('locks', previous);
  }

  private async refresh(): Promise<void> {
    try {
      await this.write();
    } catch {
      // A failed refresh is retried at the next tick; the lock only goes stale after several misses.
    }
  }

  /**
   * Rewrites the lock now and fails if an exclusive lock appeared meanwhile: called before a snapshot is written, so that
   * a backup that slept past the stale timeout (and may have had its data pruned) never records a snapshot.
   */
  async confirm(): Promise<void> {
    await this.refreshing;
    await this.write();
    await this.checkConflicts();
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A refresh in flight would otherwise leave its new lock file behind.
    await this.refreshing;
    if (this.id) await this.ctx.storage.remove('locks', this.id);
    this.id = undefined;
  }
}

/** Removes stale locks (or all of them when forced); returns what was removed and why. */
export async function removeLocks(ctx: LockContext, force: boolean): Promise<{ removed: LockInfo[]; kept: LockInfo[] }> {
  const removed: LockInfo[] = [];
  const kept: LockInfo[] = [];
  const now = ctx.now();
  const listing = await readLocks(ctx);
  for (const name of listing.damaged) await ctx.storage.remove('locks', name);
  for (const lock of listing.locks) {
    if (force || staleReason(lock, now) !== undefined) {
      await ctx.storage.remove('locks', lock.id);
      removed.push(lock);
    } else {
      kept.push(lock);
    }
  }
  return { removed, kept };
}
