// Anomaly detection on synthetic histories: unusual sizes, changes and durations, dropped rows, overdue jobs, and quiet steady histories.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectAnomalies, durationAnomaly, overdueAnomaly, rowCountAnomaly, sizeAnomalies } from '../../electron/engine/health/anomalies.ts';
import type { RunSample } from '../../electron/engine/health/run-sample.ts';
import { DAY, GB, HOUR, MINUTE, T0, daily, run } from '../helpers/run-samples.ts';


/** Ten steady days, then day 10 as given. */
function steadyThen(last: Partial<RunSample>): RunSample[] {
  return daily(11, (i) => (i === 10 ? last : {}));
}

const afterDay = (i: number): Date => new Date(T0 + i * DAY + HOUR);

describe('anomalies', () => {
  it('steady daily backups raise nothing', () => {
    expect(detectAnomalies({ job: 'Documents', runs: daily(30), now: afterDay(29), expectedIntervalMs: DAY })).toEqual([]);
  });

  it('a backup 10× larger than usual is reported with both amounts', () => {
    const found = sizeAnomalies('Documents', steadyThen({ bytesRead: 100 * GB }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      kind: 'size-unusual',
      severity: 'warning',
      message:
        'The latest backup of Documents was much larger than usual: 100 GB instead of about 10 GB. Check that the new files are meant to be there, and that the backup drive has room for them.',
      details: { job: 'Documents', value: 100 * GB, usual: 10 * GB, direction: 'larger', unit: 'bytes', runStartedAt: new Date(T0 + 10 * DAY).toISOString() },
    });
  });

  it('a backup that lost most of its data is critical; a smaller drop is a warning', () => {
    const gone = sizeAnomalies('Documents', steadyThen({ bytesRead: 0.5 * GB }));
    expect(gone.map((a) => [a.kind, a.severity])).toEqual([['size-unusual', 'critical']]);
    expect(gone[0]?.message).toBe(
      'The latest backup of Documents was much smaller than usual: 500 MB instead of about 10 GB. Files may have been deleted or moved; check that they are still where they belong.',
    );
    expect(sizeAnomalies('Documents', steadyThen({ bytesRead: 6 * GB })).map((a) => a.severity)).toEqual(['warning']);
    // 10% less is within what a person would shrug at, even against a perfectly steady history.
    expect(sizeAnomalies('Documents', steadyThen({ bytesRead: 9 * GB }))).toEqual([]);
  });

  it('a burst of changed data (as when many files are rewritten at once) is reported', () => {
    const found = sizeAnomalies('Documents', steadyThen({ bytesAdded: 8 * GB }));
    expect(found.map((a) => a.kind)).toEqual(['changes-unusual']);
    expect(found[0]?.message).toBe(
      'The latest backup of Documents saved far more changed data than usual: 8 GB instead of about 200 MB. If nobody changed that many files, open a few of them to make sure they still look right.',
    );
    // Less change than usual is just a quiet day.
    expect(sizeAnomalies('Documents', steadyThen({ bytesAdded: 0 }))).toEqual([]);
  });

  it('needs five earlier successful runs before anything looks unusual', () => {
    const four = daily(5, (i) => (i === 4 ? { bytesRead: 100 * GB } : {}));
    expect(sizeAnomalies('Documents', four)).toEqual([]);
    const five = daily(6, (i) => (i === 5 ? { bytesRead: 100 * GB } : {}));
    expect(sizeAnomalies('Documents', five)).toHaveLength(1);
    // Failed runs are not part of "usual".
    const withFailures = [...daily(4), ...daily(3, () => ({ status: 'failed', bytesRead: null })).map((r, i) => ({ ...r, startedAt: new Date(T0 + (4 + i) * DAY) })), run(T0 + 8 * DAY, { bytesRead: 100 * GB })];
    expect(sizeAnomalies('Documents', withFailures)).toEqual([]);
  });

  it('uses the median and MAD, so one earlier odd run neither hides nor causes the next alarm', () => {
    const noisy = daily(11, (i) => ({ bytesRead: [10, 10.4, 9.8, 10.1, 9.9, 50, 10.2, 9.7, 10.3, 10, 100][i]! * GB }));
    expect(sizeAnomalies('Documents', noisy).map((a) => a.details.usual)).toEqual([10.05 * GB]);
    const normalAfterOdd = daily(11, (i) => ({ bytesRead: [10, 10.4, 9.8, 10.1, 9.9, 50, 10.2, 9.7, 10.3, 10, 10.2][i]! * GB }));
    expect(sizeAnomalies('Documents', normalAfterOdd)).toEqual([]);
  });

  it('judges a naturally jumpy job against its own spread (3σ), not against a fixed share', () => {
    // Alternating 5 GB and 15 GB: median 10 GB, MAD 5 GB, so σ ≈ 7.4 GB.
    const jumpy = (last: number): RunSample[] => daily(11, (i) => ({ bytesRead: i === 10 ? last : (i % 2 === 0 ? 5 : 15) * GB }));
    expect(sizeAnomalies('Scans', jumpy(30 * GB))).toEqual([]);
    expect(sizeAnomalies('Scans', jumpy(40 * GB)).map((a) => a.details.deviations)).toEqual([4]);
  });

  it('a backup that took far longer than usual is a warning, far shorter is for information', () => {
    const slow = durationAnomaly('Documents', steadyThen({ durationMs: 3 * HOUR }), afterDay(11));
    expect(slow).toMatchObject({
      kind: 'duration-unusual',
      severity: 'warning',
      message: 'The latest backup of Documents took 3 hours, far longer than the usual 20 minutes. The computer, the source or the backup drive may be slowing down.',
      details: { running: false, direction: 'larger' },
    });
    const quick = durationAnomaly('Documents', steadyThen({ durationMs: 2 * MINUTE }), afterDay(11));
    expect(quick).toMatchObject({ severity: 'info', message: 'The latest backup of Documents took only 2 minutes, far less than the usual 20 minutes. Check that it still includes everything it should.' });
    expect(durationAnomaly('Documents', steadyThen({ durationMs: 25 * MINUTE }), afterDay(11))).toBeNull();
  });

  it('a backup still running long past its usual time may be stuck', () => {
    const runs = [...daily(10), run(T0 + 10 * DAY, { status: 'running', finishedAt: null, durationMs: null })];
    expect(durationAnomaly('Documents', runs, new Date(T0 + 10 * DAY + 30 * MINUTE))).toBeNull();
    const stuck = durationAnomaly('Documents', runs, new Date(T0 + 10 * DAY + 5 * HOUR));
    expect(stuck).toMatchObject({
      kind: 'duration-unusual',
      severity: 'warning',
      message: 'A backup of Documents has been running for 5 hours; it usually takes about 20 minutes. It may be stuck or waiting on a slow drive.',
      details: { running: true },
    });
  });

  it('a sudden 90% drop in a table’s rows is critical and names the table', () => {
    const a = rowCountAnomaly({ source: 'shop on db1', previous: { orders: 12_000, customers: 800, settings: 3 }, current: { orders: 1_200, customers: 790, settings: 0 } });
    expect(a).toEqual({
      kind: 'rows-dropped',
      severity: 'critical',
      message:
        'In the latest backup of shop on db1, 1 table lost most of its rows: orders (12,000 → 1,200 rows). If nobody removed them on purpose, the earlier backup still has them.',
      details: { source: 'shop on db1', tables: [{ table: 'orders', before: 12_000, after: 1_200 }] },
    });
  });

  it('lists several tables biggest loss first, counts missing tables, and leaves mild drops alone', () => {
    const a = rowCountAnomaly({
      source: 'shop',
      previous: { a: 100, b: 5_000, c: 40_000, d: 1_000, e: 300, f: 1_000 },
      current: { a: 40, b: 2_000, d: 0, e: 120, f: 700 },
    });
    expect(a?.severity).toBe('critical');
    expect(a?.message).toBe(
      'In the latest backup of shop, 5 tables lost most of their rows: c (missing; it had 40,000 rows), b (5,000 → 2,000 rows), d (1,000 → 0 rows), and 2 more. If nobody removed them on purpose, the earlier backup still has them.',
    );
    expect(rowCountAnomaly({ source: 'shop', previous: { a: 1_000 }, current: { a: 600 } })).toBeNull();
    expect(rowCountAnomaly({ source: 'shop', previous: { a: 1_000 }, current: { a: 400 } })?.severity).toBe('warning');
    expect(rowCountAnomaly({ source: 'shop', previous: { a: 1_000 }, current: { a: 5_000, b: 0 } })).toBeNull();
  });

  it('a job that has not succeeded within its interval is overdue', () => {
    const runs = [...daily(10), ...Array.from({ length: 3 }, (_, i) => run(T0 + (10 + i) * DAY, { status: 'failed' }))];
    const overdue = overdueAnomaly('Accounts', runs, new Date(T0 + 12 * DAY + 2 * HOUR), DAY);
    expect(overdue).toMatchObject({ kind: 'overdue', severity: 'critical', message: 'No successful backup of Accounts in 3 days (expected every day).' });
    expect(overdueAnomaly('Accounts', runs, new Date(T0 + 10 * DAY + 14 * HOUR), DAY)?.severity).toBe('warning');
    expect(overdueAnomaly('Accounts', runs, new Date(T0 + 10 * DAY + 2 * HOUR), DAY)).toBeNull();
    expect(overdueAnomaly('Accounts', [], new Date(T0), DAY)).toBeNull();
  });

  it('detectAnomalies puts the most severe first', () => {
    const runs = steadyThen({ bytesRead: 0.2 * GB, durationMs: 2 * MINUTE });
    const found = detectAnomalies({ job: 'Docs', runs, now: new Date(T0 + 12 * DAY), expectedIntervalMs: DAY });
    expect(found.map((a) => [a.kind, a.severity])).toEqual([
      ['size-unusual', 'critical'],
      ['overdue', 'warning'],
      ['duration-unusual', 'info'],
    ]);
  });
});

