// Missed runs: after the machine was off, one catch-up run or none (by policy), never a burst; on-time runs always run.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCatchUp } from '../../electron/engine/jobs/catch-up.ts';
import { parseSchedule } from '../../electron/engine/jobs/schedule.ts';

const every3h = parseSchedule('every 3 hours', 'UTC');

describe('decideCatchUp', () => {
  // The machine ran the 21:00 job, was switched off at 23:30 and back on at 07:30: 00:00, 03:00 and 06:00 passed.
  const lastRun = new Date('2025-06-01T21:00:04Z');
  const bootedAt = new Date('2025-06-02T07:30:00Z');

  it('makes up a power-off of 8 hours across 3 scheduled times with exactly one run', () => {
    const decision = decideCatchUp({ schedule: every3h, since: lastRun, now: bootedAt, policy: 'catch-up' });
    expect(decision.due).toEqual({ scheduledFor: new Date('2025-06-02T06:00:00Z'), reason: 'catch-up' });
    expect(decision.missed).toBe(3);
    expect(decision.skipped).toBe(false);
    expect(decision.nextRun).toEqual(new Date('2025-06-02T09:00:00Z'));
  });

  it('runs nothing for the same power-off when the policy is skip, and says so', () => {
    const decision = decideCatchUp({ schedule: every3h, since: lastRun, now: bootedAt, policy: 'skip' });
    expect(decision.due).toBeUndefined();
    expect(decision.missed).toBe(3);
    expect(decision.skipped).toBe(true);
    expect(decision.nextRun).toEqual(new Date('2025-06-02T09:00:00Z'));
  });

  it('is satisfied once the catch-up run has started: no second run until the next scheduled time', () => {
    for (const minutes of [0, 1, 60, 89]) {
      const now = new Date(bootedAt.getTime() + minutes * 60_000);
      const decision = decideCatchUp({ schedule: every3h, since: bootedAt, now, policy: 'catch-up' });
      expect(decision.due).toBeUndefined();
      expect(decision.missed).toBe(0);
    }
  });

  it('runs a scheduled time reached a little late (within the grace period) whatever the policy', () => {
    for (const policy of ['catch-up', 'skip'] as const) {
      const decision = decideCatchUp({ schedule: every3h, since: lastRun, now: new Date('2025-06-02T00:00:40Z'), policy });
      expect(decision.due).toEqual({ scheduledFor: new Date('2025-06-02T00:00:00Z'), reason: 'on-time' });
      expect(decision.missed).toBe(0);
    }
  });

  it('folds older missed times into an on-time run instead of adding runs for them', () => {
    const decision = decideCatchUp({ schedule: every3h, since: lastRun, now: new Date('2025-06-02T06:00:10Z'), policy: 'catch-up' });
    expect(decision.due).toEqual({ scheduledFor: new Date('2025-06-02T06:00:00Z'), reason: 'on-time' });
    expect(decision.missed).toBe(2);
  });

  it('treats a time beyond the grace period as missed', () => {
    const now = new Date('2025-06-02T00:05:01Z');
    expect(decideCatchUp({ schedule: every3h, since: lastRun, now, policy: 'skip' }).due).toBeUndefined();
    expect(decideCatchUp({ schedule: every3h, since: lastRun, now, policy: 'skip', onTimeGraceMs: 10 * 60_000 }).due?.reason).toBe('on-time');
  });

  it('stops counting at 100 missed runs, quickly, for a minutely job off for a year', () => {
    const minutely = parseSchedule('every minute', 'UTC');
    const started = performance.now();
    const decision = decideCatchUp({ schedule: minutely, since: new Date('2024-01-01T00:00:00Z'), now: new Date('2025-01-01T00:00:30Z'), policy: 'catch-up' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(decision.missed).toBe(99);
    expect(decision.missedCapped).toBe(true);
    expect(decision.due?.scheduledFor).toEqual(new Date('2025-01-01T00:00:00Z'));
  });

  it('counts missed runs correctly across a DST change', () => {
    // Berlin springs forward on 2025-03-30; a 02:30 job then runs at 03:00. Off from the 28th to the 31st, 09:00.
    const schedule = parseSchedule('every day at 02:30', 'Europe/Berlin');
    const decision = decideCatchUp({ schedule, since: new Date('2025-03-28T02:00:00Z'), now: new Date('2025-03-31T07:00:00Z'), policy: 'catch-up' });
    expect(decision.missed).toBe(3);
    expect(decision.due).toEqual({ scheduledFor: new Date('2025-03-31T00:30:00Z'), reason: 'catch-up' });
  });

  it('property: never more than one due run, always for a time in (since, now], and the next run is after now', () => {
    const schedules = ['every 30 minutes', 'every day at 02:30', 'weekdays at 18:30', 'hourly from 8 to 18', '*/7 * * * *'].map((s) => parseSchedule(s, 'Europe/Berlin'));
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 3 * 24 * 60 }),
        fc.constantFrom('catch-up' as const, 'skip' as const),
        (schedule, since, offMinutes, policy) => {
          const now = new Date(since.getTime() + offMinutes * 60_000);
          const decision = decideCatchUp({ schedule, since, now, policy });
          if (decision.due !== undefined) {
            expect(decision.due.scheduledFor.getTime()).toBeGreaterThan(since.getTime());
            expect(decision.due.scheduledFor.getTime()).toBeLessThanOrEqual(now.getTime());
          }
          if (policy === 'skip') expect(decision.due?.reason).not.toBe('catch-up');
          if (decision.nextRun !== undefined) expect(decision.nextRun.getTime()).toBeGreaterThan(now.getTime());
          // Once a run for it has started, the same instant owes nothing more.
          expect(decideCatchUp({ schedule, since: now, now, policy }).due).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
  });
});
