// What one run of a job does: back up each source into each repository, record it, apply retention, then the upkeep that is due (check, read-back, prune, restore drill).

import { readFile } from 'node:fs/promises';
import { runBackup, type BackupSource } from '../backup/run-backup.ts';
import type { Catalog, JobRunTotals, RunError } from '../catalog/catalog.ts';
import { recordRun, refreshSnapshots, snapshotRecord } from '../catalog/repository-sync.ts';
import { AirlockError, type ErrorCode } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import { LocalStorage } from '../repo/local-storage.ts';
import { pruneRepository } from '../repo/prune.ts';
import { Repository, type RepositoryOptions } from '../repo/repository.ts';
import type { Snapshot } from '../repo/snapshot.ts';
import { groupKey, type ForgetGroup } from '../retention/forget.ts';
import { applyRetention, type RetentionPolicy } from '../retention/policy.ts';
import { isDatabaseUrl, parseDatabaseUrl, type DatabaseConnection } from '../sources/database-url.ts';
import { checkRepository } from '../verify/check.ts';
import { runDrill, type DrillCheck } from '../verify/drill.ts';
import type { Job } from './job.ts';
import { excludeOptionsOf, sourceLocation, sourceOptions } from './job-source.ts';
import { upkeepDue, upkeepHistory } from './upkeep-due.ts';
import { isRetryable } from './retry.ts';

/**
 * The one place where a job's source text becomes what the backup engine reads; `tables` (SQLite and database
 * servers only, as the job's schema allows) narrows the backup to those tables.
 */
export function backupSourceFor(text: string, databasePassword?: string, tables?: readonly string[]): BackupSource {
  const only = tables === undefined ? {} : { tables };
  const sqlite = /^sqlite:\/\/(\/.+)$/i.exec(text);
  if (sqlite?.[1] !== undefined) return { kind: 'sqlite', path: decodeURIComponent(sqlite[1]), ...only };
  if (/^sqlite:/i.test(text)) {
    throw new AirlockError('USAGE', `"${text}" is not a SQLite source: write sqlite:///absolute/path/to/file.db (three slashes before an absolute path).`);
  }
  // The database password comes from the secret store or the environment the scheduler runs in, never from the stored job.
  if (isDatabaseUrl(text)) return { kind: 'database', connection: parseDatabaseUrl(text, databasePassword ?? envDatabasePassword()), ...only };
  return { kind: 'files', paths: [text] };
}

function envDatabasePassword(): string | undefined {
  return process.env.AIRLOCK_DB_PASSWORD || undefined;
}

/** Gives the passphrase of a repository, by its location as the job names it. */
export type PassphraseProvider = (location: string) => Promise<string>;

export interface PassphraseSources {
  /** Repository location → file whose first line is its passphrase (from the job definition). */
  readonly files?: Readonly<Record<string, string>>;
  readonly env?: NodeJS.ProcessEnv;
  /** Asked when neither a file nor AIRLOCK_PASSPHRASE gives one (the CLI prompts on a terminal); else an error. */
  readonly fallback?: () => Promise<string>;
}

/** Passphrases from the job's per-repository files, else AIRLOCK_PASSPHRASE; never stored anywhere in clear. */
export function passphraseProvider(sources: PassphraseSources = {}): PassphraseProvider {
  const env = sources.env ?? process.env;
  return async (location) => {
    const file = sources.files?.[location];
    if (file !== undefined) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const why = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
        throw new AirlockError('USAGE', `The passphrase file ${file} for the repository ${location} cannot be read (${why}). Check the path and its permissions.`, { cause: err });
      }
      // Only the first line: editors add a trailing newline that is not part of the passphrase.
      return text.split(/\r?\n/)[0] ?? '';
    }
    const fromEnv = env.AIRLOCK_PASSPHRASE;
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (sources.fallback !== undefined) return sources.fallback();
    throw new AirlockError(
      'USAGE',
      `No passphrase for the repository ${location}. Set AIRLOCK_PASSPHRASE for the scheduler, or store a passphrase file with \`airlock job edit NAME --passphrase-file FILE\`.`,
    );
  };
}

