// The runs in progress: ids at once, progress with rate and ETA (throttled, the last report never lost), cancellation, and the end in words.

import { describe, expect, it } from 'vitest';
import type { EventName } from '../../shared/ipc/contract.ts';
import { ActiveRuns, type EngineEvents, type RunContext, type RunEnd } from '../../electron/engine/ipc/active-runs.ts';
import { AirlockError } from '../../electron/engine/errors.ts';
import { FakeClock, settle } from './jobs-fake-clock.ts';

interface Sent {
  readonly event: EventName;
  readonly payload: EngineEvents[EventName];
}

function setup(): { clock: FakeClock; runs: ActiveRuns; sent: Sent[] } {
  const clock = new FakeClock('2026-03-01T10:00:00Z');
  const sent: Sent[] = [];
  const runs = new ActiveRuns(clock, (event, payload) => {
    sent.push({ event, payload });
  });
  return { clock, runs, sent };
}

/** Work that waits until the test lets it finish, handing out its context meanwhile. */
function controlled(): { work: (c: RunContext) => Promise<RunEnd>; context: () => RunContext; finish: (end: RunEnd) => void; fail: (err: unknown) => void } {
  let ctx: RunContext | undefined;
  let resolveEnd: ((end: RunEnd) => void) | undefined;
  let rejectEnd: ((err: unknown) => void) | undefined;
  return {
    work: (c) => {
      ctx = c;
      return new Promise<RunEnd>((resolve, reject) => {
        resolveEnd = resolve;
        rejectEnd = reject;
        c.signal.addEventListener('abort', () => {
          reject(c.signal.reason instanceof Error ? c.signal.reason : new Error('aborted'));
        });
      });
    },
    context: () => {
      if (ctx === undefined) throw new Error('the work has not started');
      return ctx;
    },
    finish: (end) => resolveEnd?.(end),
    fail: (err) => rejectEnd?.(err),
  };
}

const states = (sent: readonly Sent[]): string[] => sent.filter((s) => s.event === 'run.state').map((s) => (s.payload as EngineEvents['run.state']).state);

describe('ActiveRuns', () => {
  it('answers with an id at once, reports queued then running, and ends with the summary', async () => {
    const { runs, sent } = setup();
    const w = controlled();
    const runId = runs.start('restore', 'Restore to /tmp/x', w.work);
    expect(runs.list()).toMatchObject([{ runId, kind: 'restore', state: 'running', progress: null }]);
    w.finish({ state: 'succeeded', summary: '3 files restored, all checksums match.' });
    await settle();
    expect(states(sent)).toEqual(['queued', 'running', 'succeeded']);
    expect(sent.find((s) => s.event === 'run.state' && (s.payload as EngineEvents['run.state']).state === 'succeeded')?.payload).toMatchObject({ runId, summary: '3 files restored, all checksums match.' });
    expect(sent.at(-1)?.event).toBe('status.changed');
    expect(runs.list()).toEqual([]);
  });

  it('computes the rate and the time left from bytes, and sends at most four reports a second', async () => {
    const { clock, runs, sent } = setup();
    const w = controlled();
    const runId = runs.start('backup', 'Back up Documents', w.work);
    await clock.advance(2000);
    w.context().progress({ phase: 'backup', bytesDone: 2_000_000, bytesTotal: 10_000_000, itemsDone: 4, current: 'a.txt' });
    w.context().progress({ phase: 'backup', bytesDone: 2_100_000, bytesTotal: 10_000_000, itemsDone: 5, current: 'b.txt' });
    const reports = sent.filter((s) => s.event === 'run.progress');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.payload).toEqual({ runId, kind: 'backup', title: 'Back up Documents', phase: 'backup', bytesDone: 2_000_000, bytesTotal: 10_000_000, itemsDone: 4, bytesPerSecond: 1_000_000, etaSeconds: 8, currentItem: 'a.txt' });
    // The one held back goes out before the end, so a bar never stops short.
    w.finish({ state: 'succeeded', summary: 'done' });
    await settle();
    const last = sent.filter((s) => s.event === 'run.progress').at(-1)?.payload;
    expect(last).toMatchObject({ bytesDone: 2_100_000, currentItem: 'b.txt' });
  });

  it('estimates the time left from items when the bytes to go are unknown', async () => {
    const { clock, runs, sent } = setup();
    const w = controlled();
    runs.start('check', 'Check', w.work);
    await clock.advance(10_000);
    w.context().progress({ phase: 'check', bytesDone: 0, itemsDone: 25, itemsTotal: 100 });
    expect(sent.find((s) => s.event === 'run.progress')?.payload).toMatchObject({ etaSeconds: 30 });
  });

  it('cancels through the signal and reports cancelled, not failed', async () => {
    const { runs, sent } = setup();
    const w = controlled();
    const runId = runs.start('restore', 'Restore', w.work);
    expect(runs.cancel(runId)).toBe(true);
    expect(w.context().signal.reason).toBeInstanceOf(AirlockError);
    await settle();
    expect(states(sent).at(-1)).toBe('cancelled');
    expect(runs.cancel(runId)).toBe(false);
    expect(runs.cancel('no-such-run')).toBe(false);
  });

  it('lets a closing engine wait until every cancelled operation has ended', async () => {
    const { runs } = setup();
    const w = controlled();
    runs.start('check', 'Check', w.work);
    let settled = false;
    const waiting = runs.settled().then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    runs.cancelAll('Airlock is closing.');
    await waiting;
    expect(runs.list()).toEqual([]);
  });

  it('says what went wrong for an AirlockError and nothing internal for anything else', async () => {
    const { runs, sent } = setup();
    const a = controlled();
    runs.start('restore', 'Restore', a.work);
    a.fail(new AirlockError('DISK_FULL', 'The disk is full while restoring. Free up space.'));
    const b = controlled();
    runs.start('restore', 'Restore', b.work);
    b.fail(new Error('EBADF: internal detail /tmp/.airlock-restore-xyz'));
    await settle();
    const ends = sent.filter((s) => s.event === 'run.state' && (s.payload as EngineEvents['run.state']).state === 'failed').map((s) => (s.payload as EngineEvents['run.state']).message);
    expect(ends[0]).toBe('The disk is full while restoring. Free up space.');
    expect(ends[1]).not.toContain('EBADF');
    expect(ends[1]).toContain('Something unexpected went wrong');
  });

  it('follows a run driven elsewhere and cancels it through the given function', () => {
    const { runs, sent } = setup();
    const cancelled: string[] = [];
    runs.follow({ runId: 'q1', kind: 'backup', title: 'Back up Office', jobId: 'office', cancel: (reason) => cancelled.push(reason) > 0 });
    runs.setState('q1', 'running');
    expect(runs.list()).toMatchObject([{ runId: 'q1', jobId: 'office', state: 'running' }]);
    expect(runs.cancel('q1')).toBe(true);
    expect(cancelled).toEqual(['The run was cancelled.']);
    runs.end('q1', 'cancelled', { message: 'The run was cancelled.' });
    expect(states(sent)).toEqual(['queued', 'running', 'cancelled']);
    expect(runs.list()).toEqual([]);
  });
});
