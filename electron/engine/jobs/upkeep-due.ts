// When a job's periodic upkeep of a repository is due: the read-back check, the restore drill and prune, each on its own rhythm.

import type { Catalog, RunKind } from '../catalog/catalog.ts';
import type { Job } from './job.ts';

const DAY_MS = 86_400_000;

/** When each kind of upkeep last succeeded for the repository (undefined: never). */
export interface UpkeepHistory {
  readonly lastReadData?: Date | undefined;
  readonly lastDrill?: Date | undefined;
  readonly lastPrune?: Date | undefined;
}

export interface UpkeepDue {
  /** The share of packs to read back (0..1], when a read-back check is due. */
  readonly readData: number | undefined;
  readonly drill: boolean;
  readonly prune: boolean;
}

function due(last: Date | undefined, everyDays: number | undefined, now: Date): boolean {
  if (everyDays === undefined) return false;
  // Half an hour of slack: a daily job that ran a few minutes earlier than yesterday must not skip a whole day.
  return last === undefined || now.getTime() >= last.getTime() + everyDays * DAY_MS - 30 * 60_000;
}

/** Pure: which upkeep the job asks for is due now, given when each last succeeded. */
export function upkeepDue(job: Pick<Job, 'verification' | 'prune'>, history: UpkeepHistory, now: Date): UpkeepDue {
  const readData = job.verification.readData;
  return {
    readData: readData !== undefined && due(history.lastReadData, readData.everyDays, now) ? readData.percent / 100 : undefined,
    drill: due(history.lastDrill, job.verification.restoreDrill?.everyDays, now),
    prune: due(history.lastPrune, job.prune?.everyDays, now),
  };
}

/**
 * The upkeep history from the catalog. Read-back checks and prunes count whoever ran them (they are about the whole
 * repository); drills count only this job's, since they prove this job's sources come back.
 */
export function upkeepHistory(catalog: Pick<Catalog, 'listRuns'>, location: string, jobId: string): UpkeepHistory {
  const lastOk = (kind: RunKind, onlyJob: boolean): Date | undefined =>
    catalog.listRuns({ repository: location, kind, limit: 50, ...(onlyJob ? { jobId } : {}) }).find((r) => r.status === 'ok')?.startedAt;
  return { lastReadData: lastOk('verify', false), lastDrill: lastOk('drill', true), lastPrune: lastOk('prune', false) };
}
