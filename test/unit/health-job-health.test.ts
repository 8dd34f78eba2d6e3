// Job health from synthetic run histories: steady, growing, failing, late, partial and never-run jobs, and state invariants.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../electron/engine/catalog/runs.ts';
import { jobHealth, latenessOf } from '../../electron/engine/health/job-health.ts';
import { runSampleOf } from '../../electron/engine/health/run-sample.ts';
import { DAY, HOUR, MINUTE, T0, daily, run } from '../helpers/run-samples.ts';

const diskFull = {
  status: 'failed',
  errorCode: 'DISK_FULL',
  errorMessage: 'The disk is full while writing to the repository. Free up space or use a larger drive, then run the command again.',
} as const;

describe('job health', () => {
  it('steady daily backups are ok, with flat trends and a duration estimate', () => {
    const runs = daily(30);
    const now = new Date(T0 + 29 * DAY + 20 * MINUTE + 2 * HOUR);
    const h = jobHealth({ job: 'Documents', runs, now, expectedIntervalMs: DAY });
    expect(h.state).toBe('ok');
    expect(h.reasons).toEqual([{ code: 'healthy', severity: 'ok', message: 'Last backup succeeded 2 hours ago' }]);
    expect(h.successRate).toEqual({ succeeded: 20, attempts: 20, rate: 1 });
    expect(h.lastSuccessAt).toEqual(new Date(T0 + 29 * DAY + 20 * MINUTE));
    expect(h.estimatedDurationMs).toBe(20 * MINUTE);
    expect(h.durationTrend?.perDay).toBe(0);
    expect(h.sizeTrend?.perDay).toBe(0);
    expect(h.lateness).toBe('on-time');
    expect(h.consecutiveFailures).toBe(0);
  });

  it('measures a source growing by 1 GB a day and runs getting a minute slower each day', () => {
    const runs = daily(30, (i) => ({ bytesRead: 50e9 + i * 1e9, durationMs: 20 * MINUTE + i * MINUTE }));
    const h = jobHealth({ job: 'Documents', runs, now: new Date(T0 + 30 * DAY) });
    expect(h.sizeTrend!.perDay).toBeCloseTo(1e9, -3);
    expect(h.durationTrend!.perDay).toBeCloseTo(MINUTE, 0);
    // The median of the last 5 runs: days 25..29 → 45..49 minutes.
    expect(h.estimatedDurationMs).toBe(47 * MINUTE);
  });

  it('a job failing for 3 days is failing, says why, and says how late it is', () => {
    const runs = [...daily(10), ...Array.from({ length: 3 }, (_, i) => run(T0 + (10 + i) * DAY, { ...diskFull, durationMs: 5 * MINUTE }))];
    // An hour after the third failure ended.
    const now = new Date(T0 + 12 * DAY + 5 * MINUTE + HOUR);
    const h = jobHealth({ job: 'Accounts', runs, now, expectedIntervalMs: DAY });
    expect(h.state).toBe('failing');
    expect(h.consecutiveFailures).toBe(3);
    expect(h.reasons).toEqual([
      {
        code: 'repeated-failures',
        severity: 'failing',
        message: 'The last 3 backups did not succeed; the most recent failed 1 hour ago',
        errorCode: 'DISK_FULL',
        detail: diskFull.errorMessage,
      },
      { code: 'overdue', severity: 'failing', message: 'No successful backup in 3 days (expected every day)' },
      { code: 'low-success-rate', severity: 'warning', message: 'Only 10 of the last 13 backups succeeded' },
    ]);
  });

  it('one failed run is a warning, not yet failing', () => {
    const runs = [...daily(10), run(T0 + 10 * DAY, { ...diskFull, durationMs: MINUTE })];
    const h = jobHealth({ job: 'Accounts', runs, now: new Date(T0 + 10 * DAY + 3 * HOUR), expectedIntervalMs: DAY });
    expect(h.state).toBe('warning');
    expect(h.reasons.map((r) => [r.code, r.message])).toEqual([['last-failed', 'The last backup failed 3 hours ago']]);
  });

  it('an interrupted run counts as a failure and says what interrupts runs', () => {
    const runs = [...daily(5), run(T0 + 5 * DAY, { status: 'interrupted', finishedAt: null, durationMs: null })];
    const h = jobHealth({ job: 'Accounts', runs, now: new Date(T0 + 5 * DAY + 2 * HOUR) });
    expect(h.state).toBe('warning');
    expect(h.reasons[0]?.message).toBe('The last backup was interrupted 2 hours ago (the computer shut down or Airlock stopped)');
  });

  it('a cancelled run is neither a success nor a failure', () => {
    const runs = [...daily(5), run(T0 + 5 * DAY, { status: 'cancelled' })];
    const h = jobHealth({ job: 'Photos', runs, now: new Date(T0 + 5 * DAY + HOUR), expectedIntervalMs: DAY });
    expect(h.state).toBe('ok');
    expect(h.consecutiveFailures).toBe(0);
    expect(h.successRate).toEqual({ succeeded: 5, attempts: 5, rate: 1 });
    expect(h.lastRun?.status).toBe('cancelled');
  });

  it('a machine that was off for 40 hours makes a daily job late (warning), 3 days makes it failing', () => {
    const runs = daily(5);
    const lastEnd = T0 + 4 * DAY + 20 * MINUTE;
    const late = jobHealth({ job: 'Photos', runs, now: new Date(lastEnd + 40 * HOUR), expectedIntervalMs: DAY });
    expect(late.state).toBe('warning');
    expect(late.reasons).toEqual([{ code: 'overdue', severity: 'warning', message: 'No successful backup in 40 hours (expected every day)' }]);
    const veryLate = jobHealth({ job: 'Photos', runs, now: new Date(lastEnd + 3 * DAY + HOUR), expectedIntervalMs: DAY });
    expect(veryLate.state).toBe('failing');
    // Without a schedule to compare with, age alone is not judged.
    expect(jobHealth({ job: 'Photos', runs, now: new Date(lastEnd + 30 * DAY) }).state).toBe('ok');
  });

  it('a run that skipped unreadable files is a warning with the count', () => {
    const runs = [...daily(5), run(T0 + 5 * DAY, { status: 'partial', warnings: 3 })];
    const h = jobHealth({ job: 'Shared folder', runs, now: new Date(T0 + 5 * DAY + HOUR) });
    expect(h.state).toBe('warning');
    expect(h.lastSuccessAt).toEqual(new Date(T0 + 5 * DAY + 20 * MINUTE));
    expect(h.reasons).toEqual([
      { code: 'partial', severity: 'warning', message: 'The last backup finished, but some items could not be read and were left out (3 warnings)' },
    ]);
  });

  it('a job that keeps failing half the time is a warning even when the latest run worked', () => {
    const runs = daily(10, (i) => (i % 2 === 0 ? diskFull : {}));
    const h = jobHealth({ job: 'Mail', runs, now: new Date(T0 + 9 * DAY + HOUR) });
    expect(h.state).toBe('warning');
    expect(h.reasons.map((r) => r.message)).toEqual(['Only 5 of the last 10 backups succeeded']);
  });

  it('never run, first run running, and never succeeded', () => {
    const now = new Date(T0);
    const fresh = jobHealth({ job: 'Shop database', runs: [], now });
    expect(fresh.state).toBe('never-run');
    expect(fresh.reasons).toEqual([{ code: 'never-run', severity: 'warning', message: 'This job has not run yet, so nothing is protected by it' }]);

    const first = jobHealth({ job: 'Shop database', runs: [run(T0 - MINUTE, { status: 'running', finishedAt: null, durationMs: null })], now });
    expect(first.state).toBe('never-run');
    expect(first.running).toBe(true);
    expect(first.reasons[0]?.message).toBe('The first backup is running now');

    const broken = jobHealth({
      job: 'Shop database',
      runs: [run(T0 - 2 * HOUR, { status: 'failed', errorCode: 'SOURCE_AUTH_FAILED', errorMessage: 'The database refused the password.', durationMs: 0 })],
      now,
    });
    expect(broken.state).toBe('failing');
    expect(broken.reasons[0]).toMatchObject({
      code: 'never-succeeded',
      message: 'No backup has succeeded yet; the last attempt failed 2 hours ago',
      errorCode: 'SOURCE_AUTH_FAILED',
      detail: 'The database refused the password.',
    });
  });

  it('estimates the next run from the median of the last five successes, so one slow run does not skew it', () => {
    const durations = [20, 21, 19, 180, 22].map((m) => m * MINUTE);
    const runs = durations.map((durationMs, i) => run(T0 + i * DAY, { durationMs }));
    expect(jobHealth({ job: 'x', runs, now: new Date(T0 + 5 * DAY) }).estimatedDurationMs).toBe(21 * MINUTE);
  });

  it('maps the catalog’s run rows', () => {
    const row: Run = {
      id: 7,
      kind: 'backup',
      repositoryLocation: '/mnt/usb',
      repositoryId: 'r1',
      jobId: 'docs',
      source: '~/Documents',
      startedAt: new Date(T0),
      finishedAt: new Date(T0 + MINUTE),
      durationMs: MINUTE,
      status: 'partial',
      snapshotId: 's1',
      stats: { bytesRead: 100, bytesAdded: 10, filesNew: 1, filesChanged: 0, filesUnmodified: 3 },
      warnings: ['a', 'b'],
      error: null,
    };
    expect(runSampleOf(row)).toEqual({
      startedAt: new Date(T0),
      finishedAt: new Date(T0 + MINUTE),
      status: 'partial',
      durationMs: MINUTE,
      bytesRead: 100,
      bytesAdded: 10,
      warnings: 2,
      errorCode: null,
      errorMessage: null,
    });
  });

  it('lateness thresholds are 1.5 and 3 intervals', () => {
    const last = new Date(T0);
    expect(latenessOf(last, new Date(T0 + 1.5 * DAY), DAY)).toBe('on-time');
    expect(latenessOf(last, new Date(T0 + 1.5 * DAY + 1), DAY)).toBe('late');
    expect(latenessOf(last, new Date(T0 + 3 * DAY + 1), DAY)).toBe('very-late');
    expect(latenessOf(null, new Date(T0 + 30 * DAY), DAY)).toBe('on-time');
  });
});

