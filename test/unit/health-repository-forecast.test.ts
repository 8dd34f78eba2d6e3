// Repository forecasts: growth per day from clean, noisy and pruned series, days until full, and "not checked for N days".

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repositoryForecast, type RepositoryForecastInput, type UsageSample } from '../../electron/engine/health/repository-forecast.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GB = 1e9;
const NOW = Date.parse('2025-04-01T12:00:00Z');

/** One sample a day (or every `stepMs`) for `days` days up to now, following `bytes(daysAgo)`. */
function series(days: number, bytes: (daysAgo: number) => number, stepMs = DAY): UsageSample[] {
  const out: UsageSample[] = [];
  for (let t = NOW - days * DAY; t <= NOW; t += stepMs) out.push({ time: new Date(t), bytesUsed: bytes((NOW - t) / DAY) });
  return out;
}

/** A small seeded generator, so that the noisy series is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function forecast(over: Partial<RepositoryForecastInput>): ReturnType<typeof repositoryForecast> {
  return repositoryForecast({ repository: 'BACKUP-2', samples: [], freeBytes: 500 * GB, lastCheckAt: new Date(NOW - DAY), now: new Date(NOW), ...over });
}

describe('repository forecast', () => {
  it('a repository filling 2 GB a day with 20 GB free has about 10 days left', () => {
    const f = forecast({ samples: series(30, (ago) => 100 * GB - 2 * GB * ago), freeBytes: 20 * GB, totalBytes: 500 * GB });
    expect(f.growth!.perDay).toBeCloseTo(2 * GB, -3);
    expect(f.daysUntilFull).toBeCloseTo(10, 6);
    expect(f.fullAt).toEqual(new Date(NOW + 10 * DAY));
    expect(f.bytesUsed).toBe(100 * GB);
    expect(f.percentFull).toBeCloseTo(0.96, 9);
    expect(f.warnings).toEqual([
      {
        code: 'filling-up',
        severity: 'warning',
        message: 'BACKUP-2 will be full in about 10 days at the current rate (it grows by 2 GB a day and has 20 GB free)',
      },
    ]);
    expect(f.summary).toBe('96% full — about 10 days left; last checked 24 hours ago');
  });

  it('reads through day-to-day noise and a prune that freed space', () => {
    const random = seeded(42);
    const samples = series(30, (ago) => 100 * GB - 2 * GB * ago + (random() - 0.5) * 3 * GB);
    // A prune 12 days ago freed 8 GB for one day's sample, as if retention ran and the next backup refilled it.
    const pruned = samples.map((s, i) => (i === 18 ? { ...s, bytesUsed: s.bytesUsed - 8 * GB } : s));
    const f = forecast({ samples: pruned, freeBytes: 20 * GB });
    expect(f.growth!.perDay / GB).toBeGreaterThan(1.8);
    expect(f.growth!.perDay / GB).toBeLessThan(2.2);
    expect(f.daysUntilFull).toBeGreaterThan(9);
    expect(f.daysUntilFull).toBeLessThan(11.2);
  });

  it('handles a month of hourly samples quickly', () => {
    const samples = series(30, (ago) => 100 * GB - 2 * GB * ago, HOUR);
    expect(samples.length).toBe(721);
    const started = performance.now();
    const f = forecast({ samples, freeBytes: 20 * GB });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(f.daysUntilFull).toBeCloseTo(10, 3);
  });

  it('measures growth over the last 30 days only', () => {
    // Fast growth two months ago, slow growth lately.
    const samples = series(90, (ago) => (ago > 30 ? 500 * GB - 10 * GB * (ago - 30) : 500 * GB - 1 * GB * ago));
    const f = forecast({ samples, freeBytes: 100 * GB });
    expect(f.growth!.perDay).toBeCloseTo(GB, -3);
    expect(f.daysUntilFull).toBeCloseTo(100, 3);
    expect(f.warnings).toEqual([]);
    expect(f.summary).toBe('100 GB free — about 100 days left; last checked 24 hours ago');
  });

  it('does not forecast from too little history or from a repository that is not growing', () => {
    const young = forecast({ samples: series(1, (ago) => 10 * GB - 5 * GB * ago, 2 * HOUR) });
    expect(young.growth).toBeNull();
    expect(young.daysUntilFull).toBeNull();
    expect(young.summary).toBe('500 GB free — too early to forecast; last checked 24 hours ago');

    const shrinking = forecast({ samples: series(30, (ago) => 10 * GB + 0.1 * GB * ago) });
    expect(shrinking.growth!.perDay).toBeLessThan(0);
    expect(shrinking.daysUntilFull).toBeNull();
    expect(shrinking.summary).toContain('not growing');
  });

  it('calls it critical within a week, and full below 100 MB free', () => {
    const samples = series(30, (ago) => 100 * GB - 2 * GB * ago);
    const soon = forecast({ samples, freeBytes: 6 * GB });
    expect(soon.warnings.map((w) => [w.code, w.severity])).toEqual([['filling-up', 'critical']]);
    expect(soon.warnings[0]?.message).toBe('BACKUP-2 will be full in about 3 days at the current rate (it grows by 2 GB a day and has 6 GB free)');

    const full = forecast({ samples, freeBytes: 40e6 });
    expect(full.warnings).toEqual([{ code: 'full', severity: 'critical', message: 'BACKUP-2 is full (40 MB free); backups to it will fail until space is freed' }]);

    const roomy = forecast({ samples, freeBytes: 2000 * GB });
    expect(roomy.summary).toBe('2 TB free — more than a year left; last checked 24 hours ago');
  });

  it('says when a repository has not been checked for a while, or never', () => {
    const samples = series(40, () => 10 * GB);
    const stale = forecast({ samples, lastCheckAt: new Date(NOW - 20 * DAY) });
    expect(stale.daysSinceCheck).toBe(20);
    expect(stale.warnings).toEqual([
      { code: 'not-verified', severity: 'warning', message: 'BACKUP-2 has not been checked for 20 days, so damage to it could go unnoticed' },
    ]);
    const never = forecast({ samples, lastCheckAt: null });
    expect(never.warnings.map((w) => w.code)).toEqual(['never-verified']);
    expect(never.summary).toContain('never checked');
    // A repository made yesterday has not had time to be checked.
    expect(forecast({ samples: series(1, () => GB), lastCheckAt: null }).warnings).toEqual([]);
    expect(forecast({ samples: [], lastCheckAt: null, createdAt: new Date(NOW - 3 * DAY) }).warnings).toEqual([]);
    expect(forecast({ lastCheckAt: new Date(NOW - 13 * DAY) }).warnings).toEqual([]);
  });

  it('describes a drive that is not plugged in', () => {
    const f = forecast({ samples: series(30, (ago) => 100 * GB - GB * ago), freeBytes: null, lastCheckAt: new Date(NOW - 3 * DAY) });
    expect(f.available).toBe(false);
    expect(f.daysUntilFull).toBeNull();
    expect(f.growth!.perDay).toBeCloseTo(GB, -3);
    expect(f.summary).toBe('Drive not plugged in; last checked 3 days ago');
  });

  it('days until full is free space over growth for any steady growth', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e6, max: 1e12, noNaN: true }),
        fc.double({ min: 0, max: 1e13, noNaN: true }),
        fc.integer({ min: 3, max: 60 }),
        (perDay, free, days) => {
          const f = forecast({ samples: series(days, (ago) => 1e14 - perDay * ago), freeBytes: free });
          expect(f.daysUntilFull).not.toBeNull();
          expect(Math.abs(f.daysUntilFull! - free / perDay)).toBeLessThanOrEqual(1e-6 * (free / perDay) + 1e-6);
          for (const w of f.warnings) expect(w.message).not.toMatch(/NaN|Infinity|undefined/);
        },
      ),
    );
  });
});