describe('anomaly invariants', () => {
  const valuesArb = fc.record({
    bytesRead: fc.integer({ min: 0, max: 1e13 }),
    bytesAdded: fc.integer({ min: 0, max: 1e12 }),
    durationMs: fc.integer({ min: 0, max: 10 * DAY }),
  });

  it('a constant history never raises an anomaly', () => {
    fc.assert(
      fc.property(valuesArb, fc.integer({ min: 0, max: 60 }), fc.constantFrom(HOUR, DAY, 7 * DAY), (values, count, interval) => {
        const runs = Array.from({ length: count }, (_, i) => run(T0 + i * interval, values));
        const lastEnd = T0 + (count - 1) * interval + values.durationMs;
        expect(detectAnomalies({ job: 'j', runs, now: new Date(lastEnd + interval), expectedIntervalMs: interval })).toEqual([]);
      }),
    );
  });

  it('day-to-day wobble of ±5% never raises an anomaly', () => {
    fc.assert(
      fc.property(valuesArb, fc.array(fc.tuple(fc.double({ min: -0.05, max: 0.05, noNaN: true }), fc.double({ min: -0.05, max: 0.05, noNaN: true })), { minLength: 6, maxLength: 40 }), (base, wobble) => {
        const runs = wobble.map(([a, b], i) =>
          run(T0 + i * DAY, { bytesRead: Math.round(base.bytesRead * (1 + a)), bytesAdded: Math.round(base.bytesAdded * (1 + b)), durationMs: Math.round(base.durationMs * (1 + a)) }),
        );
        expect(detectAnomalies({ job: 'j', runs, now: new Date(T0 + (wobble.length - 1) * DAY + base.durationMs + HOUR), expectedIntervalMs: DAY })).toEqual([]);
      }),
    );
  });

  it('a tenfold jump in size after a steady history is always reported', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1e6, max: 1e12 }), fc.integer({ min: 5, max: 30 }), (bytes, history) => {
        const runs = daily(history + 1, (i) => ({ bytesRead: i === history ? bytes * 10 : bytes }));
        expect(sizeAnomalies('j', runs).map((a) => a.kind)).toContain('size-unusual');
      }),
    );
  });

  it('no row-count anomaly when no table lost rows', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.nat()), fc.nat(), (previous, extra) => {
        const current = Object.fromEntries(Object.entries(previous).map(([k, v]) => [k, v + extra]));
        expect(rowCountAnomaly({ source: 's', previous, current })).toBeNull();
      }),
    );
  });
});
