// A job's health from its run history: last success, success rate, trends, the next run's likely duration, and a state with reasons.

import { endedAt, failed, newestFirst, succeeded, type RunSample } from './run-sample.ts';
import { median, trendPerDay, type Trend } from './statistics.ts';
import { defaultLocale, formatAgo, formatCount, formatEvery, formatSpan, plural } from './wording.ts';

export type JobState = 'ok' | 'warning' | 'failing' | 'never-run';
export type ReasonSeverity = 'ok' | 'warning' | 'failing';

export type JobReasonCode =
  | 'healthy'
  | 'never-run'
  | 'first-run-running'
  | 'never-succeeded'
  | 'only-cancelled'
  | 'last-failed'
  | 'repeated-failures'
  | 'overdue'
  | 'partial'
  | 'low-success-rate';

export interface JobReason {
  readonly code: JobReasonCode;
  readonly severity: ReasonSeverity;
  readonly message: string;
  /** The failing run's error code (e.g. DISK_FULL), so that a caller can suggest the right fix. */
  readonly errorCode?: string;
  /** The failing run's own error sentence, shown under the message. */
  readonly detail?: string;
}

export interface SuccessRate {
  readonly succeeded: number;
  /** Finished runs that were meant to make a snapshot; cancelled runs are not counted. */
  readonly attempts: number;
  readonly rate: number;
}

/** How late the job is against its schedule: late past 1.5 intervals, very late past 3. */
export type Lateness = 'on-time' | 'late' | 'very-late';

export const lateAfterIntervals = 1.5;
export const veryLateAfterIntervals = 3;

export interface JobHealthInput {
  /** The job's name as the person knows it, used in messages. */
  readonly job: string;
  /** This job's backup runs, in any order. */
  readonly runs: readonly RunSample[];
  readonly now: Date;
  /** How often the schedule runs the job; without it, lateness is not judged. */
  readonly expectedIntervalMs?: number;
  /** How many recent runs the success rate and trends look at. Default 20. */
  readonly window?: number;
  /** Consecutive failures that make the job "failing" rather than "warning". Default 2. */
  readonly failingAfterFailures?: number;
  readonly locale?: string;
}

export interface JobHealth {
  readonly job: string;
  readonly state: JobState;
  /**
   * Why the job is in its state, worst first; a healthy job has one reason saying when it last succeeded.
   * Written for a screen or line that already names the job, so they do not repeat its name.
   */
  readonly reasons: readonly JobReason[];
  readonly running: boolean;
  /** The newest finished run. */
  readonly lastRun: RunSample | null;
  readonly lastSuccessAt: Date | null;
  readonly consecutiveFailures: number;
  readonly successRate: SuccessRate | null;
  readonly lateness: Lateness;
  /** Milliseconds per day, from successful runs. */
  readonly durationTrend: Trend | null;
  /** Bytes read per day: how fast the source grows. */
  readonly sizeTrend: Trend | null;
  /** The median duration of the last few successful runs. */
  readonly estimatedDurationMs: number | null;
}

const estimateFrom = 5;

/** How late a job is, given when it last succeeded; a job that never succeeded is judged elsewhere. */
export function latenessOf(lastSuccessAt: Date | null, now: Date, expectedIntervalMs: number | undefined): Lateness {
  if (lastSuccessAt === null || expectedIntervalMs === undefined || !(expectedIntervalMs > 0)) return 'on-time';
  const age = now.getTime() - lastSuccessAt.getTime();
  if (age > veryLateAfterIntervals * expectedIntervalMs) return 'very-late';
  if (age > lateAfterIntervals * expectedIntervalMs) return 'late';
  return 'on-time';
}

/** "No successful backup in 3 days (expected every day)", with " of Accounts" after "backup" when `job` is given. */
export function overdueMessage(lastSuccessAt: Date, now: Date, expectedIntervalMs: number, locale = defaultLocale, job?: string): string {
  const of = job === undefined ? '' : ` of ${job}`;
  return `No successful backup${of} in ${formatSpan(now.getTime() - lastSuccessAt.getTime(), locale)} (expected ${formatEvery(expectedIntervalMs, locale)})`;
}

function failureWords(run: RunSample, now: Date, locale: string): string {
  const ago = formatAgo(now.getTime() - endedAt(run).getTime(), locale);
  return run.status === 'interrupted' ? `was interrupted ${ago} (the computer shut down or Airlock stopped)` : `failed ${ago}`;
}

const severityRank: Record<ReasonSeverity, number> = { failing: 2, warning: 1, ok: 0 };

