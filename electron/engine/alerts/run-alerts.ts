// Which alert a finished job run deserves: a failure, an escalation after N failures in a row, a partial run, a recovery.

import type { JobRun, JobRunEnd } from '../catalog/catalog.ts';
import type { Alert } from './notifier.ts';

type RunState = JobRun['state'];

/**
 * Failed runs in a row, newest first. Cancelled and interrupted runs are skipped: a person or a shutdown stopped
 * them, which says nothing either way about whether the backup works.
 */
export function consecutiveFailures(states: readonly RunState[]): number {
  let count = 0;
  for (const state of states) {
    if (state === 'failed' || state === 'timed-out') count++;
    else if (state === 'succeeded' || state === 'partial') break;
  }
  return count;
}

export interface RunAlertInput {
  readonly jobId: string;
  readonly jobName: string;
  readonly state: JobRunEnd;
  /** The run's own sentence about what went wrong. */
  readonly reason?: string | undefined;
  /** States of the job's runs, newest first, this run included. */
  readonly recent: readonly RunState[];
  readonly escalateAfter: number;
  readonly time: Date;
}

/** Pure: the alert for one finished run, or undefined when it needs none (a plain success, a cancel). */
export function runAlert(input: RunAlertInput): Alert | undefined {
  const { jobId, jobName, time } = input;
  const why = input.reason === undefined ? '' : ` ${input.reason}`;
  switch (input.state) {
    case 'failed':
    case 'timed-out': {
      const inARow = consecutiveFailures(input.recent);
      if (inARow >= input.escalateAfter) {
        return {
          level: 'critical',
          kind: 'escalation',
          jobId,
          time,
          title: `${jobName} has failed ${inARow} times in a row`,
          message: `The backup job ${jobName} has failed ${inARow} times in a row, so nothing new is being backed up.${why} Someone needs to look at it.`,
        };
      }
      return { level: 'warning', kind: 'run-failed', jobId, time, title: `Backup ${jobName} failed`, message: `The backup job ${jobName} failed.${why}` };
    }
    case 'partial':
      return {
        level: 'warning',
        kind: 'run-partial',
        jobId,
        time,
        title: `Backup ${jobName} left some files out`,
        message: `The backup job ${jobName} finished, but some files could not be read and are missing from it. See \`airlock job show "${jobName}"\`.`,
      };
    case 'succeeded': {
      const before = consecutiveFailures(input.recent.slice(1));
      if (before === 0) return undefined;
      return {
        level: 'info',
        kind: 'run-recovered',
        jobId,
        time,
        title: `Backup ${jobName} works again`,
        message: `The backup job ${jobName} succeeded after ${before} failed run${before === 1 ? '' : 's'}.`,
      };
    }
    case 'cancelled':
    case 'interrupted':
      return undefined;
  }
}