export type RepositoryOpener = (location: string) => Promise<Repository>;

/** Opens local repositories by location, asking `passphraseFor` for each one's passphrase. */
export function repositoryOpener(passphraseFor: PassphraseProvider, options: RepositoryOptions = {}, locate: (location: string) => string = (l) => l): RepositoryOpener {
  // The passphrase belongs to the location as the job names it; the drive may be mounted somewhere else today.
  return async (location) => Repository.open(new LocalStorage(locate(location)), await passphraseFor(location), options);
}

export interface RunJobDeps {
  readonly catalog: Catalog;
  readonly openRepository: RepositoryOpener;
  /** Who runs it, for the audit log: "scheduler", "cli:alice@front-desk". */
  readonly actor: string;
  /** Cancel or time limit: the run stops within about a second and leaves every repository clean. */
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
  /** One line per step, for the log. */
  readonly onStep?: ((step: JobStep) => void) | undefined;
  /**
   * Where a repository or folder of the job is right now: a removable drive mounted somewhere else than when the
   * job was saved moves its paths. Identity when absent.
   */
  readonly locate?: ((path: string) => string) | undefined;
  /**
   * The remembered password of a database source (or of a drill's scratch server), by its address as the job writes
   * it; AIRLOCK_DB_PASSWORD is used when this is absent or knows none.
   */
  readonly databasePassword?: ((source: string) => Promise<string | undefined>) | undefined;
}

export type JobStepName = 'open' | 'backup' | 'forget' | 'check' | 'read-data' | 'prune' | 'drill';

export interface JobStep {
  readonly step: JobStepName;
  readonly repository: string;
  readonly source?: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface SnapshotMade {
  readonly repository: string;
  readonly source: string;
  readonly snapshotId: string;
  readonly partial: boolean;
  readonly bytesRead: number;
  readonly bytesAdded: number;
  readonly warnings: readonly string[];
}

export interface RetentionApplied {
  readonly repository: string;
  readonly kept: number;
  readonly removed: readonly string[];
}

export interface VerificationDone {
  readonly repository: string;
  readonly kind: 'check' | 'read-data';
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface PruneDone {
  readonly repository: string;
  readonly bytesFreed: number;
  readonly packsRemoved: number;
  readonly packsRepacked: number;
}

export interface DrillDone {
  readonly repository: string;
  readonly source: string;
  readonly snapshotId: string;
  readonly ok: boolean;
  readonly checks: readonly DrillCheck[];
  /** The stored report's id in the catalog. */
  readonly reportId: number;
}

export interface StepFailure {
  readonly step: JobStepName;
  readonly repository: string;
  readonly source: string | null;
  readonly code: string;
  readonly message: string;
  readonly error: unknown;
}

export interface JobRunSummary {
  readonly jobId: string;
  readonly jobName: string;
  readonly snapshots: readonly SnapshotMade[];
  readonly retention: readonly RetentionApplied[];
  readonly verification: readonly VerificationDone[];
  readonly prunes: readonly PruneDone[];
  /** Restore drills done in this run, each with its report stored in the catalog. */
  readonly drills: readonly DrillDone[];
  /** Files that could not be read, and the like: the snapshots exist but miss them. */
  readonly warnings: readonly string[];
  readonly partial: boolean;
  readonly failures: readonly StepFailure[];
}

/** A job run in which some step failed: the summary says what did get done. */
export class JobRunFailed extends AirlockError {
  readonly summary: JobRunSummary;

