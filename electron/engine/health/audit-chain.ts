// The hash-chained audit log: each entry's SHA-256 covers the previous entry's hash, so an edit, removal or reordering shows.

import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject } from './canonical-json.ts';

/** The `prevHash` of the first entry of a log. */
export const genesisHash = '0'.repeat(64);

const hashPattern = /^[0-9a-f]{64}$/;

export interface AuditEntryInput {
  readonly time: Date;
  /** Who did it: "scheduler", "cli:alice@front-desk", "app:alice". */
  readonly actor: string;
  /** What was done: "backup", "restore", "forget", "prune", "key.add", "job.edit", "settings.change", … */
  readonly action: string;
  /** What it was done to: a job, a repository, a snapshot. */
  readonly target: string;
  readonly details: JsonObject;
}

/** An entry as stored: everything the hash covers, and the hash. */
export interface AuditEntry {
  readonly prevHash: string;
  /** ISO 8601 in UTC with milliseconds, exactly as hashed. */
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: JsonObject;
  readonly hash: string;
}

export type ChainProblem = 'malformed' | 'broken-link' | 'altered' | 'truncated';

export type ChainVerification =
  | { readonly ok: true; readonly length: number; readonly head: string }
  | { readonly ok: false; readonly index: number; readonly problem: ChainProblem; readonly reason: string };

/** SHA-256 (lowercase hex) over the canonical JSON of the entry without its own hash. */
export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const covered = {
    prevHash: entry.prevHash,
    time: entry.time,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: entry.details,
  };
  return createHash('sha256').update(canonicalJson(covered), 'utf8').digest('hex');
}

/** The entry to store after the one whose hash is `prevHash` (`genesisHash` for the first). */
export function appendEntry(prevHash: string, input: AuditEntryInput): AuditEntry {
  if (!hashPattern.test(prevHash)) throw new RangeError(`appendEntry: "${prevHash}" is not a SHA-256 hash in lowercase hex`);
  const ms = input.time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('appendEntry: the entry time is not a valid date');
  const entry = {
    prevHash,
    time: new Date(ms).toISOString(),
    actor: input.actor,
    action: input.action,
    target: input.target,
    details: input.details,
  };
  return { ...entry, hash: hashEntry(entry) };
}

export interface VerifyOptions {
  /** The hash the first entry must follow; `genesisHash` for a whole log, a checkpoint's hash for a tail. */
  readonly startHash?: string;
  /**
   * The newest hash as recorded somewhere else (a settings row, a printed report). A chain cannot tell on its
   * own that entries were cut off its end; with this it can.
   */
  readonly expectedHead?: string;
}

/** Walks the log oldest first and reports the first entry that breaks it, or the head hash when all is well. */
export function verifyChain(entries: readonly AuditEntry[], options: VerifyOptions = {}): ChainVerification {
  let previous = options.startHash ?? genesisHash;
  for (const [index, entry] of entries.entries()) {
    if (!hashPattern.test(entry.hash) || !hashPattern.test(entry.prevHash)) {
      return { ok: false, index, problem: 'malformed', reason: 'its hash is not a SHA-256 value, so the entry was damaged or written by something else' };
    }
    if (entry.prevHash !== previous) {
      return { ok: false, index, problem: 'broken-link', reason: 'it does not follow the entry before it: an entry was removed, inserted or moved here' };
    }
    let recomputed: string;
    try {
      recomputed = hashEntry(entry);
    } catch (err) {
      return { ok: false, index, problem: 'malformed', reason: `its details cannot be read back exactly (${err instanceof Error ? err.message : String(err)})` };
    }
    if (recomputed !== entry.hash) {
      return { ok: false, index, problem: 'altered', reason: 'its contents do not match its hash: it was changed after it was written' };
    }
    previous = entry.hash;
  }
  if (options.expectedHead !== undefined && options.expectedHead !== previous) {
    return { ok: false, index: entries.length, problem: 'truncated', reason: 'the log ends before the newest entry recorded elsewhere: entries at the end are missing' };
  }
  return { ok: true, length: entries.length, head: previous };
}
