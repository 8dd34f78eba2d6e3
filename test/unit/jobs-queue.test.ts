// The run queue, driven by a fake clock: ordering, one writer per repository, the global limit, retries, timeouts, cancel.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import { RunQueue, type RunContext, type RunOutcome, type RunRequest } from '../../electron/engine/jobs/queue.ts';
import { FakeClock, settle } from './jobs-fake-clock.ts';

interface Attempt {
  readonly context: RunContext;
  readonly startedAt: Date;
  resolve(value: string): void;
  reject(error: unknown): void;
}

/**
 * A queue whose run function waits for the test: each attempt is recorded and ends when the test resolves or rejects it.
 * By default an attempt rejects as soon as its signal aborts, as a well-behaved engine call does.
 */
function harness(options: { concurrency?: number; random?: () => number; stopOnAbort?: boolean } = {}) {
  const clock = new FakeClock('2025-06-02T00:00:00Z');
  const attempts: Attempt[] = [];
  const log: string[] = [];
  let nextId = 1;
  const queue = new RunQueue<string>({
    clock,
    concurrency: options.concurrency ?? 1,
    random: options.random ?? (() => 0.5),
    newId: () => `r${nextId++}`,
    run: (context) =>
      new Promise<string>((resolve, reject) => {
        attempts.push({ context, startedAt: clock.now(), resolve, reject });
        if (options.stopOnAbort !== false) {
          context.signal.addEventListener('abort', () => {
            reject(context.signal.reason as Error);
          });
        }
      }),
  });
  queue.on('queued', ({ run }) => log.push(`queued ${run.jobId}`));
  queue.on('started', ({ run, attempt }) => log.push(`started ${run.jobId}#${attempt}`));
  queue.on('retry-scheduled', ({ run, attempt, delayMs }) => log.push(`retry ${run.jobId}#${attempt} in ${delayMs}`));
  queue.on('finished', ({ outcome }) => log.push(`${outcome.state} ${outcome.run.jobId}`));

  const running = (): string[] => attempts.filter((a) => queue.list().some((v) => v.run.id === a.context.run.id && v.state === 'running' && v.attempt === a.context.attempt)).map((a) => a.context.run.jobId);
  const attemptOf = (jobId: string, n = 1): Attempt => {
    const found = attempts.filter((a) => a.context.run.jobId === jobId)[n - 1];
    if (found === undefined) throw new Error(`no attempt ${n} of ${jobId}; started: ${log.join(', ')}`);
    return found;
  };
  const startedJobs = (): string[] => attempts.map((a) => a.context.run.jobId);
  const enqueue = (jobId: string, request: Partial<RunRequest> = {}) => queue.enqueue({ jobId, repositories: [`repo-${jobId}`], trigger: 'scheduled', ...request });
  return { clock, queue, attempts, log, running, attemptOf, startedJobs, enqueue };
}

describe('RunQueue: order', () => {
  it('runs manual runs first, then by priority, then by scheduled time, first-come within equals', async () => {
    const h = harness();
    h.enqueue('blocker', { repositories: ['shared'] });
    await settle();
    const at = (time: string): Date => new Date(`2025-06-02T${time}Z`);
    h.enqueue('late', { scheduledFor: at('02:00') });
    h.enqueue('early', { scheduledFor: at('01:00') });
    h.enqueue('early-too', { scheduledFor: at('01:00') });
    h.enqueue('important', { scheduledFor: at('03:00'), priority: 5 });
    h.enqueue('by-hand', { trigger: 'manual' });
    h.enqueue('by-hand-later', { trigger: 'manual', priority: -10 });
    h.enqueue('caught-up', { trigger: 'catch-up', scheduledFor: at('00:30') });
    expect(h.queue.list().map((v) => v.run.jobId)).toEqual(['blocker', 'by-hand', 'by-hand-later', 'important', 'caught-up', 'early', 'early-too', 'late']);

    for (let i = 0; i < 8; i++) {
      h.attempts[i]!.resolve('ok');
      await settle();
    }
    expect(h.startedJobs()).toEqual(['blocker', 'by-hand', 'by-hand-later', 'important', 'caught-up', 'early', 'early-too', 'late']);
  });

  it('emits queued, started, progress and finished with the outcome', async () => {
    const h = harness();
    const progress: string[] = [];
    h.queue.on('progress', ({ run, progress: p }) => progress.push(`${run.id} ${p.phase} ${p.bytesDone}`));
    const handle = h.enqueue('a');
    await settle();
    h.attemptOf('a').context.reportProgress({ phase: 'backup', bytesDone: 42, itemsDone: 1 });
    h.attemptOf('a').resolve('snapshot 1234');
    const outcome = await handle.finished;
    expect(outcome).toMatchObject({ state: 'succeeded', result: 'snapshot 1234', attempts: 1, run: { id: 'r1', jobId: 'a', trigger: 'scheduled' } });
    expect(h.log).toEqual(['queued a', 'started a#1', 'succeeded a']);
    expect(progress).toEqual(['r1 backup 42']);
    // Progress reported after the attempt ended is not passed on.
    h.attemptOf('a').context.reportProgress({ phase: 'backup', bytesDone: 99, itemsDone: 2 });
    expect(progress).toHaveLength(1);
  });
});

