// Anomalies a person should look at: backups much smaller, larger or slower than usual, tables that lost rows, jobs overdue.

import type { JsonValue } from './canonical-json.ts';
import { latenessOf, overdueMessage } from './job-health.ts';
import { endedAt, newestFirst, succeeded, type RunSample } from './run-sample.ts';
import { robustCenter } from './statistics.ts';
import { defaultLocale, formatBytes, formatCount, formatSpan, plural } from './wording.ts';

export type AnomalyKind = 'size-unusual' | 'changes-unusual' | 'duration-unusual' | 'rows-dropped' | 'overdue';
export type AnomalySeverity = 'info' | 'warning' | 'critical';

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly severity: AnomalySeverity;
  /** A sentence or two for the person, naming the job or source and what to do about it. */
  readonly message: string;
  /** The numbers behind the message, for the UI, the log and de-duplicating notifications. */
  readonly details: Readonly<Record<string, JsonValue>>;
}

export interface AnomalyOptions {
  /** How many earlier successful runs are needed before a run can look unusual. Default 5. */
  readonly minHistory?: number;
  /** How many earlier successful runs make up "usual". Default 20. */
  readonly window?: number;
  /** How far from usual, in robust standard deviations, a value must be. Default 3. */
  readonly sigmas?: number;
}

export interface RowCounts {
  /** The database as the person knows it: "shop on db1". */
  readonly source: string;
  /** Rows per table in the snapshot before the latest. */
  readonly previous: Readonly<Record<string, number>>;
  /** Rows per table in the latest snapshot. */
  readonly current: Readonly<Record<string, number>>;
}

export interface RowDropOptions {
  /** The share of rows a table must lose to be reported. Default 0.5. */
  readonly dropFraction?: number;
  /** Smaller tables are left alone: a few rows coming and going is normal. Default 10. */
  readonly minPreviousRows?: number;
  readonly locale?: string;
}

export interface AnomalyInput {
  readonly job: string;
  /** This job's backup runs, in any order. */
  readonly runs: readonly RunSample[];
  readonly now: Date;
  readonly expectedIntervalMs?: number;
  readonly rowCounts?: RowCounts;
  readonly options?: AnomalyOptions & RowDropOptions;
  readonly locale?: string;
}

interface OutlierRule {
  /** Report values above usual. */
  readonly up: boolean;
  /** Report values below usual. */
  readonly down: boolean;
  /** The least change worth a person's attention, as a share of usual, upwards and downwards. */
  readonly minRiseShare: number;
  readonly minFallShare: number;
  /** …and in absolute units, so that tiny sources and fast runs do not raise alarms over noise. */
  readonly minAbsolute: number;
}

interface Outlier {
  readonly value: number;
  readonly usual: number;
  readonly sigma: number;
  readonly deviations: number;
  readonly direction: 'larger' | 'smaller';
}

/**
 * Median and MAD rather than mean and standard deviation: with the handful of runs a new job has, one earlier
 * oddity would inflate σ and hide the next. A perfectly steady history has σ = 0, which makes any difference
 * infinitely many σ; the minimum shares and amounts then decide what is worth a person's time.
 */
function outlier(value: number, history: readonly number[], sigmas: number, rule: OutlierRule): Outlier | null {
  const { median: usual, sigma } = robustCenter(history);
  const difference = value - usual;
  const direction = difference >= 0 ? 'larger' : 'smaller';
  if (direction === 'larger' ? !rule.up : !rule.down) return null;
  const deviations = sigma > 0 ? Math.abs(difference) / sigma : difference === 0 ? 0 : Number.POSITIVE_INFINITY;
  const minShare = direction === 'larger' ? rule.minRiseShare : rule.minFallShare;
  if (deviations <= sigmas || Math.abs(difference) < minShare * Math.abs(usual) || Math.abs(difference) < rule.minAbsolute) return null;
  return { value, usual, sigma, deviations, direction };
}

function outlierDetails(o: Outlier, run: RunSample, job: string, unit: string): Record<string, JsonValue> {
  return {
    job,
    runStartedAt: run.startedAt.toISOString(),
    unit,
    value: o.value,
    usual: o.usual,
    sigma: o.sigma,
    deviations: Number.isFinite(o.deviations) ? Math.round(o.deviations * 10) / 10 : null,
    direction: o.direction,
  };
}

interface History {
  readonly latest: RunSample;
  readonly earlier: readonly RunSample[];
}

/** The newest successful run and the successful runs before it that make up "usual". */
function successHistory(runs: readonly RunSample[], window: number): History | null {
  const [latest, ...earlier] = newestFirst(runs).filter(succeeded);
  return latest === undefined ? null : { latest, earlier: earlier.slice(0, window) };
}

