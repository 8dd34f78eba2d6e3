// Gathers what `airlock status` and the dashboard show: jobs, their runs and next times, and each repository's space, into backupStatus.

import { statfs } from 'node:fs/promises';
import type { Catalog, JobRun, StoredJob } from '../catalog/catalog.ts';
import { detectAnomalies, type Anomaly } from '../health/anomalies.ts';
import type { RunSample } from '../health/run-sample.ts';
import { backupStatus, type StatusReport } from '../health/status.ts';
import type { UsageSample } from '../health/repository-forecast.ts';
import { driveName, type DriveLister } from '../drives/drive.ts';
import { resolveDrives } from '../drives/locate.ts';
import { LocalStorage } from '../repo/local-storage.ts';
import { scheduleOf } from './job.ts';
import { nextRuns } from './schedule.ts';

/** A job run as the health functions read it; a run still waiting in the queue has no outcome to judge yet. */
export function jobRunSample(run: JobRun): RunSample | undefined {
  if (run.state === 'queued') return undefined;
  const startedAt = run.startedAt ?? run.queuedAt;
  const status: RunSample['status'] =
    run.state === 'succeeded'
      ? 'ok'
      : run.state === 'partial'
        ? 'partial'
        : run.state === 'failed' || run.state === 'timed-out'
          ? 'failed'
          : run.state === 'running' || run.state === 'waiting-retry'
            ? 'running'
            : run.state;
  const finished = status === 'running' ? null : run.finishedAt;
  const withError = status === 'failed' || status === 'interrupted';
  return {
    startedAt,
    finishedAt: finished,
    status,
    durationMs: finished === null ? null : Math.max(0, finished.getTime() - startedAt.getTime()),
    bytesRead: run.totals?.bytesRead ?? null,
    bytesAdded: run.totals?.bytesAdded ?? null,
    warnings: run.totals?.warnings ?? 0,
    errorCode: withError ? (run.errorCode ?? 'UNEXPECTED') : null,
    errorMessage: withError ? (run.reason ?? 'The run did not finish.') : null,
  };
}

/**
 * The longest gap between the job's next few runs: "weekdays at 18:30" is expected every three days over a
 * weekend, and judging it by the one-day gap would call it late every Monday morning.
 */
export function expectedIntervalOf(job: StoredJob['job'], now: Date): number | undefined {
  const times = nextRuns(scheduleOf(job), now, 8);
  let longest: number | undefined;
  for (let i = 1; i < times.length; i++) {
    const gap = (times[i]?.getTime() ?? 0) - (times[i - 1]?.getTime() ?? 0);
    if (longest === undefined || gap > longest) longest = gap;
  }
  return longest;
}

interface Space {
  readonly freeBytes: number | null;
  readonly totalBytes: number | null;
  readonly usedBytes: number | null;
}

async function spaceOf(location: string): Promise<Space> {
  const storage = new LocalStorage(location);
  try {
    if (!(await storage.exists())) return { freeBytes: null, totalBytes: null, usedBytes: null };
    const fs = await statfs(location);
    const packs = await storage.list('data');
    return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize, usedBytes: packs.reduce((n, p) => n + p.size, 0) };
  } catch {
    return { freeBytes: null, totalBytes: null, usedBytes: null };
  }
}

/**
 * Past sizes, reconstructed backwards from today's size and what each recorded backup added. Space freed by prune
 * in between is not seen, so growth reads a little high: the forecast errs towards warning early.
 */
function usageHistory(catalog: Catalog, location: string, usedNow: number, now: Date): UsageSample[] {
  const samples: UsageSample[] = [{ time: now, bytesUsed: usedNow }];
  let size = usedNow;
  for (const run of catalog.listRuns({ repository: location, kind: 'backup', limit: 500 })) {
    if (run.finishedAt === null || run.stats.bytesAdded === null) continue;
    size = Math.max(0, size - run.stats.bytesAdded);
    samples.push({ time: run.startedAt, bytesUsed: size });
  }
  return samples;
}

