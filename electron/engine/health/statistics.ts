// Robust statistics for backup histories: medians, MAD spread and Theil–Sen trends that one odd run cannot skew.

export const DAY_MS = 86_400_000;

/** Scales the median absolute deviation to estimate σ of normally distributed data. */
const madToSigma = 1.4826;

export interface TimedValue {
  readonly time: Date;
  readonly value: number;
}

export interface Trend {
  /** Change of the value per day (units of the value, e.g. bytes or milliseconds). */
  readonly perDay: number;
  readonly samples: number;
  /** Days between the first and the last sample used. */
  readonly spanDays: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

export interface RobustCenter {
  readonly median: number;
  /** σ estimated from the median absolute deviation (0 when most values are equal). */
  readonly sigma: number;
}

export function robustCenter(values: readonly number[]): RobustCenter {
  const m = median(values);
  const sigma = madToSigma * median(values.map((v) => Math.abs(v - m)));
  return { median: m, sigma };
}

/**
 * Theil–Sen slope: the median of the slopes between every pair of points. Up to ~29% of the points can be
 * wild (a prune that freed space, a run that read twice as much) without moving it much.
 * Quadratic in the number of points, so longer series are thinned evenly to `maxPoints` first.
 */
export function theilSenSlope(xs: readonly number[], ys: readonly number[], maxPoints = 400): number | null {
  const n = Math.min(xs.length, ys.length);
  const picked = evenlySpacedIndexes(n, Math.max(2, maxPoints));
  const slopes: number[] = [];
  for (let a = 0; a < picked.length; a++) {
    const i = picked[a] ?? 0;
    for (let b = a + 1; b < picked.length; b++) {
      const j = picked[b] ?? 0;
      const dx = (xs[j] ?? 0) - (xs[i] ?? 0);
      if (dx !== 0) slopes.push(((ys[j] ?? 0) - (ys[i] ?? 0)) / dx);
    }
  }
  return slopes.length === 0 ? null : median(slopes);
}

/** Indexes 0..n-1, or `limit` of them evenly spread with the first and the last always included. */
function evenlySpacedIndexes(n: number, limit: number): number[] {
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: limit }, (_, k) => Math.round((k * (n - 1)) / (limit - 1)));
}

/**
 * The robust per-day trend of a time series, or null with fewer than `minSamples` points or no time between them.
 * Points may come in any order.
 */
export function trendPerDay(points: readonly TimedValue[], minSamples = 3): Trend | null {
  const usable = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.time.getTime()));
  if (usable.length < minSamples) return null;
  const sorted = [...usable].sort((a, b) => a.time.getTime() - b.time.getTime());
  const first = sorted[0]?.time.getTime() ?? 0;
  const last = sorted[sorted.length - 1]?.time.getTime() ?? 0;
  // Days since the first point keep the numbers small, so the slope is in units per day directly.
  const xs = sorted.map((p) => (p.time.getTime() - first) / DAY_MS);
  const slope = theilSenSlope(
    xs,
    sorted.map((p) => p.value),
  );
  if (slope === null) return null;
  return { perDay: slope, samples: sorted.length, spanDays: (last - first) / DAY_MS };
}