describe('RunQueue: one writer per repository and a global limit', () => {
  it('never runs two runs that share a repository, and a run needing two repositories waits for both', async () => {
    const h = harness({ concurrency: 4 });
    const busy = new Set<string>();
    h.queue.on('started', ({ run }) => {
      for (const r of run.repositories) {
        expect(busy.has(r), `${run.jobId} started while ${r} was in use`).toBe(false);
        busy.add(r);
      }
    });
    h.queue.on('finished', ({ outcome }) => {
      for (const r of outcome.run.repositories) busy.delete(r);
    });
    h.enqueue('first-on-A', { repositories: ['A'] });
    h.enqueue('second-on-A', { repositories: ['A'] });
    h.enqueue('on-B', { repositories: ['B'] });
    h.enqueue('on-A-and-B', { repositories: ['A', 'B'] });
    h.enqueue('on-C', { repositories: ['C'] });
    await settle();
    expect(h.running()).toEqual(['first-on-A', 'on-B', 'on-C']);

    h.attemptOf('on-B').resolve('ok');
    await settle();
    // B is free, but A is not: the two-repository run keeps waiting.
    expect(h.running()).toEqual(['first-on-A', 'on-C']);

    h.attemptOf('first-on-A').resolve('ok');
    await settle();
    expect(h.running()).toEqual(['on-C', 'second-on-A']);

    h.attemptOf('second-on-A').resolve('ok');
    await settle();
    expect(h.running()).toEqual(['on-C', 'on-A-and-B']);
  });

  it('does not let later single-repository runs starve a run that needs two', async () => {
    const h = harness({ concurrency: 3 });
    h.enqueue('on-A', { repositories: ['A'] });
    h.enqueue('on-A-and-B', { repositories: ['A', 'B'] });
    h.enqueue('later-on-B', { repositories: ['B'] });
    h.enqueue('on-C', { repositories: ['C'] });
    await settle();
    // B is free, yet the run behind the two-repository run that needs it must not jump ahead; C is unaffected.
    expect(h.running()).toEqual(['on-A', 'on-C']);
    h.attemptOf('on-A').resolve('ok');
    await settle();
    expect(h.running()).toEqual(['on-C', 'on-A-and-B']);
    h.attemptOf('on-A-and-B').resolve('ok');
    await settle();
    expect(h.running()).toEqual(['on-C', 'later-on-B']);
  });

  it('keeps at most `concurrency` runs going and starts the next as one ends', async () => {
    const h = harness({ concurrency: 2 });
    let peak = 0;
    h.queue.on('started', () => {
      peak = Math.max(peak, h.queue.runningCount);
    });
    const handles = ['a', 'b', 'c', 'd', 'e'].map((id) => h.enqueue(id));
    await settle();
    expect(h.running()).toEqual(['a', 'b']);
    h.attemptOf('b').resolve('ok');
    await settle();
    expect(h.running()).toEqual(['a', 'c']);
    h.queue.setConcurrency(3);
    await settle();
    expect(h.running()).toEqual(['a', 'c', 'd']);
    for (const id of ['a', 'c', 'd']) h.attemptOf(id).resolve('ok');
    await settle();
    h.attemptOf('e').resolve('ok');
    const outcomes = await Promise.all(handles.map((x) => x.finished));
    expect(outcomes.map((o) => o.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(peak).toBe(3);
  });

  it('property: any mix of runs and repositories finishes every run once, within the limit, without sharing a repository', async () => {
    const repos = ['A', 'B', 'C', 'D'];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.subarray(repos, { minLength: 1 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        async (concurrency, requests, picks) => {
          const h = harness({ concurrency });
          const busy = new Set<string>();
          let violations = 0;
          h.queue.on('started', ({ run }) => {
            if (h.queue.runningCount > concurrency) violations++;
            for (const r of run.repositories) {
              if (busy.has(r)) violations++;
              busy.add(r);
            }
          });
          h.queue.on('finished', ({ outcome }) => {
            for (const r of outcome.run.repositories) busy.delete(r);
          });
          const handles = requests.map((repositories, i) => h.enqueue(`job${i}`, { repositories }));
          await settle();
          for (let step = 0; h.running().length > 0; step++) {
            const now = h.running();
            const jobId = now[(picks[step % picks.length] ?? 0) % now.length]!;
            h.attemptOf(jobId).resolve('ok');
            await settle();
          }
          const outcomes = await Promise.all(handles.map((x) => x.finished));
          expect(violations).toBe(0);
          expect(outcomes.every((o) => o.state === 'succeeded' && o.attempts === 1)).toBe(true);
          expect(h.startedJobs().sort()).toEqual(requests.map((_, i) => `job${i}`).sort());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('RunQueue: retries with backoff', () => {
  const backoff = { initialMs: 1_000, maxMs: 3_000, factor: 2 };

  it('retries a transient failure after jittered, growing, capped delays, then fails with the reason', async () => {
    const h = harness();
    const handle = h.enqueue('nas', { retries: 3, backoff });
    const t0 = h.clock.now().getTime();
    const fail = (): void => {
      h.attempts.at(-1)!.reject(new AirlockError('SOURCE_UNREACHABLE', 'The NAS at 10.0.0.5 does not answer.'));
    };
    await settle();
    fail();
    await settle();
    // With random 0.5 the delays are half the ceilings 1000, 2000, min(4000, 3000).
    await h.clock.advance(499);
    expect(h.attempts).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.attempts).toHaveLength(2);
    fail();
    await h.clock.advance(1_000);
    expect(h.attempts).toHaveLength(3);
    fail();
    await h.clock.advance(1_500);
    expect(h.attempts).toHaveLength(4);
    fail();
    const outcome = await handle.finished;
    expect(h.attempts.map((a) => a.startedAt.getTime() - t0)).toEqual([0, 500, 1_500, 3_000]);
    expect(h.attempts.map((a) => a.context.attempt)).toEqual([1, 2, 3, 4]);
    expect(outcome).toMatchObject({ state: 'failed', attempts: 4, code: 'SOURCE_UNREACHABLE', reason: 'The NAS at 10.0.0.5 does not answer.' });
    expect(h.log.filter((l) => l.startsWith('retry'))).toEqual(['retry nas#1 in 500', 'retry nas#2 in 1000', 'retry nas#3 in 1500']);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('succeeds on a later attempt', async () => {
    const h = harness();
    const handle = h.enqueue('db', { retries: 2, backoff });
    await settle();
    h.attemptOf('db', 1).reject(new AirlockError('REPO_LOCKED', 'Another process holds the repository lock.'));
    await h.clock.advance(500);
    h.attemptOf('db', 2).resolve('done');
    expect(await handle.finished).toMatchObject({ state: 'succeeded', result: 'done', attempts: 2 });
  });

  it('does not retry a failure that needs a person', async () => {
    const h = harness();
    const handle = h.enqueue('vault', { retries: 5, backoff });
    await settle();
    h.attemptOf('vault').reject(new AirlockError('WRONG_PASSPHRASE', 'The passphrase does not open this repository.'));
    expect(await handle.finished).toMatchObject({ state: 'failed', attempts: 1, code: 'WRONG_PASSPHRASE' });
    await h.clock.advance(60_000);
    expect(h.attempts).toHaveLength(1);
  });

  it('lets other runs use the repository while a run waits to retry, and keeps the retry ahead of later runs', async () => {
    const h = harness();
    h.enqueue('flaky', { repositories: ['A'], retries: 1, backoff });
    await settle();
    h.attemptOf('flaky').reject(new AirlockError('IO_ERROR', 'The drive hiccupped.'));
    h.enqueue('other', { repositories: ['A'] });
    h.enqueue('later', { repositories: ['A'] });
    await settle();
    expect(h.running()).toEqual(['other']);
    await h.clock.advance(500);
    expect(h.queue.list().map((v) => `${v.run.jobId}:${v.state}`)).toEqual(['other:running', 'flaky:queued', 'later:queued']);
    h.attemptOf('other').resolve('ok');
    await settle();
    expect(h.running()).toEqual(['flaky']);
  });
});

describe('RunQueue: timeouts', () => {
  it('aborts a run at its time limit, ends it timed-out without retrying, and frees the repository', async () => {
    const h = harness();
    const handle = h.enqueue('slow', { repositories: ['A'], timeoutMs: 60_000, retries: 3 });
    const next = h.enqueue('next', { repositories: ['A'] });
    await settle();
    await h.clock.advance(59_999);
    expect(h.attemptOf('slow').context.signal.aborted).toBe(false);
    await h.clock.advance(1);
    const signal = h.attemptOf('slow').context.signal;
    expect(signal.aborted).toBe(true);
    expect((signal.reason as AirlockError).code).toBe('TIMED_OUT');
    const outcome = await handle.finished;
    expect(outcome).toMatchObject({ state: 'timed-out', attempts: 1, timeoutMs: 60_000 });
    expect((outcome as Extract<RunOutcome<string>, { state: 'timed-out' }>).reason).toMatch(/time limit of 1min/);
    expect(h.running()).toEqual(['next']);
    h.attemptOf('next').resolve('ok');
    expect((await next.finished).state).toBe('succeeded');
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('clears the timer of a run that ends in time', async () => {
    const h = harness();
    const handle = h.enqueue('quick', { timeoutMs: 60_000 });
    await settle();
    h.attemptOf('quick').resolve('ok');
    expect((await handle.finished).state).toBe('succeeded');
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe('RunQueue: cancel', () => {
  it('cancels a queued run at once: it never starts, and the others go on', async () => {
    const h = harness();
    h.enqueue('a');
    const b = h.enqueue('b');
    h.enqueue('c');
    expect(h.queue.hasWaiting('b')).toBe(true);
    expect(h.queue.cancel(b.id)).toBe(true);
    expect(await b.finished).toMatchObject({ state: 'cancelled', attempts: 0 });
    expect(h.queue.hasWaiting('b')).toBe(false);
    await settle();
    h.attemptOf('a').resolve('ok');
    await settle();
    expect(h.startedJobs()).toEqual(['a', 'c']);
    expect(h.queue.cancel(b.id)).toBe(false);
  });

  it('aborts a running run, holds its repository until it has stopped, then ends it cancelled', async () => {
    const h = harness({ stopOnAbort: false });
    const a = h.enqueue('a', { repositories: ['A'], retries: 3 });
    h.enqueue('b', { repositories: ['A'] });
    await settle();
    h.queue.cancel(a.id, 'Stopped by the user.');
    const signal = h.attemptOf('a').context.signal;
    expect(signal.aborted).toBe(true);
    expect((signal.reason as AirlockError).code).toBe('CANCELLED');
    await settle();
    // The engine is still cleaning up (releasing its lock): the repository stays taken.
    expect(h.running()).toEqual(['a']);
    h.attemptOf('a').reject(signal.reason);
    expect(await a.finished).toMatchObject({ state: 'cancelled', attempts: 1, reason: 'Stopped by the user.' });
    await settle();
    expect(h.running()).toEqual(['b']);
  });

  it('cancels a run waiting to retry: no further attempt, no timer left', async () => {
    const h = harness();
    const handle = h.enqueue('flaky', { retries: 3 });
    await settle();
    h.attemptOf('flaky').reject(new AirlockError('SOURCE_UNREACHABLE', 'Down.'));
    await settle();
    expect(h.clock.pendingTimers).toBe(1);
    h.queue.cancel(handle.id);
    expect(await handle.finished).toMatchObject({ state: 'cancelled', attempts: 1 });
    expect(h.clock.pendingTimers).toBe(0);
    await h.clock.advance(3_600_000);
    expect(h.attempts).toHaveLength(1);
  });

  it('cancels everything of a job, or everything at shutdown', async () => {
    const h = harness({ concurrency: 2 });
    const handles = [h.enqueue('x'), h.enqueue('y'), h.enqueue('x', { repositories: ['other'] })];
    await settle();
    expect(h.queue.cancelJob('x')).toBe(2);
    // The running x is already stopping; only y is newly cancelled.
    expect(h.queue.cancelAll()).toBe(1);
    const outcomes = await Promise.all(handles.map((x) => x.finished));
    expect(outcomes.map((o) => o.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(h.queue.list()).toEqual([]);
  });

  it('does not start work for a run cancelled between being started and being called', async () => {
    const h = harness();
    h.queue.on('started', ({ run }) => h.queue.cancel(run.id));
    const handle = h.enqueue('a');
    expect((await handle.finished).state).toBe('cancelled');
    expect(h.attempts).toHaveLength(0);
  });
});

describe('RunQueue: validation', () => {
  it('refuses a zero limit, negative retries and a non-positive time limit', () => {
    const clock = new FakeClock('2025-01-01T00:00:00Z');
    const run = (): Promise<string> => Promise.resolve('ok');
    expect(() => new RunQueue({ clock, run, concurrency: 0 })).toThrow(/1 or more/);
    const queue = new RunQueue({ clock, run });
    expect(() => queue.enqueue({ jobId: 'a', repositories: [], trigger: 'manual', retries: -1 })).toThrow(/0 or more/);
    expect(() => queue.enqueue({ jobId: 'a', repositories: [], trigger: 'manual', timeoutMs: 0 })).toThrow(/positive/);
  });
});
