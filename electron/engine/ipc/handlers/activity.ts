// Activity channels: the run history with errors in words, one run's details, and the audit log with its chain verified.

import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import type { Run } from '../../catalog/catalog.ts';
import { AirlockError } from '../../errors.ts';
import { iso, type HandlerMap } from '../handler.ts';
import { locationKey } from '../unlocked-repositories.ts';

type ActivityRun = ChannelOutput<'activity.runs'>[number];

function runOf(run: Run): ActivityRun {
  return {
    id: run.id,
    kind: run.kind,
    repository: run.repositoryLocation,
    jobId: run.jobId,
    source: run.source,
    startedAt: run.startedAt.toISOString(),
    finishedAt: iso(run.finishedAt),
    durationMs: run.durationMs,
    status: run.status,
    snapshotId: run.snapshotId,
    bytesRead: run.stats.bytesRead,
    bytesAdded: run.stats.bytesAdded,
    filesNew: run.stats.filesNew,
    filesChanged: run.stats.filesChanged,
    warningCount: run.warnings.length,
    error: run.error === null ? null : { code: run.error.code, message: run.error.message },
  };
}

export const activityHandlers: HandlerMap<'activity.runs' | 'activity.run' | 'activity.audit'> = {
  'activity.runs'(engine, { limit, repository, jobId }) {
    const runs = engine.catalog.listRuns({ limit: limit ?? 200, ...(jobId === undefined ? {} : { jobId }), ...(repository === undefined ? {} : { repository: locationKey(repository) }) });
    return Promise.resolve(runs.map(runOf));
  },

  'activity.run'(engine, { id }) {
    const run = engine.catalog.getRun(id);
    if (run === undefined) throw new AirlockError('USAGE', `There is no run ${id} in the history; it may have been cleared with the catalog.`);
    return Promise.resolve({ ...runOf(run), warnings: [...run.warnings] });
  },

  'activity.audit'(engine, { limit }) {
    const entries = engine.catalog.listAudit({ limit: limit ?? 500 }).reverse();
    const check = engine.catalog.verifyAudit();
    return Promise.resolve({
      entries: entries.map((e) => ({ seq: e.seq, time: e.time, actor: e.actor, action: e.action, target: e.target, details: e.details })),
      verification: check.ok ? { ok: true as const, length: check.length } : { ok: false as const, seq: check.seq, problem: check.problem, reason: check.reason },
    });
  },
};
