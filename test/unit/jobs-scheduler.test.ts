// The scheduler over a real queue and a fake clock: once per due time, catch-up after power-off or sleep, pause, edits, DST.

import { describe, expect, it } from 'vitest';
import { parseJob, type Job, type JobInput } from '../../electron/engine/jobs/job.ts';
import { RunQueue, type RunTrigger } from '../../electron/engine/jobs/queue.ts';
import { Scheduler, type SchedulerEvents } from '../../electron/engine/jobs/scheduler.ts';
import { FakeClock, settle } from './jobs-fake-clock.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;

function job(id: string, fields: Partial<JobInput> = {}): Job {
  return parseJob({ id, name: id, sources: ['/srv/data'], repositories: [`/backups/${id}`], schedule: 'hourly', timeZone: 'UTC', ...fields });
}

interface Started {
  readonly jobId: string;
  readonly trigger: RunTrigger;
  readonly scheduledFor: string;
  readonly startedAt: string;
}

/** A scheduler over a real queue; each run records its start as the job's last run, as the catalog would. */
function harness(start: string, jobs: Job[], options: { lastRuns?: Record<string, string>; runMs?: number; concurrency?: number; recheckMs?: number; recordRuns?: boolean } = {}) {
  const clock = new FakeClock(start);
  const lastRuns = new Map(Object.entries(options.lastRuns ?? {}).map(([id, time]) => [id, new Date(time)]));
  const state = { jobs };
  const started: Started[] = [];
  const queue = new RunQueue<string>({
    clock,
    concurrency: options.concurrency ?? 4,
    run: ({ run }) => {
      if (options.recordRuns !== false) lastRuns.set(run.jobId, clock.now());
      started.push({ jobId: run.jobId, trigger: run.trigger, scheduledFor: run.scheduledFor.toISOString(), startedAt: clock.now().toISOString() });
      const runMs = options.runMs ?? 0;
      if (runMs === 0) return Promise.resolve('ok');
      return new Promise<string>((resolve) => {
        clock.setTimeout(() => {
          resolve('ok');
        }, runMs);
      });
    },
  });
  const scheduler = new Scheduler({ jobs: { listJobs: () => state.jobs, lastRun: (id) => lastRuns.get(id) }, queue, clock, ...(options.recheckMs === undefined ? {} : { recheckMs: options.recheckMs }) });
  const missed: SchedulerEvents['missed'][] = [];
  scheduler.on('missed', (event) => missed.push(event));
  const coalesced: string[] = [];
  scheduler.on('coalesced', ({ jobId, scheduledFor }) => coalesced.push(`${jobId} ${scheduledFor.toISOString()}`));
  const scheduledTimes = (jobId: string): string[] => started.filter((s) => s.jobId === jobId).map((s) => s.scheduledFor);
  return { clock, queue, scheduler, started, missed, coalesced, lastRuns, state, scheduledTimes };
}

const utc = (time: string): string => new Date(time).toISOString();