describe('job health invariants', () => {
  const statusArb = fc.constantFrom('ok', 'partial', 'failed', 'cancelled', 'interrupted', 'running' as const);
  const historyArb = fc.array(fc.record({ day: fc.integer({ min: 0, max: 60 }), status: statusArb }), { maxLength: 40 });

  it('the state is never-run exactly when no run has finished, and never ok right after a failure', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 5 * DAY }), (history, after) => {
        const runs = history.map(({ day, status }, i) => run(T0 + day * DAY + i * MINUTE, { status }));
        const h = jobHealth({ job: 'j', runs, now: new Date(T0 + 61 * DAY + after), expectedIntervalMs: DAY });
        const finished = runs.filter((r) => r.status !== 'running');
        expect(h.state === 'never-run').toBe(finished.length === 0);
        const newestAttempt = [...finished].filter((r) => r.status !== 'cancelled').sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];
        if (newestAttempt?.status === 'failed' || newestAttempt?.status === 'interrupted') expect(h.state).not.toBe('ok');
        expect(h.reasons.length).toBeGreaterThan(0);
        for (const reason of h.reasons) expect(reason.message).not.toMatch(/undefined|NaN|null/);
      }),
    );
  });

  it('a job that succeeds on schedule is always ok', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(HOUR, 4 * HOUR, DAY, 7 * DAY),
        fc.double({ min: 0, max: 1.4, noNaN: true }),
        (count, interval, fraction) => {
          const runs = Array.from({ length: count }, (_, i) => run(T0 + i * interval, { durationMs: MINUTE }));
          const lastEnd = T0 + (count - 1) * interval + MINUTE;
          const h = jobHealth({ job: 'j', runs, now: new Date(lastEnd + fraction * interval), expectedIntervalMs: interval });
          expect(h.state).toBe('ok');
        },
      ),
    );
  });
});