function valuesOf(runs: readonly RunSample[], pick: (r: RunSample) => number | null): number[] {
  return runs.flatMap((r) => {
    const v = pick(r);
    return v === null || !Number.isFinite(v) ? [] : [v];
  });
}

const MB = 1_000_000;

/** A backup that read much less or much more than the runs before it, or stored far more new data. */
export function sizeAnomalies(job: string, runs: readonly RunSample[], options: AnomalyOptions = {}, locale = defaultLocale): Anomaly[] {
  const minHistory = options.minHistory ?? 5;
  const sigmas = options.sigmas ?? 3;
  const h = successHistory(runs, options.window ?? 20);
  if (h === null) return [];
  const found: Anomaly[] = [];

  const read = valuesOf(h.earlier, (r) => r.bytesRead);
  if (h.latest.bytesRead !== null && read.length >= minHistory) {
    const o = outlier(h.latest.bytesRead, read, sigmas, { up: true, down: true, minRiseShare: 0.2, minFallShare: 0.2, minAbsolute: MB });
    if (o !== null) {
      const amounts = `${formatBytes(o.value, locale)} instead of about ${formatBytes(o.usual, locale)}`;
      found.push(
        o.direction === 'smaller'
          ? {
              kind: 'size-unusual',
              // Nine tenths of the data gone from one backup to the next is rarely anything but a mistake.
              severity: o.value <= o.usual * 0.1 ? 'critical' : 'warning',
              message: `The latest backup of ${job} was much smaller than usual: ${amounts}. Files may have been deleted or moved; check that they are still where they belong.`,
              details: outlierDetails(o, h.latest, job, 'bytes'),
            }
          : {
              kind: 'size-unusual',
              severity: 'warning',
              message: `The latest backup of ${job} was much larger than usual: ${amounts}. Check that the new files are meant to be there, and that the backup drive has room for them.`,
              details: outlierDetails(o, h.latest, job, 'bytes'),
            },
      );
    }
  }

  const added = valuesOf(h.earlier, (r) => r.bytesAdded);
  if (h.latest.bytesAdded !== null && added.length >= minHistory) {
    const o = outlier(h.latest.bytesAdded, added, sigmas, { up: true, down: false, minRiseShare: 1, minFallShare: 0, minAbsolute: 10 * MB });
    if (o !== null) {
      found.push({
        kind: 'changes-unusual',
        severity: 'warning',
        message: `The latest backup of ${job} saved far more changed data than usual: ${formatBytes(o.value, locale)} instead of about ${formatBytes(o.usual, locale)}. If nobody changed that many files, open a few of them to make sure they still look right.`,
        details: outlierDetails(o, h.latest, job, 'bytes'),
      });
    }
  }
  return found;
}

/** A backup that took far longer or far less time than usual, or one that is still running long past its usual time. */
export function durationAnomaly(job: string, runs: readonly RunSample[], now: Date, options: AnomalyOptions = {}, locale = defaultLocale): Anomaly | null {
  const minHistory = options.minHistory ?? 5;
  const sigmas = options.sigmas ?? 3;
  const window = options.window ?? 20;
  const ordered = newestFirst(runs);
  const current = ordered[0];

  if (current?.status === 'running') {
    const history = valuesOf(ordered.filter(succeeded).slice(0, window), (r) => r.durationMs);
    if (history.length < minHistory) return null;
    const elapsed = now.getTime() - current.startedAt.getTime();
    const o = outlier(elapsed, history, sigmas, { up: true, down: false, minRiseShare: 1, minFallShare: 0, minAbsolute: 10 * 60_000 });
    if (o === null) return null;
    return {
      kind: 'duration-unusual',
      severity: 'warning',
      message: `A backup of ${job} has been running for ${formatSpan(elapsed, locale)}; it usually takes about ${formatSpan(o.usual, locale)}. It may be stuck or waiting on a slow drive.`,
      details: { ...outlierDetails(o, current, job, 'ms'), running: true },
    };
  }

  const h = successHistory(runs, window);
  if (h === null || h.latest.durationMs === null) return null;
  const history = valuesOf(h.earlier, (r) => r.durationMs);
  if (history.length < minHistory) return null;
  const o = outlier(h.latest.durationMs, history, sigmas, { up: true, down: true, minRiseShare: 1, minFallShare: 0.5, minAbsolute: 60_000 });
  if (o === null) return null;
  const took = formatSpan(o.value, locale);
  const usual = formatSpan(o.usual, locale);
  return o.direction === 'larger'
    ? {
        kind: 'duration-unusual',
        severity: 'warning',
        message: `The latest backup of ${job} took ${took}, far longer than the usual ${usual}. The computer, the source or the backup drive may be slowing down.`,
        details: { ...outlierDetails(o, h.latest, job, 'ms'), running: false },
      }
    : {
        kind: 'duration-unusual',
        severity: 'info',
        message: `The latest backup of ${job} took only ${took}, far less than the usual ${usual}. Check that it still includes everything it should.`,
        details: { ...outlierDetails(o, h.latest, job, 'ms'), running: false },
      };
}

