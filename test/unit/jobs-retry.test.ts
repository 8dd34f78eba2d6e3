// Retry policy: capped exponential backoff with full jitter, and which failures deserve another attempt.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AirlockError, type ErrorCode } from '../../electron/engine/errors.ts';
import { backoffDelay, isRetryable, type BackoffPolicy } from '../../electron/engine/jobs/retry.ts';

const policy: BackoffPolicy = { initialMs: 1_000, maxMs: 10_000, factor: 2 };

describe('backoffDelay', () => {
  it('doubles the ceiling per retry up to the cap, with the random share of it', () => {
    const almostOne = (): number => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, almostOne))).toEqual([999, 1_999, 3_999, 7_999, 9_999, 9_999]);
    expect([1, 2, 3].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([500, 1_000, 2_000]);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
  });

  it('keeps out-of-range random sources within the ceiling', () => {
    expect(backoffDelay(1, policy, () => 7)).toBe(1_000);
    expect(backoffDelay(1, policy, () => -3)).toBe(0);
  });

  it('refuses a retry number below 1', () => {
    expect(() => backoffDelay(0, policy, Math.random)).toThrow(RangeError);
  });

  it('property: 0 ≤ delay ≤ min(maxMs, initialMs·factor^(n-1))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, initialMs, extra, factor, r) => {
          const p = { initialMs, maxMs: initialMs + extra, factor };
          const delay = backoffDelay(retry, p, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(p.maxMs, initialMs * factor ** (retry - 1)));
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });
});

describe('isRetryable', () => {
  const airlock = (code: ErrorCode): AirlockError => new AirlockError(code, 'x');
  const system = (code: string): Error => Object.assign(new Error(code), { code });

  it('retries conditions that clear up on their own', () => {
    for (const code of ['SOURCE_UNREACHABLE', 'SOURCE_CONNECTION_LOST', 'SOURCE_BUSY', 'IO_ERROR', 'REPO_LOCKED', 'CATALOG_BUSY'] as const) {
      expect(isRetryable(airlock(code)), code).toBe(true);
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EBUSY']) expect(isRetryable(system(code)), code).toBe(true);
  });

  it('does not retry what needs a person, nor what it does not recognise', () => {
    for (const code of ['WRONG_PASSPHRASE', 'USAGE', 'CORRUPT_DATA', 'DISK_FULL', 'SOURCE_AUTH_FAILED', 'REPO_NOT_FOUND', 'CANCELLED', 'TIMED_OUT'] as const) {
      expect(isRetryable(airlock(code)), code).toBe(false);
    }
    expect(isRetryable(system('ENOENT'))).toBe(false);
    expect(isRetryable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isRetryable('a string')).toBe(false);
  });
});
