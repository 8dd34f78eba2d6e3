// Retry policy for job runs: which failures are worth another attempt, and capped exponential backoff with full jitter.

import { AirlockError, type ErrorCode } from '../errors.ts';

export interface BackoffPolicy {
  /** The ceiling of the first retry's delay. */
  readonly initialMs: number;
  /** No delay ceiling grows beyond this. */
  readonly maxMs: number;
  /** How much the ceiling grows per attempt. */
  readonly factor: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 30_000, maxMs: 30 * 60_000, factor: 2 };

/** A source of uniform random numbers in [0, 1); injected so tests can pin the jitter. */
export type RandomSource = () => number;

/**
 * The delay before retry number `retry` (1 for the first retry): uniform in [0, ceiling) where the ceiling is
 * initialMs·factor^(retry-1), capped at maxMs. Full jitter spreads jobs that failed together (a drive that went away).
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: RandomSource): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry number must be a whole number from 1 (got ${retry})`);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (retry - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

// Conditions that can clear up by themselves: a server back online, a lock released, a drive that hiccupped.
const transientCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SOURCE_UNREACHABLE',
  'SOURCE_CONNECTION_LOST',
  'SOURCE_BUSY',
  'SOURCE_CHANGED',
  'IO_ERROR',
  'REPO_LOCKED',
  'CATALOG_BUSY',
]);

// Operating-system errors of the network or of a momentarily busy resource.
const transientSystemCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
  'EAGAIN',
  'EBUSY',
]);

/**
 * True when a failed run may succeed if simply tried again later. Everything that needs a person (a wrong
 * passphrase, bad settings, corrupt data, a full disk) and anything unrecognised (a bug will not fix itself) is final.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AirlockError) return transientCodes.has(error.code);
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return transientSystemCodes.has(error.code);
  return false;
}
