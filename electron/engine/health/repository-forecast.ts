// A repository's space outlook: growth per day, days until its drive is full, and how long since it was last checked.

import { DAY_MS, trendPerDay, type Trend } from './statistics.ts';
import { defaultLocale, formatAgo, formatBytes, formatDaysLeft, formatPercent, formatSpan } from './wording.ts';

export interface UsageSample {
  readonly time: Date;
  /** Bytes the repository occupied at `time`. */
  readonly bytesUsed: number;
}

export interface RepositoryForecastInput {
  /** The name the person knows it by: the drive label ("BACKUP-2") or the repository's name. */
  readonly repository: string;
  /** Past sizes of the repository, in any order. */
  readonly samples: readonly UsageSample[];
  /** Free space on its drive now; null when the drive is not attached. */
  readonly freeBytes: number | null;
  /** The drive's capacity, for "83% full". */
  readonly totalBytes?: number | null;
  readonly lastCheckAt: Date | null;
  /** When the repository was created or first seen; the oldest sample stands in when absent. */
  readonly createdAt?: Date;
  readonly now: Date;
  /** How far back growth is measured. Default 30 days. */
  readonly windowMs?: number;
  /** Less history than this gives no forecast: a few hours of backups do not make a daily rate. Default 2 days. */
  readonly minHistoryMs?: number;
  /** Warn when the drive will be full within this many days. Default 30. */
  readonly warnDaysUntilFull?: number;
  /** …and call it critical within this many. Default 7. */
  readonly criticalDaysUntilFull?: number;
  /** Below this much free space the drive counts as full already. Default 100 MB. */
  readonly fullBelowBytes?: number;
  /** Warn when the last check is older than this. Default 14 days. */
  readonly verifyWarnAfterMs?: number;
  readonly locale?: string;
}

export type RepositoryWarningCode = 'full' | 'filling-up' | 'not-verified' | 'never-verified';
export type WarningSeverity = 'warning' | 'critical';

export interface RepositoryWarning {
  readonly code: RepositoryWarningCode;
  readonly severity: WarningSeverity;
  readonly message: string;
}

export interface RepositoryForecast {
  readonly repository: string;
  readonly available: boolean;
  /** The newest sample's size. */
  readonly bytesUsed: number | null;
  readonly freeBytes: number | null;
  readonly percentFull: number | null;
  /** Bytes per day; null with too little history. */
  readonly growth: Trend | null;
  /** Null when unknown or when the repository is not growing. */
  readonly daysUntilFull: number | null;
  readonly fullAt: Date | null;
  readonly daysSinceCheck: number | null;
  /** One line for a status screen: "83% full — about 12 days left". */
  readonly summary: string;
  readonly warnings: readonly RepositoryWarning[];
}

export function repositoryForecast(input: RepositoryForecastInput): RepositoryForecast {
  const { repository, now } = input;
  const locale = input.locale ?? defaultLocale;
  const windowMs = input.windowMs ?? 30 * DAY_MS;
  const minHistoryDays = (input.minHistoryMs ?? 2 * DAY_MS) / DAY_MS;
  const warnDays = input.warnDaysUntilFull ?? 30;
  const criticalDays = input.criticalDaysUntilFull ?? 7;
  const fullBelow = input.fullBelowBytes ?? 100_000_000;
  const verifyWarnAfter = input.verifyWarnAfterMs ?? 14 * DAY_MS;
  const nowMs = now.getTime();

  const valid = input.samples.filter((s) => Number.isFinite(s.bytesUsed) && Number.isFinite(s.time.getTime()) && s.time.getTime() <= nowMs);
  const newest = valid.reduce<UsageSample | null>((a, s) => (a === null || s.time.getTime() > a.time.getTime() ? s : a), null);
  const inWindow = valid.filter((s) => s.time.getTime() >= nowMs - windowMs);
  const trend = trendPerDay(inWindow.map((s) => ({ time: s.time, value: s.bytesUsed })));
  const growth = trend !== null && trend.spanDays >= minHistoryDays ? trend : null;

  const free = input.freeBytes;
  const available = free !== null;
  const total = input.totalBytes ?? null;
  const percentFull = free !== null && total !== null && total > 0 ? Math.min(1, Math.max(0, (total - free) / total)) : null;
  const daysUntilFull = free !== null && growth !== null && growth.perDay > 0 ? Math.max(0, free) / growth.perDay : null;
  const fullAt = daysUntilFull === null ? null : new Date(nowMs + daysUntilFull * DAY_MS);

  const warnings: RepositoryWarning[] = [];
  if (free !== null && free < fullBelow) {
    warnings.push({ code: 'full', severity: 'critical', message: `${repository} is full (${formatBytes(Math.max(0, free), locale)} free); backups to it will fail until space is freed` });
  } else if (daysUntilFull !== null && growth !== null && daysUntilFull < warnDays) {
    warnings.push({
      code: 'filling-up',
      severity: daysUntilFull < criticalDays ? 'critical' : 'warning',
      message: `${repository} will be full in ${formatDaysLeft(daysUntilFull, locale)} at the current rate (it grows by ${formatBytes(growth.perDay, locale)} a day and has ${formatBytes(free ?? 0, locale)} free)`,
    });
  }

  const daysSinceCheck = input.lastCheckAt === null ? null : (nowMs - input.lastCheckAt.getTime()) / DAY_MS;
  if (input.lastCheckAt !== null) {
    const age = nowMs - input.lastCheckAt.getTime();
    if (age > verifyWarnAfter) {
      warnings.push({ code: 'not-verified', severity: 'warning', message: `${repository} has not been checked for ${formatSpan(age, locale)}, so damage to it could go unnoticed` });
    }
  } else {
    const oldest = valid.reduce<number | null>((a, s) => (a === null ? s.time.getTime() : Math.min(a, s.time.getTime())), null);
    const since = input.createdAt?.getTime() ?? oldest;
    if (since !== null && nowMs - since > verifyWarnAfter) {
      warnings.push({ code: 'never-verified', severity: 'warning', message: `${repository} has never been checked, so damage to it could go unnoticed` });
    }
  }

  return {
    repository,
    available,
    bytesUsed: newest?.bytesUsed ?? null,
    freeBytes: free,
    percentFull,
    growth,
    daysUntilFull,
    fullAt,
    daysSinceCheck,
    summary: summaryLine({ free, percentFull, growth, daysUntilFull, lastCheckAt: input.lastCheckAt, now, locale }),
    warnings,
  };
}

interface SummaryFacts {
  readonly free: number | null;
  readonly percentFull: number | null;
  readonly growth: Trend | null;
  readonly daysUntilFull: number | null;
  readonly lastCheckAt: Date | null;
  readonly now: Date;
  readonly locale: string;
}

function summaryLine(f: SummaryFacts): string {
  const checked = f.lastCheckAt === null ? 'never checked' : `last checked ${formatAgo(f.now.getTime() - f.lastCheckAt.getTime(), f.locale)}`;
  if (f.free === null) return `Drive not plugged in; ${checked}`;
  const space = f.percentFull === null ? `${formatBytes(f.free, f.locale)} free` : `${formatPercent(f.percentFull, f.locale)} full`;
  let outlook: string;
  if (f.daysUntilFull !== null) outlook = f.daysUntilFull > 365 ? 'more than a year left' : `${formatDaysLeft(f.daysUntilFull, f.locale)} left`;
  else if (f.growth !== null) outlook = 'not growing';
  else outlook = 'too early to forecast';
  return `${space} — ${outlook}; ${checked}`;
}
