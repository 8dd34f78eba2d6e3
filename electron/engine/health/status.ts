// The "are my backups OK?" summary behind `airlock status` and the dashboard: an overall verdict, a line per job and repository, and warnings with actions.

import { detectAnomalies, type Anomaly, type AnomalyOptions, type RowCounts } from './anomalies.ts';
import { jobHealth, type JobHealth, type JobReason, type JobState } from './job-health.ts';
import { repositoryForecast, type RepositoryForecast, type RepositoryForecastInput, type RepositoryWarning } from './repository-forecast.ts';
import type { RunSample } from './run-sample.ts';
import { defaultLocale, formatAgo, formatCount, formatSpan, formatWhen, plural } from './wording.ts';

export interface JobStatusInput {
  readonly name: string;
  /** The job's backup runs, in any order. */
  readonly runs: readonly RunSample[];
  readonly expectedIntervalMs?: number;
  readonly nextRunAt?: Date | null;
  /** The job's time zone, for "next: tomorrow at 2:00 AM". */
  readonly timeZone?: string;
  readonly paused?: boolean;
  /** The label of the drive the job is waiting for, when a drive it needs is not plugged in. */
  readonly waitingForDrive?: string;
  /** The names (as in `StatusInput.repositories`) of the repositories it writes to. */
  readonly repositories?: readonly string[];
  /** Per-table row counts of its last two snapshots, for a database job. */
  readonly rowCounts?: RowCounts;
}

/** The newest restore drill into a repository: a failed one means its backups may not come back. */
export interface DrillOutcome {
  readonly at: Date;
  readonly ok: boolean;
  /** What failed, in the drill's own words. */
  readonly detail?: string;
}

export type RepositoryStatusInput = Omit<RepositoryForecastInput, 'now' | 'locale'> & { readonly lastDrill?: DrillOutcome | null };

export interface StatusInput {
  readonly now: Date;
  readonly jobs: readonly JobStatusInput[];
  readonly repositories: readonly RepositoryStatusInput[];
  readonly anomalyOptions?: AnomalyOptions;
  readonly locale?: string;
}

export type OverallStatus = 'all-good' | 'attention' | 'failing';
export type WarningLevel = 'info' | 'warning' | 'critical';

/** Stable names for the button next to a warning; `label` is its text. */
export type ActionKind =
  | 'add-job'
  | 'run-backup'
  | 'run-check'
  | 'free-space'
  | 'plug-in-drive'
  | 'resume-job'
  | 'show-error'
  | 'show-skipped'
  | 'show-changes'
  | 'show-running'
  | 'show-history';

export interface SuggestedAction {
  readonly kind: ActionKind;
  readonly label: string;
  /** The job, repository or drive the action is about. */
  readonly target: string;
}

export interface StatusWarning {
  readonly level: WarningLevel;
  readonly about: { readonly kind: 'job' | 'repository'; readonly name: string } | null;
  readonly message: string;
  /** A run's own error sentence, when the warning is about a failure. */
  readonly detail?: string;
  readonly action: SuggestedAction;
}

export interface JobStatusLine {
  readonly name: string;
  readonly state: JobState;
  readonly paused: boolean;
  /** "OK: last backup 2 hours ago · next tomorrow at 2:00 AM". */
  readonly line: string;
  readonly lastSuccessAt: Date | null;
  readonly nextRunAt: Date | null;
  readonly health: JobHealth;
  readonly anomalies: readonly Anomaly[];
}

export interface RepositoryStatusLine {
  readonly name: string;
  /** "BACKUP-2: 83% full — about 12 days left; last checked 2 hours ago". */
  readonly line: string;
  readonly forecast: RepositoryForecast;
  readonly lastDrill: DrillOutcome | null;
}

export interface StatusReport {
  readonly overall: OverallStatus;
  /** "All backups are OK", "2 things need your attention", … */
  readonly headline: string;
  readonly jobs: readonly JobStatusLine[];
  readonly repositories: readonly RepositoryStatusLine[];
  /** Most serious first. */
  readonly warnings: readonly StatusWarning[];
}

