// Job channels: list, create, edit, remove, run now, pause and resume, and the previews of a schedule and of a retention policy.

import type { ChannelInput, ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { definitionJson, parseJobDefinition, type StoredJob } from '../../catalog/catalog.ts';
import type { Engine } from '../../create-engine.ts';
import { driveRefsFor } from '../../drives/locate.ts';
import { AirlockError } from '../../errors.ts';
import { scheduleOf } from '../../jobs/job.ts';
import { isFolderSource, jobSource, sourceLocation, sourceOptions } from '../../jobs/job-source.ts';
import { describeSchedule, nextRuns, parseSchedule, systemTimeZone } from '../../jobs/schedule.ts';
import { newJobId } from '../../jobs/job-id.ts';
import { jobTag } from '../../jobs/run-job.ts';
import { secretKeys } from '../../ports.ts';
import { applyRetention, type RetentionPolicy } from '../../retention/policy.ts';
import { isDatabaseUrl } from '../../sources/database-url.ts';
import { iso, type HandlerMap } from '../handler.ts';
import { locationKey } from '../unlocked-repositories.ts';

type JobInfo = ChannelOutput<'jobs.get'>;
type JobFields = ChannelInput<'jobs.create'>['job'];

function zoneOf(name: string): string {
  return name.trim().toLowerCase() === 'local' ? systemTimeZone() : name;
}

function summaryOf(job: StoredJob['job']): string {
  try {
    return describeSchedule(scheduleOf(job));
  } catch (err) {
    // A zone gone from the system since the job was saved: say so where the summary would be.
    return err instanceof AirlockError ? err.message : `on the schedule "${job.schedule}"`;
  }
}

async function infoOf(engine: Engine, stored: StoredJob): Promise<JobInfo> {
  const { job } = stored;
  const missing: string[] = [];
  const sources = job.sources.map(sourceLocation);
  for (const source of sources) {
    if (isDatabaseUrl(source) && (await engine.secrets.get(secretKeys.databasePassword(source))) === undefined) missing.push(source);
  }
  return {
    id: job.id,
    name: job.name,
    sources,
    sourceOptions: Object.fromEntries(job.sources.flatMap((entry) => (typeof entry === 'string' ? [] : [[entry.source, sourceOptions(entry)]]))),
    repositories: [...job.repositories],
    schedule: job.schedule,
    timeZone: job.timeZone,
    scheduleSummary: summaryOf(job),
    retention: job.retention === undefined ? null : { ...job.retention, ...(job.retention.keepTags === undefined ? {} : { keepTags: [...job.retention.keepTags] }) },
    verification: job.verification,
    timeoutMs: job.timeoutMs ?? null,
    retries: job.retries,
    missedRuns: job.missedRuns,
    paused: job.paused,
    priority: job.priority,
    prune: job.prune ?? null,
    sourcesMissingPassword: missing,
    createdAt: stored.createdAt.toISOString(),
    updatedAt: stored.updatedAt.toISOString(),
  };
}

function storedJob(engine: Engine, id: string): StoredJob {
  const stored = engine.catalog.getJob(id);
  if (stored === undefined) throw new AirlockError('JOB_NOT_FOUND', `There is no job ${id}; it may have been removed in another window or by the command line.`);
  return stored;
}

/** The definition as the catalog stores it: repositories as absolute paths, the drives they lie on noted while plugged in. */
function definitionOf(engine: Engine, fields: JobFields, id: string, createdAt: string, previous: StoredJob | undefined): ReturnType<typeof parseJobDefinition> {
  const repositories = fields.repositories.map(locationKey);
  const folders = fields.sources.filter(isFolderSource);
  const drives = driveRefsFor([...repositories, ...folders], engine.drives.list(), previous?.job.drives ?? []);
  const passphraseFiles = Object.fromEntries(Object.entries(previous?.passphraseFiles ?? {}).filter(([r]) => repositories.includes(r)));
  const { sourceOptions: options = {}, ...rest } = fields;
  const unknown = Object.keys(options).filter((source) => !fields.sources.includes(source));
  if (unknown.length > 0) throw new AirlockError('USAGE', `Options were given for ${unknown.join(', ')}, which is not a source of the job. Add the source, or remove its options.`);
  return parseJobDefinition({
    ...rest,
    sources: fields.sources.map((source) => jobSource(source, options[source] ?? {})),
    id,
    createdAt,
    repositories,
    timeZone: zoneOf(fields.timeZone),
    ...(drives.length === 0 ? {} : { drives }),
    passphraseFiles,
  });
}

async function storePasswords(engine: Engine, passwords: Readonly<Record<string, string>> | undefined): Promise<void> {
  for (const [source, password] of Object.entries(passwords ?? {})) {
    if (password === '') await engine.secrets.delete(secretKeys.databasePassword(source));
    else await engine.secrets.set(secretKeys.databasePassword(source), password);
  }
}

function schedulePreview(schedule: string, timeZone: string, now: Date, count: number): ChannelOutput<'jobs.previewSchedule'> {
  try {
    const parsed = parseSchedule(schedule, timeZone);
    return { ok: true, summary: describeSchedule(parsed), nextRuns: nextRuns(parsed, now, count).map((d) => d.toISOString()) };
  } catch (err) {
    // A schedule being typed is wrong most of the time: the sentence is the answer, not a failed call.
    if (err instanceof AirlockError) return { ok: false, message: err.message };
    throw err;
  }
}

/** The policy without the keys a caller left undefined, as the retention rules take it. */
function policyOf(input: ChannelInput<'jobs.previewRetention'>['policy']): RetentionPolicy {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

function asAuditDetails(value: Record<string, unknown>): Record<string, string> {
  return { definition: JSON.stringify(value) };
}

export const jobHandlers: HandlerMap<
  'jobs.list' | 'jobs.get' | 'jobs.create' | 'jobs.update' | 'jobs.remove' | 'jobs.runNow' | 'jobs.pause' | 'jobs.resume' | 'jobs.previewSchedule' | 'jobs.previewRetention'
> = {
  async 'jobs.list'(engine) {
    return Promise.all(engine.catalog.listJobs().map((s) => infoOf(engine, s)));
  },

  async 'jobs.get'(engine, { id }) {
    return infoOf(engine, storedJob(engine, id));
  },

  async 'jobs.create'(engine, { job, sourcePasswords }) {
    const definition = definitionOf(engine, job, newJobId(engine.catalog, job.name), engine.clock.now().toISOString(), undefined);
    const stored = engine.catalog.addJob(definition);
    await storePasswords(engine, sourcePasswords);
    engine.catalog.appendAudit({ actor: engine.actor, action: 'job.add', target: stored.job.id, details: { name: stored.job.name, ...asAuditDetails(definitionJson(definition)) } });
    engine.emit('status.changed', {});
    return infoOf(engine, stored);
  },

  async 'jobs.update'(engine, { id, job, sourcePasswords }) {
    const previous = storedJob(engine, id);
    const definition = definitionOf(engine, job, id, previous.job.createdAt ?? previous.createdAt.toISOString(), previous);
    const stored = engine.catalog.replaceJob(definition);
    await storePasswords(engine, sourcePasswords);
    engine.catalog.appendAudit({ actor: engine.actor, action: 'job.edit', target: id, details: { name: stored.job.name, ...asAuditDetails(definitionJson(definition)) } });
    engine.emit('status.changed', {});
    return infoOf(engine, stored);
  },

  'jobs.remove'(engine, { id }) {
    const stored = engine.catalog.getJob(id);
    const removed = engine.catalog.removeJob(id);
    if (removed) {
      engine.catalog.appendAudit({ actor: engine.actor, action: 'job.remove', target: id, details: { name: stored?.job.name ?? id } });
      engine.emit('status.changed', {});
    }
    return Promise.resolve({ removed });
  },

  'jobs.runNow'(engine, { id }) {
    return Promise.resolve({ runId: engine.runJobNow(storedJob(engine, id)) });
  },

  async 'jobs.pause'(engine, { id }) {
    const stored = engine.catalog.setJobPaused(storedJob(engine, id).job.id, true);
    engine.catalog.appendAudit({ actor: engine.actor, action: 'job.pause', target: id, details: { name: stored.job.name } });
    engine.emit('status.changed', {});
    return infoOf(engine, stored);
  },

  async 'jobs.resume'(engine, { id }) {
    const stored = engine.catalog.setJobPaused(storedJob(engine, id).job.id, false);
    engine.catalog.appendAudit({ actor: engine.actor, action: 'job.resume', target: id, details: { name: stored.job.name } });
    engine.emit('status.changed', {});
    return infoOf(engine, stored);
  },

  'jobs.previewSchedule'(engine, { schedule, timeZone, count }) {
    return Promise.resolve(schedulePreview(schedule, zoneOf(timeZone), engine.clock.now(), count ?? 5));
  },

  'jobs.previewRetention'(engine, { repository, policy, jobId, timeZone }) {
    const key = locationKey(repository);
    const known = engine.catalog.listRepositories().find((r) => locationKey(r.location) === key);
    if (known === undefined) throw new AirlockError('REPO_NOT_FOUND', `Airlock does not know the repository at ${key} yet. Open it once, then the preview can show its snapshots.`);
    const tag = jobId === undefined ? undefined : jobTag({ id: jobId });
    const snapshots = engine.catalog.listSnapshots(known.id).filter((s) => tag === undefined || s.tags.includes(tag));
    // Snapshots of different things are never weighed against each other, as `forget` groups them.
    const groups = new Map<string, typeof snapshots>();
    for (const s of snapshots) {
      const group = JSON.stringify([s.hostname, s.sourceKind, s.sourceDescription]);
      groups.set(group, [...(groups.get(group) ?? []), s]);
    }
    const now = engine.clock.now();
    const zone = timeZone === undefined ? undefined : zoneOf(timeZone);
    const decided = [...groups.values()].flatMap((group) => {
      const decisions = applyRetention(group.map((s) => ({ id: s.id, time: s.time, tags: s.tags })), policyOf(policy), now, zone);
      return group.map((s, i) => ({ snapshot: s, keep: decisions[i]?.keep ?? true, reasons: [...(decisions[i]?.reasons ?? [])] }));
    });
    decided.sort((a, b) => b.snapshot.time.getTime() - a.snapshot.time.getTime());
    const keepCount = decided.filter((d) => d.keep).length;
    return Promise.resolve({
      snapshots: decided.map((d) => ({ id: d.snapshot.id, time: iso(d.snapshot.time), source: d.snapshot.sourceDescription, keep: d.keep, reasons: d.reasons })),
      keepCount,
      forgetCount: decided.length - keepCount,
    });
  },
};
