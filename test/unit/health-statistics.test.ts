// Robust statistics for health: medians, MAD spread and Theil–Sen trends, with properties on exact lines and outliers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, median, robustCenter, theilSenSlope, trendPerDay } from '../../electron/engine/health/statistics.ts';

const T0 = Date.parse('2025-03-01T00:00:00Z');

describe('median and spread', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('estimates σ from the median absolute deviation, ignoring one wild value', () => {
    const { median: m, sigma } = robustCenter([10, 11, 9, 10, 12, 8, 10, 1000]);
    expect(m).toBe(10);
    // MAD = 1 → σ ≈ 1.48; a standard deviation would be ~350 because of the 1000.
    expect(sigma).toBeCloseTo(1.4826, 4);
    expect(robustCenter([7, 7, 7, 7]).sigma).toBe(0);
  });
});

describe('Theil–Sen trend', () => {
  it('recovers the slope of an exact line from points in any order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 60 * 24 }), { minLength: 3, maxLength: 60 }),
        fc.double({ min: -1e10, max: 1e10, noNaN: true }),
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        (minutes, perDay, start) => {
          const points = minutes.map((m) => ({ time: new Date(T0 + m * 60_000), value: start + (perDay * m * 60_000) / DAY_MS }));
          const trend = trendPerDay(points);
          expect(trend).not.toBeNull();
          // Values are doubles: two points a minute apart fix a slope only to within their rounding (an ulp each),
          // which dwarfs a tiny slope on a huge start (e.g. -0.001 a day on 5.5e11).
          const largest = Math.max(...points.map((p) => Math.abs(p.value)));
          const rounding = 4 * Number.EPSILON * largest * (DAY_MS / 60_000);
          const tolerance = Math.max(Math.abs(perDay) > 1e6 ? 50 : 0.0005, rounding);
          expect(Math.abs(trend!.perDay - perDay)).toBeLessThanOrEqual(tolerance);
          expect(trend!.samples).toBe(minutes.length);
        },
      ),
    );
  });

  it('is barely moved by a few wild points, unlike least squares', () => {
    const xs = Array.from({ length: 30 }, (_, i) => i);
    const ys = xs.map((x) => 2 * x);
    ys[29] = 1000; // one run that read everything twice
    ys[15] = -500; // one that read almost nothing
    expect(theilSenSlope(xs, ys)).toBeCloseTo(2, 6);
  });

  it('thins long series instead of comparing every pair', () => {
    const n = 20_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((x) => 3 * x + 7);
    const started = performance.now();
    expect(theilSenSlope(xs, ys)).toBeCloseTo(3, 9);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('gives no trend from too few points or points all at the same time', () => {
    expect(trendPerDay([{ time: new Date(T0), value: 1 }, { time: new Date(T0 + DAY_MS), value: 2 }])).toBeNull();
    const same = [1, 2, 3].map((value) => ({ time: new Date(T0), value }));
    expect(trendPerDay(same)).toBeNull();
  });
});