/** Tables that lost most of their rows (or vanished) between the last two snapshots of a database. */
export function rowCountAnomaly(counts: RowCounts, options: RowDropOptions = {}): Anomaly | null {
  const locale = options.locale ?? defaultLocale;
  const dropFraction = options.dropFraction ?? 0.5;
  const minPrevious = options.minPreviousRows ?? 10;
  interface Drop {
    readonly table: string;
    readonly before: number;
    readonly after: number | null;
  }
  const drops: Drop[] = [];
  for (const [table, before] of Object.entries(counts.previous)) {
    if (!(before >= minPrevious)) continue;
    const after = Object.hasOwn(counts.current, table) ? (counts.current[table] ?? null) : null;
    if (after === null || before - after >= dropFraction * before) drops.push({ table, before, after });
  }
  if (drops.length === 0) return null;
  // Biggest losses first, so that the few named in the message are the ones that matter most.
  drops.sort((a, b) => b.before - (b.after ?? 0) - (a.before - (a.after ?? 0)) || a.table.localeCompare(b.table));

  const rows = (n: number): string => `${formatCount(n, locale)} ${plural(n, 'row', 'rows', locale)}`;
  const describe = (d: Drop): string =>
    d.after === null ? `${d.table} (missing; it had ${rows(d.before)})` : `${d.table} (${formatCount(d.before, locale)} → ${rows(d.after)})`;
  const named = drops.slice(0, 3).map(describe);
  if (drops.length > 3) named.push(`${formatCount(drops.length - 3, locale)} more`);
  const list = new Intl.ListFormat(locale, { type: 'conjunction' }).format(named);
  const n = drops.length;
  const severe = drops.some((d) => d.after === null || d.after <= d.before * 0.1);
  return {
    kind: 'rows-dropped',
    severity: severe ? 'critical' : 'warning',
    message: `In the latest backup of ${counts.source}, ${formatCount(n, locale)} ${plural(n, 'table', 'tables', locale)} lost most of ${plural(n, 'its', 'their', locale)} rows: ${list}. If nobody removed them on purpose, the earlier backup still has them.`,
    details: {
      source: counts.source,
      tables: drops.map((d) => ({ table: d.table, before: d.before, after: d.after })),
    },
  };
}

/** A job whose last success is older than its schedule allows (1.5 intervals: warning; 3: critical). */
export function overdueAnomaly(job: string, runs: readonly RunSample[], now: Date, expectedIntervalMs: number, locale = defaultLocale): Anomaly | null {
  const lastSuccess = newestFirst(runs).find(succeeded);
  if (lastSuccess === undefined) return null;
  const at = endedAt(lastSuccess);
  const lateness = latenessOf(at, now, expectedIntervalMs);
  if (lateness === 'on-time') return null;
  return {
    kind: 'overdue',
    severity: lateness === 'very-late' ? 'critical' : 'warning',
    message: `${overdueMessage(at, now, expectedIntervalMs, locale, job)}.`,
    details: { job, lastSuccessAt: at.toISOString(), expectedIntervalMs, sinceMs: now.getTime() - at.getTime() },
  };
}

const severityRank: Record<AnomalySeverity, number> = { critical: 2, warning: 1, info: 0 };

/** Everything unusual about a job's latest runs (and its database's tables), most severe first. */
export function detectAnomalies(input: AnomalyInput): Anomaly[] {
  const locale = input.locale ?? defaultLocale;
  const options = input.options ?? {};
  const found: Anomaly[] = [...sizeAnomalies(input.job, input.runs, options, locale)];
  const duration = durationAnomaly(input.job, input.runs, input.now, options, locale);
  if (duration !== null) found.push(duration);
  if (input.rowCounts !== undefined) {
    const rows = rowCountAnomaly(input.rowCounts, { ...options, locale });
    if (rows !== null) found.push(rows);
  }
  if (input.expectedIntervalMs !== undefined) {
    const overdue = overdueAnomaly(input.job, input.runs, input.now, input.expectedIntervalMs, locale);
    if (overdue !== null) found.push(overdue);
  }
  return found.sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
}
