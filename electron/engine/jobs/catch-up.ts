// Missed-run decisions: whether a job is due now (at most one run, never a burst of stale ones) and when it runs next.

import { latestRunAtOrBefore, nextRun, type Schedule } from './schedule.ts';

/** What to do about scheduled times that passed while the machine was off or asleep. */
export type MissedRunPolicy = 'catch-up' | 'skip';

/** A scheduled time this late or less still counts as on time (a timer that fired late, a busy machine). */
export const defaultOnTimeGraceMs = 5 * 60_000;

// Counting stops here: "missed 100+ runs" says enough, and each step costs a zone conversion (about 0.25 ms).
const missedCountCap = 100;

export interface CatchUpInput {
  readonly schedule: Schedule;
  /** The last run's start, or the job's creation time when it never ran; scheduled times up to here are done. */
  readonly since: Date;
  readonly now: Date;
  readonly policy: MissedRunPolicy;
  readonly onTimeGraceMs?: number;
}

export interface DueRun {
  /** The scheduled time this run stands for: the most recent one that is due. */
  readonly scheduledFor: Date;
  /** 'on-time' when that time is within the grace period, 'catch-up' when it was missed. */
  readonly reason: 'on-time' | 'catch-up';
}

export interface CatchUpDecision {
  /** The one run to start now, if any. */
  readonly due: DueRun | undefined;
  /** Scheduled times after `since` that passed without a run (not counting one that is on time), capped at 100. */
  readonly missed: number;
  /** True when `missed` reached the cap and the real number is larger. */
  readonly missedCapped: boolean;
  /** True when no run is due only because the policy is 'skip' (older missed times always fold into a due run). */
  readonly skipped: boolean;
  /** The next regular run strictly after `now`. */
  readonly nextRun: Date | undefined;
}

function countRunsBetween(schedule: Schedule, after: Date, until: Date): number {
  let count = 0;
  let cursor = nextRun(schedule, after);
  while (cursor !== undefined && cursor.getTime() <= until.getTime() && count < missedCountCap) {
    count++;
    cursor = nextRun(schedule, cursor);
  }
  return count;
}

/**
 * Decides, at `now`, whether the job runs: every scheduled time in (since, now] collapses into at most one run.
 * The most recent of them, if within the grace period, is an on-time run whatever the policy; older ones are
 * missed runs, caught up once with 'catch-up' and dropped with 'skip'.
 */
export function decideCatchUp(input: CatchUpInput): CatchUpDecision {
  const { schedule, since, now, policy } = input;
  const graceMs = input.onTimeGraceMs ?? defaultOnTimeGraceMs;
  const upcoming = nextRun(schedule, now);
  const latest = latestRunAtOrBefore(schedule, now);
  if (latest === undefined || latest.getTime() <= since.getTime()) {
    return { due: undefined, missed: 0, missedCapped: false, skipped: false, nextRun: upcoming };
  }
  const onTime = now.getTime() - latest.getTime() <= graceMs;
  const passed = countRunsBetween(schedule, since, now);
  const missed = onTime ? Math.max(0, passed - 1) : passed;
  const missedCapped = passed >= missedCountCap;
  if (onTime) {
    return { due: { scheduledFor: latest, reason: 'on-time' }, missed, missedCapped, skipped: false, nextRun: upcoming };
  }
  if (policy === 'catch-up') {
    return { due: { scheduledFor: latest, reason: 'catch-up' }, missed, missedCapped, skipped: false, nextRun: upcoming };
  }
  return { due: undefined, missed, missedCapped, skipped: true, nextRun: upcoming };
}
