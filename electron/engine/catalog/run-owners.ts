// Who owns a running run: a process id, the boot it belongs to, and a token per open catalog in this process.

import { randomBytes } from 'node:crypto';
import { uptime } from 'node:os';

/** What the owner check needs to know about the machine; injectable so tests can simulate other processes and reboots. */
export interface ProcessProbe {
  /** Whether a process with this id exists now (on this machine). */
  isAlive(pid: number): boolean;
  /** When the machine booted, in ms since the epoch. */
  bootTimeMs(): number;
}

export const systemProbe: ProcessProbe = {
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: it exists but belongs to someone else, which still means the pid is taken.
      return err instanceof Error && 'code' in err && err.code === 'EPERM';
    }
  },
  bootTimeMs() {
    return Date.now() - uptime() * 1000;
  },
};

/** Boot times computed from wall clock minus uptime drift when the clock is adjusted; reboots are further apart than this. */
const bootTolerance = 60_000;

/** Tokens of catalogs open in this process: a run owned by this pid but by none of these was left by an earlier process. */
const openTokens = new Set<string>();

export interface RunOwner {
  readonly pid: number;
  readonly token: string;
  readonly bootMs: number;
  release(): void;
}

export function claimOwner(probe: ProcessProbe): RunOwner {
  const token = randomBytes(8).toString('hex');
  openTokens.add(token);
  return { pid: process.pid, token, bootMs: Math.round(probe.bootTimeMs()), release: () => openTokens.delete(token) };
}

export interface RecordedOwner {
  readonly pid: number | null;
  readonly token: string | null;
  readonly bootMs: number | null;
}

/**
 * Whether the process that started a run is certainly gone. A pid reused after a reboot is caught by the boot time;
 * a pid reused by an unrelated process within the same boot keeps the run "running" until that process exits.
 */
export function ownerIsGone(owner: RecordedOwner, probe: ProcessProbe): boolean {
  if (owner.pid === null || owner.token === null || owner.bootMs === null) return true;
  if (Math.abs(owner.bootMs - probe.bootTimeMs()) > bootTolerance) return true;
  if (owner.pid === process.pid) return !openTokens.has(owner.token);
  return !probe.isAlive(owner.pid);
}
