// The daily digest: one email summing up the day's runs and the alerts raised since the last one.

import type { EmailMessage } from './email-notifier.ts';
import type { Alert } from './notifier.ts';

export interface DigestRun {
  readonly jobName: string;
  readonly state: 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'timed-out' | 'interrupted';
}

export interface DigestInput {
  readonly since: Date;
  readonly now: Date;
  readonly runs: readonly DigestRun[];
  readonly alerts: readonly Alert[];
}

/** Pure: the digest's subject says at a glance whether all is well; the body lists the runs per job and each alert. */
export function digestMessage(input: DigestInput): EmailMessage {
  const failed = input.runs.filter((r) => r.state === 'failed' || r.state === 'timed-out').length;
  const partial = input.runs.filter((r) => r.state === 'partial').length;
  const total = input.runs.length;
  const subject =
    total === 0
      ? '[Airlock] Daily digest: no backups ran'
      : failed > 0
        ? `[Airlock] Daily digest: ${failed} of ${total} backup runs failed`
        : partial > 0
          ? `[Airlock] Daily digest: ${partial} of ${total} backup runs left files out`
          : `[Airlock] Daily digest: all ${total} backup runs succeeded`;

  const perJob = new Map<string, Map<string, number>>();
  for (const run of input.runs) {
    const counts = perJob.get(run.jobName) ?? new Map<string, number>();
    counts.set(run.state, (counts.get(run.state) ?? 0) + 1);
    perJob.set(run.jobName, counts);
  }
  const lines = [`Backups from ${input.since.toISOString()} to ${input.now.toISOString()}.`, ''];
  if (perJob.size === 0) lines.push('No backup ran in this time. If jobs are scheduled, check that `airlock daemon` or the Airlock app is running.');
  for (const [job, counts] of [...perJob].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${job}: ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}`);
  }
  if (input.alerts.length > 0) {
    lines.push('', 'Alerts:');
    for (const a of input.alerts) lines.push(`- ${a.time.toISOString()} [${a.level}] ${a.title}: ${a.message}`);
  }
  return { subject, text: `${lines.join('\n')}\n` };
}