describe('Scheduler: due times', () => {
  it('queues each due time exactly once, at that time, however often it looks', async () => {
    const h = harness('2025-06-02T00:10:00Z', [job('hourly')], { lastRuns: { hourly: '2025-06-02T00:00:00Z' } });
    h.scheduler.start();
    await settle();
    expect(h.started).toEqual([]);
    await h.clock.advanceTo('2025-06-02T01:00:30Z');
    // Extra looks, as after job edits or finished runs, must not queue the 01:00 run again.
    h.scheduler.refresh();
    h.scheduler.refresh();
    await h.clock.advanceTo('2025-06-02T05:30:00Z');
    expect(h.started.map((s) => `${s.trigger} ${s.scheduledFor} @ ${s.startedAt}`)).toEqual(
      [1, 2, 3, 4, 5].map((hour) => {
        const at = `2025-06-02T0${hour}:00:00.000Z`;
        return `scheduled ${at} @ ${at}`;
      }),
    );
    expect(h.scheduler.nextRunOf('hourly')?.toISOString()).toBe(utc('2025-06-02T06:00:00Z'));
  });

  it('queues each due time once even when the history it reads lags behind (a run is recorded only when it ends)', async () => {
    const h = harness('2025-06-02T00:10:00Z', [job('slow')], { lastRuns: { slow: '2025-06-02T00:00:00Z' }, recordRuns: false, runMs: 20 * MINUTE });
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T01:15:00Z');
    h.scheduler.refresh();
    await h.clock.advanceTo('2025-06-02T03:30:00Z');
    expect(h.scheduledTimes('slow')).toEqual([utc('2025-06-02T01:00:00Z'), utc('2025-06-02T02:00:00Z'), utc('2025-06-02T03:00:00Z')]);
  });

  it('starts with nothing to make up for a job it has never seen run and that has no creation time', async () => {
    const h = harness('2025-06-02T00:30:00Z', [job('new')]);
    h.scheduler.start();
    await settle();
    expect(h.started).toEqual([]);
    await h.clock.advanceTo('2025-06-02T01:00:00Z');
    expect(h.scheduledTimes('new')).toEqual([utc('2025-06-02T01:00:00Z')]);
  });

  it('counts from the creation time of a job that never ran', async () => {
    const h = harness('2025-06-02T07:30:00Z', [job('created', { schedule: 'every day at 02:00', createdAt: '2025-06-01T12:00:00Z' })]);
    h.scheduler.start();
    await settle();
    expect(h.started).toMatchObject([{ trigger: 'catch-up', scheduledFor: utc('2025-06-02T02:00:00Z') }]);
  });

  it('arms a single timer for the earliest next run and rearms after job edits', async () => {
    const jobs = [job('daily', { schedule: 'every day at 02:00' })];
    const h = harness('2025-06-02T00:10:00Z', jobs, { recheckMs: 24 * HOUR });
    const armed: (string | undefined)[] = [];
    h.scheduler.on('armed', ({ nextRun }) => armed.push(nextRun?.toISOString()));
    h.scheduler.start();
    expect(h.clock.nextDue()?.toISOString()).toBe(utc('2025-06-02T02:00:00Z'));
    expect(h.clock.pendingTimers).toBe(1);

    h.state.jobs = [job('daily', { schedule: 'every 30 minutes' }), job('weekly', { schedule: 'every monday at 01:00' })];
    h.scheduler.refresh();
    expect(h.clock.nextDue()?.toISOString()).toBe(utc('2025-06-02T00:30:00Z'));
    expect(h.clock.pendingTimers).toBe(1);
    expect(armed).toEqual([utc('2025-06-02T02:00:00Z'), utc('2025-06-02T00:30:00Z')]);
    await h.clock.advanceTo('2025-06-02T01:00:00Z');
    expect(h.started.map((s) => `${s.jobId} ${s.startedAt}`)).toEqual([`daily ${utc('2025-06-02T00:30:00Z')}`, `daily ${utc('2025-06-02T01:00:00Z')}`, `weekly ${utc('2025-06-02T01:00:00Z')}`]);

    h.state.jobs = [];
    h.scheduler.refresh();
    expect(h.scheduler.nextRunOf('daily')).toBeUndefined();
    await h.clock.advance(24 * HOUR);
    expect(h.started).toHaveLength(3);
  });

  it('leaves out a job whose stored schedule no longer parses, says so once, and runs the others', async () => {
    const broken: Job = { ...job('broken'), schedule: 'every blue moon' };
    const h = harness('2025-06-02T00:10:00Z', [broken, job('fine')]);
    const invalid: string[] = [];
    h.scheduler.on('invalid', ({ jobId, reason }) => invalid.push(`${jobId}: ${reason}`));
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T02:30:00Z');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatch(/^broken: "every blue moon" is not a schedule Airlock understands/);
    expect(h.started.map((s) => s.jobId)).toEqual(['fine', 'fine']);
  });

  it('stops cleanly: no timer left, nothing queued afterwards', async () => {
    const h = harness('2025-06-02T00:10:00Z', [job('hourly')]);
    h.scheduler.start();
    h.scheduler.stop();
    expect(h.clock.pendingTimers).toBe(0);
    await h.clock.advance(5 * HOUR);
    expect(h.started).toEqual([]);
  });
});