export function jobHealth(input: JobHealthInput): JobHealth {
  const { job, now } = input;
  const locale = input.locale ?? defaultLocale;
  const window = Math.max(1, input.window ?? 20);
  const failingAfter = Math.max(1, input.failingAfterFailures ?? 2);

  const history = newestFirst(input.runs);
  const running = history.some((r) => r.status === 'running');
  const finished = history.filter((r) => r.status !== 'running');
  const attempts = finished.filter((r) => r.status !== 'cancelled');
  const successes = attempts.filter(succeeded);
  const lastSuccess = successes[0] ?? null;
  const lastSuccessAt = lastSuccess === null ? null : endedAt(lastSuccess);

  let consecutiveFailures = 0;
  for (const run of attempts) {
    if (succeeded(run)) break;
    if (failed(run)) consecutiveFailures++;
  }

  const recent = attempts.slice(0, window);
  const recentSuccesses = recent.filter(succeeded);
  const successRate: SuccessRate | null =
    recent.length === 0 ? null : { succeeded: recentSuccesses.length, attempts: recent.length, rate: recentSuccesses.length / recent.length };

  const trendSource = successes.slice(0, window);
  const durationTrend = trendPerDay(trendSource.flatMap((r) => (r.durationMs === null ? [] : [{ time: r.startedAt, value: r.durationMs }])));
  const sizeTrend = trendPerDay(trendSource.flatMap((r) => (r.bytesRead === null ? [] : [{ time: r.startedAt, value: r.bytesRead }])));
  const estimateDurations = successes.flatMap((r) => (r.durationMs === null ? [] : [r.durationMs])).slice(0, estimateFrom);
  const estimatedDurationMs = estimateDurations.length === 0 ? null : median(estimateDurations);
  const lateness = latenessOf(lastSuccessAt, now, input.expectedIntervalMs);

  const reasons: JobReason[] = [];
  const add = (code: JobReasonCode, severity: ReasonSeverity, message: string, cause?: RunSample): void => {
    reasons.push({
      code,
      severity,
      message,
      ...(cause?.errorCode == null ? {} : { errorCode: cause.errorCode }),
      ...(cause?.errorMessage == null ? {} : { detail: cause.errorMessage }),
    });
  };
  const newestAttempt = attempts[0];

  if (finished.length === 0) {
    if (running) add('first-run-running', 'ok', 'The first backup is running now');
    else add('never-run', 'warning', 'This job has not run yet, so nothing is protected by it');
  } else if (newestAttempt === undefined) {
    add('only-cancelled', 'warning', 'No backup has finished yet: the last one was cancelled');
  } else if (lastSuccess === null) {
    add('never-succeeded', 'failing', `No backup has succeeded yet; the last attempt ${failureWords(newestAttempt, now, locale)}`, newestAttempt);
  } else if (consecutiveFailures >= failingAfter) {
    add(
      'repeated-failures',
      'failing',
      `The last ${formatCount(consecutiveFailures, locale)} backups did not succeed; the most recent ${failureWords(newestAttempt, now, locale)}`,
      newestAttempt,
    );
  } else if (consecutiveFailures > 0) {
    add('last-failed', 'warning', `The last backup ${failureWords(newestAttempt, now, locale)}`, newestAttempt);
  }

  if (lastSuccessAt !== null && input.expectedIntervalMs !== undefined && lateness !== 'on-time') {
    add('overdue', lateness === 'very-late' ? 'failing' : 'warning', overdueMessage(lastSuccessAt, now, input.expectedIntervalMs, locale));
  }
  if (newestAttempt?.status === 'partial') {
    const n = newestAttempt.warnings;
    const count = n > 0 ? ` (${formatCount(n, locale)} ${plural(n, 'warning', 'warnings', locale)})` : '';
    add('partial', 'warning', `The last backup finished, but some items could not be read and were left out${count}`);
  }
  if (successRate !== null && successRate.attempts >= 5 && successRate.rate < 0.8) {
    add(
      'low-success-rate',
      'warning',
      `Only ${formatCount(successRate.succeeded, locale)} of the last ${formatCount(successRate.attempts, locale)} backups succeeded`,
    );
  }
  if (reasons.length === 0 && lastSuccessAt !== null) {
    add('healthy', 'ok', `Last backup succeeded ${formatAgo(now.getTime() - lastSuccessAt.getTime(), locale)}`);
  }

  reasons.sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
  const worst = reasons[0]?.severity ?? 'ok';
  const state: JobState = finished.length === 0 ? 'never-run' : worst === 'failing' ? 'failing' : worst === 'warning' ? 'warning' : 'ok';

  return {
    job,
    state,
    reasons,
    running,
    lastRun: finished[0] ?? null,
    lastSuccessAt,
    consecutiveFailures,
    successRate,
    lateness,
    durationTrend,
    sizeTrend,
    estimatedDurationMs,
  };
}
