// Job runs as the app shows them: held for a drive, queued, running with progress, and the end with its summary; under one id from start to end.

import { formatBytes, formatCount, plural } from '../health/wording.ts';
import type { DriveGate } from '../jobs/drive-gate.ts';
import type { RunQueue } from '../jobs/queue.ts';
import type { JobRunSummary } from '../jobs/run-job.ts';
import type { ActiveRuns } from './active-runs.ts';

export interface FollowJobRunsOptions {
  readonly queue: RunQueue<JobRunSummary>;
  /** The gates in front of the queue: a run they hold shows as queued, "waiting for drive …", under its held id. */
  readonly gates: readonly DriveGate<JobRunSummary>[];
  readonly runs: ActiveRuns;
  readonly jobName: (jobId: string) => string;
}

/** "2 snapshots saved: 1.2 GB read, 30 MB new." — the proof at the end of a backup. */
export function jobRunSummary(summary: JobRunSummary): string {
  const n = summary.snapshots.length;
  const read = summary.snapshots.reduce((sum, s) => sum + s.bytesRead, 0);
  const added = summary.snapshots.reduce((sum, s) => sum + s.bytesAdded, 0);
  const base = `${formatCount(n)} ${plural(n, 'snapshot', 'snapshots')} saved: ${formatBytes(read)} read, ${formatBytes(added)} new`;
  const skipped = summary.warnings.length;
  return skipped === 0 ? `${base}.` : `${base}; ${formatCount(skipped)} ${plural(skipped, 'item', 'items')} could not be read.`;
}

/** "Waiting for drive BACKUP-USB-2; plug it in and the backup starts by itself." */
export function driveWaitMessage(waiting: string): string {
  return `${waiting.charAt(0).toUpperCase()}${waiting.slice(1)}; plug it in and the backup starts by itself.`;
}

/**
 * Shows every job run in `runs`. Alerts and notifications for their ends are the alert center's. A run released by a
 * gate keeps the id it was held under (the id `jobs.runNow` returned), though the queue knows it by another.
 */
export function followJobRuns({ queue, gates, runs, jobName }: FollowJobRunsOptions): void {
  /** The queue's run id → the id the run is shown under, for runs that waited at a gate first. */
  const shownAs = new Map<string, string>();
  /** The shown id → the queue's, once a held run is in the queue: cancelling it then cancels it there. */
  const queuedAs = new Map<string, string>();
  /** Set by a gate's 'released' for the queue's 'queued' event that follows it at once. */
  let releasing: string | undefined;
  const shown = (queueRunId: string): string => shownAs.get(queueRunId) ?? queueRunId;

  for (const gate of gates) {
    gate.onGate('waiting', ({ runId, jobId, message }) => {
      runs.follow({
        runId,
        kind: 'backup',
        title: `Back up ${jobName(jobId)}`,
        jobId,
        cancel: (reason) => {
          const inQueue = queuedAs.get(runId);
          return inQueue === undefined ? gate.cancel(runId, reason) : queue.cancel(inQueue, reason);
        },
      });
      runs.setState(runId, 'queued', { message: driveWaitMessage(message) });
    });
    gate.onGate('released', ({ runId }) => {
      releasing = runId;
    });
    gate.onGate('dropped', ({ runId, state, reason }) => {
      if (releasing === runId) releasing = undefined;
      runs.end(runId, state, { message: reason });
    });
  }

  queue.on('queued', ({ run }) => {
    const held = releasing;
    releasing = undefined;
    if (held === undefined) {
      runs.follow({ runId: run.id, kind: 'backup', title: `Back up ${jobName(run.jobId)}`, jobId: run.jobId, cancel: (reason) => queue.cancel(run.id, reason) });
      return;
    }
    shownAs.set(run.id, held);
    queuedAs.set(held, run.id);
    runs.setState(held, 'queued', { message: 'The drive is here; the backup starts as soon as the queue lets it.' });
  });
  queue.on('started', ({ run }) => {
    runs.setState(shown(run.id), 'running');
  });
  queue.on('progress', ({ run, progress }) => {
    runs.report(shown(run.id), progress);
  });
  queue.on('retry-scheduled', ({ run, reason, retryAt }) => {
    runs.setState(shown(run.id), 'queued', { message: `${reason} It is tried again at ${retryAt.toISOString()}.` });
  });
  queue.on('finished', ({ outcome }) => {
    const id = shown(outcome.run.id);
    shownAs.delete(outcome.run.id);
    queuedAs.delete(id);
    switch (outcome.state) {
      case 'succeeded':
        runs.end(id, outcome.result.partial ? 'partial' : 'succeeded', { summary: jobRunSummary(outcome.result) });
        return;
      case 'failed':
      case 'timed-out':
        runs.end(id, 'failed', { message: outcome.reason });
        return;
      case 'cancelled':
        runs.end(id, 'cancelled', { message: outcome.reason });
        return;
    }
  });
}