describe('Scheduler: missed runs', () => {
  // Ran at 21:00, switched off at 23:30, switched on at 07:30: 00:00, 03:00 and 06:00 passed.
  const lastRuns = { nas: '2025-06-01T21:00:04Z' };

  it('makes up an 8-hour power-off with exactly one catch-up run, then runs on schedule', async () => {
    const h = harness('2025-06-02T07:30:00Z', [job('nas', { schedule: 'every 3 hours' })], { lastRuns });
    h.scheduler.start();
    await settle();
    expect(h.started).toEqual([{ jobId: 'nas', trigger: 'catch-up', scheduledFor: utc('2025-06-02T06:00:00Z'), startedAt: utc('2025-06-02T07:30:00Z') }]);
    expect(h.missed).toEqual([{ jobId: 'nas', count: 3, capped: false, action: 'caught-up' }]);
    await h.clock.advanceTo('2025-06-02T12:30:00Z');
    expect(h.started.map((s) => `${s.trigger} ${s.startedAt}`)).toEqual([`catch-up ${utc('2025-06-02T07:30:00Z')}`, `scheduled ${utc('2025-06-02T09:00:00Z')}`, `scheduled ${utc('2025-06-02T12:00:00Z')}`]);
  });

  it('runs nothing for the same power-off when the job skips missed runs, and reports it', async () => {
    const h = harness('2025-06-02T07:30:00Z', [job('nas', { schedule: 'every 3 hours', missedRuns: 'skip' })], { lastRuns });
    h.scheduler.start();
    await settle();
    expect(h.started).toEqual([]);
    expect(h.missed).toEqual([{ jobId: 'nas', count: 3, capped: false, action: 'skipped' }]);
    await h.clock.advanceTo('2025-06-02T09:30:00Z');
    expect(h.started.map((s) => `${s.trigger} ${s.startedAt}`)).toEqual([`scheduled ${utc('2025-06-02T09:00:00Z')}`]);
  });

  it('makes up a sleep of the running machine with one run when it wakes', async () => {
    const h = harness('2025-06-01T20:00:00Z', [job('nas', { schedule: 'every 3 hours' })]);
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-01T21:30:00Z');
    expect(h.started).toHaveLength(1);
    // Asleep from 21:30 to 07:30: the wall clock jumps, timers fire late.
    await h.clock.jump(10 * HOUR);
    expect(h.started.slice(1)).toEqual([{ jobId: 'nas', trigger: 'catch-up', scheduledFor: utc('2025-06-02T06:00:00Z'), startedAt: utc('2025-06-02T07:30:00Z') }]);
    await h.clock.advance(HOUR);
    expect(h.started).toHaveLength(2);
  });

  it('never piles up runs of a job whose runs outlast its interval', async () => {
    const h = harness('2025-06-02T00:00:00Z', [job('busy', { schedule: 'every 30 minutes' })], { runMs: 75 * MINUTE });
    let mostWaiting = 0;
    h.queue.on('queued', () => {
      mostWaiting = Math.max(mostWaiting, h.queue.list().filter((v) => v.run.jobId === 'busy' && v.state !== 'running').length);
    });
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T06:00:00Z');
    expect(mostWaiting).toBe(1);
    expect(h.coalesced.length).toBeGreaterThan(0);
    // Back to back, never two at once: each run starts when the previous one ends.
    const starts = h.started.map((s) => Date.parse(s.startedAt));
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(75 * MINUTE);
    expect(starts.length).toBe(5);
  });
});