/** A job's anomalies now, from its recent runs: what the alert center tells after each of its runs. */
export function jobAnomalies(catalog: Pick<Catalog, 'getJob' | 'listJobRuns'>, jobId: string, now: Date): Anomaly[] {
  const stored = catalog.getJob(jobId);
  if (stored === undefined) return [];
  const runs = catalog.listJobRuns({ jobId, limit: 50 }).flatMap((r) => {
    const sample = jobRunSample(r);
    return sample === undefined ? [] : [sample];
  });
  let expectedIntervalMs: number | undefined;
  try {
    expectedIntervalMs = expectedIntervalOf(stored.job, now);
  } catch {
    // A schedule that no longer parses has no expected interval; the other anomalies still count.
  }
  return detectAnomalies({ job: stored.job.name, runs, now, ...(expectedIntervalMs === undefined ? {} : { expectedIntervalMs }) });
}

export interface StatusOptions {
  readonly now: Date;
  /** Looks at each repository's folder for its size and free space; off for a quick answer. Default true. */
  readonly inspectRepositories?: boolean;
  /** Mounted drives, to say which job waits for which drive; without it no job is said to wait. */
  readonly drives?: DriveLister;
}

/** Builds the status report from the catalog (and the repositories' folders). */
export async function statusReport(catalog: Catalog, options: StatusOptions): Promise<StatusReport> {
  const { now } = options;
  const stored = catalog.listJobs();
  const mounted = options.drives?.list();
  const jobs = stored.map((s) => {
    const { job } = s;
    const runs = catalog.listJobRuns({ jobId: job.id, limit: 50 }).flatMap((r) => {
      const sample = jobRunSample(r);
      return sample === undefined ? [] : [sample];
    });
    let nextRunAt: Date | null = null;
    let expectedIntervalMs: number | undefined;
    try {
      nextRunAt = job.paused ? null : (nextRuns(scheduleOf(job), now, 1)[0] ?? null);
      expectedIntervalMs = expectedIntervalOf(job, now);
    } catch {
      // A schedule that no longer parses (a zone gone from the system) shows as no next run.
    }
    const missing = mounted === undefined ? [] : resolveDrives(job.drives ?? [], mounted).missing;
    return {
      name: job.name,
      runs,
      ...(missing[0] === undefined ? {} : { waitingForDrive: driveName(missing[0]) }),
      nextRunAt,
      timeZone: job.timeZone,
      paused: job.paused,
      repositories: job.repositories,
      ...(expectedIntervalMs === undefined ? {} : { expectedIntervalMs }),
    };
  });

  const locations = [...new Set(stored.flatMap((s) => s.job.repositories))];
  const repositories = await Promise.all(
    locations.map(async (location) => {
      const space = options.inspectRepositories === false ? { freeBytes: null, totalBytes: null, usedBytes: null } : await spaceOf(location);
      const lastCheck = catalog.listRuns({ repository: location, limit: 200 }).find((r) => (r.kind === 'check' || r.kind === 'verify') && r.status === 'ok');
      const drill = catalog.listDrills({ repository: location, limit: 1 })[0];
      const failedChecks = drill?.checks.filter((c) => !c.ok).map((c) => `${c.item}: ${c.detail}`) ?? [];
      return {
        lastDrill: drill === undefined ? null : { at: drill.time, ok: drill.ok, ...(failedChecks.length === 0 ? {} : { detail: failedChecks.slice(0, 3).join('; ') }) },
        repository: location,
        samples: space.usedBytes === null ? [] : usageHistory(catalog, location, space.usedBytes, now),
        freeBytes: space.freeBytes,
        totalBytes: space.totalBytes,
        lastCheckAt: lastCheck?.startedAt ?? null,
      };
    }),
  );
  return backupStatus({ now, jobs, repositories });
}