const stateWords: Record<JobState, string> = { ok: 'OK', warning: 'Needs attention', failing: 'Failing', 'never-run': 'Not run yet' };

function jobReasonAction(reason: JobReason, job: JobStatusInput): SuggestedAction {
  const repository = job.repositories?.[0] ?? 'the backup drive';
  const drive = job.waitingForDrive;
  const runNow: SuggestedAction = drive === undefined ? { kind: 'run-backup', label: 'Run backup now', target: job.name } : plugIn(drive);
  switch (reason.code) {
    case 'never-run':
      return drive === undefined ? { kind: 'run-backup', label: 'Run the first backup now', target: job.name } : plugIn(drive);
    case 'only-cancelled':
    case 'overdue':
    case 'healthy':
    case 'first-run-running':
      return runNow;
    case 'never-succeeded':
    case 'last-failed':
    case 'repeated-failures':
      if (reason.errorCode === 'DISK_FULL') return { kind: 'free-space', label: `Free up space on ${repository}`, target: repository };
      if (reason.errorCode === 'REPO_NOT_FOUND' && drive !== undefined) return plugIn(drive);
      return { kind: 'show-error', label: 'See what went wrong', target: job.name };
    case 'partial':
      return { kind: 'show-skipped', label: 'See what was left out', target: job.name };
    case 'low-success-rate':
      return { kind: 'show-history', label: 'See recent backups', target: job.name };
  }
}

function plugIn(drive: string): SuggestedAction {
  return { kind: 'plug-in-drive', label: `Plug in drive ${drive}`, target: drive };
}

function anomalyAction(anomaly: Anomaly, job: string): SuggestedAction {
  switch (anomaly.kind) {
    case 'size-unusual':
    case 'changes-unusual':
    case 'rows-dropped':
      return { kind: 'show-changes', label: 'See what changed', target: job };
    case 'duration-unusual':
      return anomaly.details.running === true
        ? { kind: 'show-running', label: 'See the running backup', target: job }
        : { kind: 'show-history', label: 'See recent backups', target: job };
    case 'overdue':
      return { kind: 'run-backup', label: 'Run backup now', target: job };
  }
}

function repositoryAction(warning: RepositoryWarning, repository: string, available: boolean): SuggestedAction {
  switch (warning.code) {
    case 'full':
    case 'filling-up':
      return { kind: 'free-space', label: `Free up space on ${repository}`, target: repository };
    case 'not-verified':
    case 'never-verified':
      return available ? { kind: 'run-check', label: 'Run check now', target: repository } : plugIn(repository);
  }
}

const levelRank: Record<WarningLevel, number> = { critical: 2, warning: 1, info: 0 };