describe('Scheduler: pause and resume', () => {
  it('runs nothing for a paused job and does not make up the paused time on resume', async () => {
    const h = harness('2025-06-02T00:30:00Z', [job('a'), job('b')], { lastRuns: { a: '2025-06-02T00:00:00Z', b: '2025-06-02T00:00:00Z' } });
    h.scheduler.start();
    h.scheduler.pause('a');
    expect(h.scheduler.isPaused('a')).toBe(true);
    expect(h.scheduler.nextRunOf('a')).toBeUndefined();
    await h.clock.advanceTo('2025-06-02T03:30:00Z');
    expect(h.scheduledTimes('a')).toEqual([]);
    expect(h.scheduledTimes('b')).toHaveLength(3);
    h.scheduler.resume('a');
    await settle();
    expect(h.scheduledTimes('a')).toEqual([]);
    await h.clock.advanceTo('2025-06-02T04:00:00Z');
    expect(h.scheduledTimes('a')).toEqual([utc('2025-06-02T04:00:00Z')]);
  });

  it('pauses and resumes everything at once', async () => {
    const h = harness('2025-06-02T00:30:00Z', [job('a'), job('b')]);
    h.scheduler.start();
    h.scheduler.pauseAll();
    await h.clock.advanceTo('2025-06-02T02:30:00Z');
    expect(h.started).toEqual([]);
    h.scheduler.resumeAll();
    await h.clock.advanceTo('2025-06-02T03:00:00Z');
    expect(h.started.map((s) => `${s.jobId} ${s.scheduledFor}`)).toEqual([`a ${utc('2025-06-02T03:00:00Z')}`, `b ${utc('2025-06-02T03:00:00Z')}`]);
  });

  it('honours the paused flag of the job definition, and starts fresh when it is cleared', async () => {
    const h = harness('2025-06-02T00:30:00Z', [job('a', { paused: true })], { lastRuns: { a: '2025-06-01T00:00:00Z' } });
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T02:30:00Z');
    expect(h.started).toEqual([]);
    h.state.jobs = [job('a')];
    h.scheduler.refresh();
    await h.clock.advanceTo('2025-06-02T03:00:00Z');
    expect(h.scheduledTimes('a')).toEqual([utc('2025-06-02T03:00:00Z')]);
  });
});

describe('Scheduler: manual runs', () => {
  it('puts a run by hand ahead of scheduled runs waiting for the same limit', async () => {
    const h = harness('2025-06-02T00:59:00Z', [job('a'), job('b'), job('c')], { concurrency: 1, runMs: 10 * MINUTE, lastRuns: { a: '2025-06-02T00:00:00Z', b: '2025-06-02T00:00:00Z', c: '2025-06-02T00:00:00Z' } });
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T01:00:00Z');
    expect(h.started.map((s) => s.jobId)).toEqual(['a']);
    h.scheduler.runNow(job('c'));
    await h.clock.advanceTo('2025-06-02T01:30:00Z');
    expect(h.started.map((s) => `${s.jobId} ${s.trigger}`)).toEqual(['a scheduled', 'c manual', 'b scheduled', 'c scheduled']);
  });
});

describe('Scheduler: daylight saving time', () => {
  for (const [zone, from, to] of [
    ['Europe/Berlin', '2025-03-27T00:00:00Z', '2025-04-02T00:00:00Z'],
    ['Europe/Berlin', '2025-10-23T00:00:00Z', '2025-10-29T00:00:00Z'],
    ['America/New_York', '2025-03-06T00:00:00Z', '2025-03-12T00:00:00Z'],
    ['America/New_York', '2025-10-30T00:00:00Z', '2025-11-05T00:00:00Z'],
  ] as const) {
    it(`runs a 02:30 job once per local day in ${zone} from ${from.slice(0, 10)} to ${to.slice(0, 10)}`, async () => {
      const h = harness(from, [job('nightly', { schedule: 'every day at 02:30', timeZone: zone })], { recheckMs: HOUR });
      h.scheduler.start();
      await h.clock.advanceTo(to);
      const days = h.started.map((s) => new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short' }).format(new Date(s.startedAt)));
      expect(days.length).toBeGreaterThanOrEqual(5);
      expect(new Set(days).size).toBe(days.length);
      expect(h.started.every((s) => s.trigger === 'scheduled' && s.startedAt === s.scheduledFor)).toBe(true);
    });
  }
});