  constructor(summary: JobRunSummary) {
    const first = summary.failures[0];
    const code: ErrorCode = first?.error instanceof AirlockError ? first.error.code : 'JOB_FAILED';
    const where = (f: StepFailure): string => `${f.step}${f.source === null ? '' : ` of ${f.source}`} into ${f.repository}`;
    const more = summary.failures.length > 1 ? ` (and ${summary.failures.length - 1} more failure${summary.failures.length > 2 ? 's' : ''})` : '';
    const text = first === undefined ? `The job ${summary.jobName} failed.` : `The job ${summary.jobName} failed at the ${where(first)}: ${first.message}${more}`;
    super(code, text, { cause: first?.error });
    this.name = 'JobRunFailed';
    this.summary = summary;
  }
}

/** A failed job run is worth another attempt only when every failure in it may clear up by itself. */
export function isRetryableJobError(error: unknown): boolean {
  if (error instanceof JobRunFailed) return error.summary.failures.length > 0 && error.summary.failures.every((f) => isRetryable(f.error));
  return isRetryable(error);
}

/** The sums the catalog keeps for a job run. */
export function totalsOf(summary: JobRunSummary): JobRunTotals {
  return {
    snapshots: summary.snapshots.length,
    bytesRead: summary.snapshots.reduce((n, s) => n + s.bytesRead, 0),
    bytesAdded: summary.snapshots.reduce((n, s) => n + s.bytesAdded, 0),
    warnings: summary.warnings.length,
    partial: summary.partial,
  };
}

function errorCodeOf(err: unknown): string {
  if (err instanceof AirlockError) return err.code;
  return 'UNEXPECTED';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The tag every snapshot of the job carries, so that `airlock snapshots` shows which job made it. */
export function jobTag(job: Pick<Job, 'id'>): string {
  return `job:${job.id}`;
}

/**
 * Retention over this job's own snapshot groups only: another job or a manual backup into the same repository keeps
 * its own history, whatever this job's policy says.
 */
async function forgetOwnSnapshots(repo: Repository, policy: RetentionPolicy, groups: ReadonlySet<string>, timeZone: string): Promise<ForgetGroup[]> {
  const lock = await repo.lock('exclusive', 'forget (scheduled job)');
  try {
    const byGroup = new Map<string, Snapshot[]>();
    for (const s of await repo.listSnapshots()) {
      const key = groupKey(s);
      if (groups.has(key)) byGroup.set(key, [...(byGroup.get(key) ?? []), s]);
    }
    const out: ForgetGroup[] = [];
    const now = repo.now();
    for (const [key, snaps] of byGroup) {
      const byId = new Map(snaps.map((s) => [s.id, s]));
      const decisions = applyRetention(snaps.map((s) => ({ id: s.id, time: new Date(s.time), tags: s.tags })), policy, now, timeZone).flatMap((d) => {
        const snapshot = byId.get(d.id);
        return snapshot === undefined ? [] : [{ snapshot, keep: d.keep, reasons: d.reasons }];
      });
      out.push({ key, decisions });
    }
    for (const group of out) for (const d of group.decisions) if (!d.keep) await repo.removeSnapshot(d.snapshot.id);
    return out;
  } finally {
    await lock.release();
  }
}

/**
 * Runs the job once: every source into every repository, each backup recorded in the catalog with the job's id;
 * then, per repository whose backups all succeeded, the job's retention; then the verification it asks for.
 * A failure in one repository does not stop the others. Returns the summary, or throws JobRunFailed (carrying it)
 * when any step failed; a cancel or time limit stops at once and throws the signal's reason.
 */
export async function runJob(job: Job, deps: RunJobDeps): Promise<JobRunSummary> {
  const { catalog, signal } = deps;
  const snapshots: SnapshotMade[] = [];
  const retention: RetentionApplied[] = [];
  const verification: VerificationDone[] = [];
  const prunes: PruneDone[] = [];
  const drills: DrillDone[] = [];
  const warnings: string[] = [];
  const where = deps.locate ?? ((path: string) => path);
  const failures: StepFailure[] = [];
  const step = (s: JobStep): void => deps.onStep?.(s);
  const passwordOf = async (source: string): Promise<string | undefined> => (isDatabaseUrl(source) ? await deps.databasePassword?.(source) : undefined);

  /** Records a failed step; a cancel or time limit is not a step failure and ends the whole run. */
  const failed = (name: JobStepName, repository: string, source: string | null, err: unknown): void => {
    if (signal?.aborted === true) throw signal.reason;
    if (err instanceof AirlockError && (err.code === 'CANCELLED' || err.code === 'TIMED_OUT')) throw err;
    failures.push({ step: name, repository, source, code: errorCodeOf(err), message: messageOf(err), error: err });
    step({ step: name, repository, ...(source === null ? {} : { source }), ok: false, detail: messageOf(err) });
  };

  for (const location of job.repositories) {
    signal?.throwIfAborted();
    let repo: Repository;
    try {
      repo = await deps.openRepository(location);
    } catch (err) {
      failed('open', location, null, err);
      continue;
    }
    // The check, the drill and the prune read packs through cached handles: closed when this repository is done,
    // not left for garbage collection (which closes each with a warning).
    try {
      const base = { repositoryLocation: location, repositoryId: repo.id, jobId: job.id };
      catalog.rememberRepository({ id: repo.id, location });

      const groups = new Set<string>();
      const failuresBefore = failures.length;
      let backupsFailed = false;
      for (const entry of job.sources) {
        const source = sourceLocation(entry);
        const options = sourceOptions(entry);
        signal?.throwIfAborted();
        try {
          const outcome = await recordRun(
            catalog,
            { ...base, kind: 'backup', source },
            async () =>
              runBackup(repo, {
                source: backupSourceFor(where(source), await passwordOf(source), options.tables),
                ...excludeOptionsOf(options),
                tags: [jobTag(job)],
                signal,
                onProgress: deps.onProgress,
              }),
            (o) => ({ status: o.partial ? 'partial' : 'ok', snapshotId: o.snapshot.id, stats: o.snapshot.summary, warnings: o.warnings }),
          );
          catalog.upsertSnapshot(repo.id, snapshotRecord(outcome.snapshot));
          groups.add(groupKey(outcome.snapshot));
          const s = outcome.snapshot.summary;
          snapshots.push({ repository: location, source, snapshotId: outcome.snapshot.id, partial: outcome.partial, bytesRead: s.bytesRead, bytesAdded: s.bytesAdded, warnings: outcome.warnings });
          warnings.push(...outcome.warnings.map((w) => `${source} → ${location}: ${w}`));
          catalog.appendAudit({
            actor: deps.actor,
            action: 'backup',
            target: location,
            details: { job: job.id, jobName: job.name, source, snapshot: outcome.snapshot.id, partial: outcome.partial, filesNew: s.filesNew, filesChanged: s.filesChanged, bytesAdded: s.bytesAdded },
          });
          step({ step: 'backup', repository: location, source, ok: true, detail: `snapshot ${outcome.snapshot.id.slice(0, 8)}${outcome.partial ? ' (partial)' : ''}` });
        } catch (err) {
          backupsFailed = true;
          failed('backup', location, source, err);
        }
      }

      if (job.retention !== undefined && !backupsFailed && groups.size > 0) {
        signal?.throwIfAborted();
        const policy = job.retention;
        try {
          const decided = await recordRun(catalog, { ...base, kind: 'forget' }, () => forgetOwnSnapshots(repo, policy, groups, job.timeZone), () => ({ status: 'ok' }));
          const removed = decided.flatMap((g) => g.decisions.filter((d) => !d.keep).map((d) => d.snapshot.id));
          const kept = decided.reduce((n, g) => n + g.decisions.filter((d) => d.keep).length, 0);
          await refreshSnapshots(catalog, repo);
          retention.push({ repository: location, kept, removed });
          if (removed.length > 0) {
            catalog.appendAudit({ actor: deps.actor, action: 'forget', target: location, details: { job: job.id, jobName: job.name, removed, kept } });
          }
          step({ step: 'forget', repository: location, ok: true, detail: `kept ${kept}, removed ${removed.length}` });
        } catch (err) {
          failed('forget', location, null, err);
        }
      }

      const due = upkeepDue(job, upkeepHistory(catalog, location, job.id), repo.now());
      const verifications: { kind: 'check' | 'read-data'; readData: number }[] = [];
      if (job.verification.checkAfterRun) verifications.push({ kind: 'check', readData: 0 });
      if (due.readData !== undefined) verifications.push({ kind: 'read-data', readData: due.readData });
      for (const v of verifications) {
        signal?.throwIfAborted();
        try {
          const report = await recordRun(
            catalog,
            { ...base, kind: v.kind === 'check' ? 'check' : 'verify' },
            async () => {
              const lock = await repo.lock('shared', v.kind === 'check' ? 'check (scheduled job)' : 'check --read-data-subset (scheduled job)');
              try {
                return await checkRepository(repo, { readData: v.readData, signal, onProgress: deps.onProgress });
              } finally {
                await lock.release();
              }
            },
            (r) => ({
              status: r.errors.length === 0 ? 'ok' : 'failed',
              warnings: r.warnings,
              ...(r.errors.length > 0 ? { error: { code: 'CORRUPT_DATA', message: `${r.errors.length} problem(s): ${r.errors.slice(0, 3).join(' ')}` } } : {}),
            }),
          );
          verification.push({ repository: location, kind: v.kind, errors: report.errors, warnings: report.warnings });
          if (report.errors.length > 0) {
            const problem = new AirlockError(
              'CORRUPT_DATA',
              `The check of ${location} found ${report.errors.length} problem(s): ${report.errors.slice(0, 3).join(' ')} Do not prune; see docs/OPERATIONS.md.`,
            );
            failed(v.kind, location, null, problem);
          } else {
            step({ step: v.kind, repository: location, ok: true, detail: `no errors (${report.snapshots} snapshots)` });
          }
        } catch (err) {
          failed(v.kind, location, null, err);
        }
      }

      // Prune only a repository in which everything so far went well: pruning one whose check found damage can lose more.
      if (due.prune && failures.length === failuresBefore) {
        signal?.throwIfAborted();
        try {
          const report = await recordRun(catalog, { ...base, kind: 'prune' }, () => pruneRepository(repo, { onProgress: deps.onProgress }), () => ({ status: 'ok' }));
          prunes.push({ repository: location, bytesFreed: report.bytesFreed, packsRemoved: report.packsRemoved, packsRepacked: report.packsRepacked });
          catalog.appendAudit({
            actor: deps.actor,
            action: 'prune',
            target: location,
            details: { job: job.id, jobName: job.name, bytesFreed: report.bytesFreed, packsRemoved: report.packsRemoved, packsRepacked: report.packsRepacked },
          });
          step({ step: 'prune', repository: location, ok: true, detail: `freed ${report.bytesFreed} bytes, ${report.packsRemoved} pack(s) removed` });
        } catch (err) {
          failed('prune', location, null, err);
        }
      }

      if (due.drill) {
        for (const made of snapshots.filter((s) => s.repository === location)) {
          signal?.throwIfAborted();
          try {
            const done = await drillSnapshot(job, made, repo, { ...base, catalog, actor: deps.actor, signal, onProgress: deps.onProgress, databasePassword: passwordOf });
            drills.push(done);
            if (done.ok) {
              step({ step: 'drill', repository: location, source: made.source, ok: true, detail: done.checks.map((c) => c.detail).join('; ') });
            } else {
              const problems = done.checks.filter((c) => !c.ok).map((c) => `${c.item}: ${c.detail}`);
              failed(
                'drill',
                location,
                made.source,
                new AirlockError('VERIFY_FAILED', `The restore drill of snapshot ${made.snapshotId.slice(0, 8)} (${made.source}) did not give the data back intact: ${problems.slice(0, 3).join('; ')}. Run \`airlock check --read-data\` on ${location}.`),
              );
            }
          } catch (err) {
            failed('drill', location, made.source, err);
          }
        }
      }
    } finally {
      await repo.storage.close?.();
    }
  }

  const summary: JobRunSummary = {
    jobId: job.id,
    jobName: job.name,
    snapshots,
    retention,
    verification,
    prunes,
    drills,
    warnings,
    partial: snapshots.some((s) => s.partial),
    failures,
  };
  if (failures.length > 0) throw new JobRunFailed(summary);
  return summary;
}

interface DrillContext {
  readonly catalog: Catalog;
  readonly actor: string;
  readonly repositoryLocation: string;
  readonly repositoryId: string;
  readonly jobId: string;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
  readonly databasePassword: (source: string) => Promise<string | undefined>;
}

/**
 * The server a database snapshot of `source` is restored into for its drill: the job's scratch server, else the
 * source's own. A scratch server without a remembered password of its own is tried with the source's.
 */
async function scratchFor(job: Job, source: string, passwordOf: (source: string) => Promise<string | undefined>): Promise<DatabaseConnection | undefined> {
  if (!isDatabaseUrl(source)) return undefined;
  const scratch = job.verification.restoreDrill?.scratch;
  const password = (scratch === undefined ? undefined : await passwordOf(scratch)) ?? (await passwordOf(source)) ?? envDatabasePassword();
  return parseDatabaseUrl(scratch ?? source, password);
}

/** Restores the snapshot just made somewhere disposable, compares, and stores the report (and the run) in the catalog. */
async function drillSnapshot(job: Job, made: SnapshotMade, repo: Repository, ctx: DrillContext): Promise<DrillDone> {
  const { catalog } = ctx;
  const runId = catalog.startRun({ kind: 'drill', repositoryLocation: ctx.repositoryLocation, repositoryId: ctx.repositoryId, jobId: ctx.jobId, source: made.source });
  try {
    const snapshot = await repo.resolveSnapshot(made.snapshotId);
    const lock = await repo.lock('shared', 'restore drill (scheduled job)');
    let report;
    try {
      report = await runDrill(repo, snapshot, {
        scratch: await scratchFor(job, made.source, ctx.databasePassword),
        sampleFiles: job.verification.restoreDrill?.sampleFiles,
        signal: ctx.signal,
        onProgress: ctx.onProgress,
      });
    } finally {
      await lock.release();
    }
    const problems = report.checks.filter((c) => !c.ok).map((c) => `${c.item}: ${c.detail}`);
    catalog.finishRun(runId, {
      status: report.ok ? 'ok' : 'failed',
      snapshotId: made.snapshotId,
      ...(report.ok ? {} : { error: { code: 'VERIFY_FAILED', message: problems.join('; ') || 'the drill compared nothing' } }),
    });
    const stored = catalog.recordDrill({
      runId,
      jobId: ctx.jobId,
      repositoryLocation: ctx.repositoryLocation,
      snapshotId: made.snapshotId,
      source: made.source,
      ok: report.ok,
      durationMs: report.durationMs,
      checks: report.checks,
    });
    catalog.appendAudit({
      actor: ctx.actor,
      action: 'drill',
      target: ctx.repositoryLocation,
      details: { job: job.id, jobName: job.name, source: made.source, snapshot: made.snapshotId, ok: report.ok, report: stored.id },
    });
    return { repository: ctx.repositoryLocation, source: made.source, snapshotId: made.snapshotId, ok: report.ok, checks: report.checks, reportId: stored.id };
  } catch (err) {
    const cancelled = err instanceof AirlockError && err.code === 'CANCELLED';
    const error: RunError = err instanceof AirlockError ? { code: err.code, message: err.message } : { code: 'UNEXPECTED', message: messageOf(err) };
    catalog.finishRun(runId, { status: cancelled ? 'cancelled' : 'failed', error });
    throw err;
  }
}