export function backupStatus(input: StatusInput): StatusReport {
  const { now } = input;
  const locale = input.locale ?? defaultLocale;
  const warnings: StatusWarning[] = [];

  const jobs = input.jobs.map((job): JobStatusLine => {
    const about = { kind: 'job', name: job.name } as const;
    const health = jobHealth({
      job: job.name,
      runs: job.runs,
      now,
      locale,
      ...(job.expectedIntervalMs === undefined ? {} : { expectedIntervalMs: job.expectedIntervalMs }),
    });
    const anomalies = detectAnomalies({
      job: job.name,
      runs: job.runs,
      now,
      locale,
      ...(job.rowCounts === undefined ? {} : { rowCounts: job.rowCounts }),
      ...(input.anomalyOptions === undefined ? {} : { options: input.anomalyOptions }),
    });
    const paused = job.paused === true;

    if (paused) warnings.push({ level: 'warning', about, message: `Backups of ${job.name} are paused`, action: { kind: 'resume-job', label: `Resume ${job.name}`, target: job.name } });
    if (job.waitingForDrive !== undefined) {
      warnings.push({ level: 'warning', about, message: `${job.name} is waiting for drive ${job.waitingForDrive} to be plugged in`, action: plugIn(job.waitingForDrive) });
    }
    for (const reason of health.reasons) {
      if (reason.severity === 'ok') continue;
      warnings.push({
        level: reason.severity === 'failing' ? 'critical' : 'warning',
        about,
        // Job reasons are written for a screen that already names the job; a warning list mixes jobs. Each
        // reason starts with an ordinary English word, never a name, so lowering it reads as one sentence.
        message: `${job.name}: ${reason.message.charAt(0).toLowerCase()}${reason.message.slice(1)}`,
        ...(reason.detail === undefined ? {} : { detail: reason.detail }),
        action: jobReasonAction(reason, job),
      });
    }
    // Lateness is already a job reason; the anomaly carries the same fact for notifications.
    for (const anomaly of anomalies) {
      if (anomaly.kind !== 'overdue') warnings.push({ level: anomaly.severity, about, message: anomaly.message, action: anomalyAction(anomaly, job.name) });
    }

    const nextRunAt = job.nextRunAt ?? null;
    const parts: string[] = [health.lastSuccessAt === null ? 'no backup yet' : `last backup ${formatAgo(now.getTime() - health.lastSuccessAt.getTime(), locale)}`];
    if (health.running) {
      parts.push(health.estimatedDurationMs === null ? 'backing up now' : `backing up now (usually takes about ${formatSpan(health.estimatedDurationMs, locale)})`);
    }
    if (job.waitingForDrive !== undefined) parts.push(`waiting for drive ${job.waitingForDrive}`);
    if (paused) parts.push('paused');
    else if (nextRunAt !== null) parts.push(`next ${formatWhen(nextRunAt, now, { locale, ...(job.timeZone === undefined ? {} : { timeZone: job.timeZone }) })}`);
    return {
      name: job.name,
      state: health.state,
      paused,
      line: `${job.name} — ${stateWords[health.state]}: ${parts.join(' · ')}`,
      lastSuccessAt: health.lastSuccessAt,
      nextRunAt,
      health,
      anomalies,
    };
  });

  const repositories = input.repositories.map((repo): RepositoryStatusLine => {
    const forecast = repositoryForecast({ ...repo, now, locale });
    for (const w of forecast.warnings) {
      warnings.push({ level: w.severity, about: { kind: 'repository', name: repo.repository }, message: w.message, action: repositoryAction(w, repo.repository, forecast.available) });
    }
    const drill = repo.lastDrill ?? null;
    if (drill !== null && !drill.ok) {
      warnings.push({
        level: 'critical',
        about: { kind: 'repository', name: repo.repository },
        message: `The last restore drill of ${repo.repository} failed, so its backups may not come back intact`,
        ...(drill.detail === undefined ? {} : { detail: drill.detail }),
        action: forecast.available ? { kind: 'run-check', label: 'Run check now', target: repo.repository } : plugIn(repo.repository),
      });
    }
    const drillWords = drill === null ? '' : `; restore drill ${drill.ok ? 'passed' : 'FAILED'} ${formatAgo(now.getTime() - drill.at.getTime(), locale)}`;
    return { name: repo.repository, line: `${repo.repository}: ${forecast.summary}${drillWords}`, forecast, lastDrill: drill };
  });

  if (input.jobs.length === 0) {
    warnings.push({ level: 'warning', about: null, message: 'No backups are set up yet, so nothing is protected', action: { kind: 'add-job', label: 'Set up a backup', target: '' } });
  }

  warnings.sort((a, b) => levelRank[b.level] - levelRank[a.level]);
  const serious = warnings.filter((w) => w.level === 'critical').length;
  const needing = warnings.filter((w) => w.level !== 'info').length;
  const overall: OverallStatus = serious > 0 || jobs.some((j) => j.state === 'failing') ? 'failing' : needing > 0 ? 'attention' : 'all-good';
  const count = (n: number, one: string, other: string): string => `${formatCount(n, locale)} ${plural(n, one, other, locale)}`;
  const headline =
    overall === 'all-good'
      ? 'All backups are OK'
      : overall === 'attention'
        ? `${count(needing, 'thing needs', 'things need')} your attention`
        : `Backups are failing: ${count(serious, 'problem needs', 'problems need')} fixing now`;

  return { overall, headline, jobs, repositories, warnings };
}
