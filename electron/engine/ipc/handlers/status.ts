// `app.status`: the dashboard's answer to "are my backups OK?", built on the status report the CLI prints.

import { statfs } from 'node:fs/promises';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import type { JobRun, JobRunState } from '../../catalog/catalog.ts';
import type { Engine } from '../../create-engine.ts';
import { repositoryForecast, type RepositoryForecast, type UsageSample } from '../../health/repository-forecast.ts';
import { statusReport } from '../../jobs/status-report.ts';
import { LocalStorage } from '../../repo/local-storage.ts';
import { iso, type HandlerMap } from '../handler.ts';
import { locationKey } from '../unlocked-repositories.ts';

type Status = ChannelOutput<'app.status'>;
type HistoryState = Status['history'][number]['state'];

const historyStates: Partial<Record<JobRunState, HistoryState>> = {
  succeeded: 'ok',
  partial: 'partial',
  failed: 'failed',
  'timed-out': 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

async function totalBytesOf(location: string): Promise<number | null> {
  try {
    const fs = await statfs(location);
    return fs.blocks * fs.bsize;
  } catch {
    return null;
  }
}

/** The forecast of a repository no job uses: today's size only, so space and the last check but no growth yet. */
async function forecastOf(engine: Engine, location: string, now: Date): Promise<RepositoryForecast> {
  const storage = new LocalStorage(location);
  const available = await storage.exists().catch(() => false);
  let samples: UsageSample[] = [];
  let space: { free: number | null; total: number | null } = { free: null, total: null };
  if (available) {
    try {
      const fs = await statfs(location);
      space = { free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize };
      samples = [{ time: now, bytesUsed: (await storage.list('data')).reduce((n, p) => n + p.size, 0) }];
    } catch {
      // A drive pulled out between the two looks: shown as not available.
    }
  }
  return repositoryForecast({ repository: location, samples, freeBytes: space.free, totalBytes: space.total, lastCheckAt: lastCheckOf(engine, location), now });
}

function lastCheckOf(engine: Engine, location: string): Date | null {
  return engine.catalog.listRuns({ repository: location, limit: 200 }).find((r) => (r.kind === 'check' || r.kind === 'verify') && r.status === 'ok')?.startedAt ?? null;
}

function historyPoint(run: JobRun, jobName: string): Status['history'][number] | undefined {
  const state = historyStates[run.state];
  if (state === undefined || run.finishedAt === null) return undefined;
  const startedAt = run.startedAt ?? run.queuedAt;
  return {
    jobId: run.jobId,
    jobName,
    time: startedAt.toISOString(),
    state,
    durationMs: Math.max(0, run.finishedAt.getTime() - startedAt.getTime()),
    bytesRead: run.totals?.bytesRead ?? null,
    bytesAdded: run.totals?.bytesAdded ?? null,
  };
}

/** Not a fault: the jobs still run on schedule, only not in this app, which takes over when the other one stops. */
function schedulerElsewhere(role: string | undefined, holder: string): Status['warnings'][number] {
  const where = role === 'daemon' ? 'in `airlock daemon` on this computer' : role === 'app' ? 'in another Airlock app using the same data folder' : 'in another Airlock process';
  return {
    level: 'info',
    about: null,
    message: `The scheduler runs ${where}; this app takes over scheduling when it stops.`,
    detail: holder,
    action: { kind: 'show-history', label: 'Show history', target: '' },
  };
}

export const statusHandlers: HandlerMap<'app.status'> = {
  async 'app.status'(engine) {
    const { catalog } = engine;
    const now = engine.clock.now();
    const report = await statusReport(catalog, { now });
    const stored = catalog.listJobs();
    const idOf = new Map(stored.map((s) => [s.job.name, s.job.id]));
    const nameOf = new Map(stored.map((s) => [s.job.id, s.job.name]));
    const active = engine.runs.list();

    const jobs = report.jobs.map((line): Status['jobs'][number] => {
      const id = idOf.get(line.name) ?? line.name;
      const last = line.health.lastRun;
      return {
        id,
        name: line.name,
        state: line.state,
        paused: line.paused,
        running: line.health.running || active.some((r) => r.jobId === id),
        line: line.line,
        lastSuccessAt: iso(line.lastSuccessAt),
        lastRunAt: iso(last?.startedAt),
        lastRunState: last?.status ?? null,
        nextRunAt: iso(line.nextRunAt),
        successRate: line.health.successRate?.rate ?? null,
        reasons: line.health.reasons.map((r) => r.message),
        anomalies: line.anomalies.map((a) => ({ kind: a.kind, severity: a.severity, message: a.message })),
      };
    });

    // Repositories no job writes to yet (just created, or opened to restore from) are shown too, with their space.
    const covered = new Set(report.repositories.map((r) => locationKey(r.name)));
    const unused = [...new Set(catalog.listRepositories().map((r) => locationKey(r.location)))].filter((l) => !covered.has(l));
    const extra = await Promise.all(unused.map(async (location) => ({ name: location, forecast: await forecastOf(engine, location, now) })));

    const repositories = await Promise.all(
      [...report.repositories, ...extra].map(async ({ name, forecast }): Promise<Status['repositories'][number]> => {
        return {
          location: name,
          available: forecast.available,
          bytesUsed: forecast.bytesUsed,
          freeBytes: forecast.freeBytes,
          totalBytes: forecast.available ? await totalBytesOf(name) : null,
          percentFull: forecast.percentFull,
          growthBytesPerDay: forecast.growth?.perDay ?? null,
          daysUntilFull: forecast.daysUntilFull,
          lastCheckAt: iso(lastCheckOf(engine, name)),
          summary: forecast.summary,
        };
      }),
    );

    // Oldest first, as charts draw them.
    const history = catalog
      .listJobRuns({ limit: 500 })
      .flatMap((run) => {
        const point = historyPoint(run, nameOf.get(run.jobId) ?? run.jobId);
        return point === undefined ? [] : [point];
      })
      .reverse();

    const warnings: Status['warnings'] = report.warnings.map((w) => ({ level: w.level, about: w.about, message: w.message, detail: w.detail ?? null, action: w.action }));
    const scheduler = engine.scheduler;
    if (scheduler.by === 'elsewhere' && stored.length > 0) warnings.push(schedulerElsewhere(scheduler.role, scheduler.message));

    return {
      overall: stored.length === 0 ? 'empty' : report.overall === 'all-good' ? 'ok' : report.overall,
      headline: stored.length === 0 ? 'No backups are set up yet' : report.headline,
      jobs,
      repositories,
      warnings,
      history,
      activeRuns: active,
    };
  },
};
