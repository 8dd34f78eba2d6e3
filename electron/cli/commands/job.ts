// `airlock job …`: add, edit, list, show, remove, run, pause, resume, export and import scheduled jobs.

import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ParseArgsOptionsConfig } from 'node:util';
import { definitionJson, parseJobDefinition, type Catalog, type DrillReportRecord, type JobDefinition, type JobRun, type StoredJob } from '../../engine/catalog/catalog.ts';
import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { systemClock } from '../../engine/jobs/clock.ts';
import { parseTimeout, scheduleOf, type DriveRef } from '../../engine/jobs/job.ts';
import { describeSourceOptions, isFolderSource, jobSource, sourceLocation, sourceOptions, type JobSource, type SourceOptions } from '../../engine/jobs/job-source.ts';
import { newJobId } from '../../engine/jobs/job-id.ts';
import { jobExecutor, JobRunner } from '../../engine/jobs/job-runner.ts';
import type { JobRunSummary } from '../../engine/jobs/run-job.ts';
import { describeSchedule, nextRuns, systemTimeZone } from '../../engine/jobs/schedule.ts';
import { shortId } from '../../engine/repo/snapshot.ts';
import { isDatabaseUrl } from '../../engine/sources/database-url.ts';
import { parseSize } from '../../engine/sources/files/excludes.ts';
import { driveName } from '../../engine/drives/drive.ts';
import { driveRefsFor } from '../../engine/drives/locate.ts';
import { systemDriveLister } from '../../engine/drives/system-drives.ts';
import { waitForDrives } from '../../engine/drives/wait.ts';
import { asDetails, cliActor } from '../audit-entry.ts';
import { flag, listOption, stringOption, type Command, type CommandContext, type OptionGiven, type OptionValues } from '../command.ts';
import { formatBytes, table } from '../format.ts';
import { policyFrom } from './forget.ts';

/** Kept here too for callers that imported it from this module. */
export { cliActor };

export async function requireCatalog(ctx: Pick<CommandContext, 'catalog'>): Promise<Catalog> {
  const catalog = await ctx.catalog();
  if (catalog === undefined) throw new AirlockError('IO_ERROR', 'The catalog, where jobs are kept, could not be opened; see the warning above.');
  return catalog;
}

function findJob(catalog: Catalog, name: string): StoredJob {
  const found = catalog.findJob(name);
  if (found === undefined) throw new AirlockError('JOB_NOT_FOUND', `There is no job named "${name}". See \`airlock job list\`.`);
  return found;
}

function jobName(ctx: CommandContext, command: string): string {
  const [name, ...extra] = ctx.positionals;
  if (name === undefined || extra.length > 0) throw new AirlockError('USAGE', `Name one job: airlock ${command} NAME (put a name with spaces in quotes).`);
  return name;
}

/** "Mon 2025-06-02 02:00 CEST" in the job's zone; seconds only when the schedule uses them. */
export function formatInZone(when: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(when);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const seconds = part('second') === '00' ? '' : `:${part('second')}`;
  return `${part('weekday')} ${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}${seconds} ${part('timeZoneName')}`;
}

const keepCounts = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

const definitionOptions: ParseArgsOptionsConfig = {
  name: { type: 'string' },
  repo: { type: 'string', multiple: true },
  source: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  'exclude-caches': { type: 'boolean' },
  'exclude-larger-than': { type: 'string', multiple: true },
  tables: { type: 'string', multiple: true },
  schedule: { type: 'string' },
  tz: { type: 'string' },
  ...Object.fromEntries(keepCounts.map((c) => [`keep-${c}`, { type: 'string' as const }])),
  'keep-within': { type: 'string' },
  'keep-tag': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  missed: { type: 'string' },
  priority: { type: 'string' },
  'no-check': { type: 'boolean' },
  'read-data-subset': { type: 'string' },
  'read-data-every': { type: 'string' },
  'drill-every': { type: 'string' },
  'drill-sample': { type: 'string' },
  'drill-scratch': { type: 'string' },
  'prune-every': { type: 'string' },
  'passphrase-file': { type: 'string', multiple: true },
  paused: { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
};

const definitionUsage =
  '--repo R [--repo R2]… --source SRC [SOURCE OPTIONS] [--source SRC2 [SOURCE OPTIONS]]… --schedule "EXPR" [--tz ZONE] [--keep-last|hourly|daily|weekly|monthly|yearly N]… ' +
  '[--keep-within 30d] [--keep-tag T] [--timeout 2h] [--retries 3] [--missed catch-up|skip] [--priority N] [--no-check] ' +
  '[--read-data-subset 10% --read-data-every DAYS] [--drill-every DAYS [--drill-sample N] [--drill-scratch URL]] [--prune-every DAYS] [--passphrase-file FILE | --passphrase-file REPO=FILE]… [--paused] [--dry-run]';

/** Said after the usage of `job add` and `job edit`. */
const sourceOptionsHelp =
  '\n\nSOURCE OPTIONS apply to the --source just before them. For a folder: --exclude PATTERN (gitignore-style, repeatable), --exclude-caches ' +
  '(skip folders holding a CACHEDIR.TAG), --exclude-larger-than SIZE (e.g. 500M). For sqlite:///…, mysql:// or postgres://: --tables a,b ' +
  '(back up only these tables). Example: --source /srv/docs --exclude "*.tmp" --source sqlite:///srv/app.db --tables orders,customers';

const perSourceOptions = new Set(['exclude', 'exclude-caches', 'exclude-larger-than', 'tables']);

function wholeNumber(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new AirlockError('USAGE', `--${name} takes a whole number, not "${text}".`);
  return Number(text);
}

function percent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  if (!m) throw new AirlockError('USAGE', `--read-data-subset takes a percentage such as 10%, not "${text}".`);
  return Number(m[1]);
}

/** A source as the job stores it: folders made absolute (the daemon does not run where this command did), URLs as given. */
function sourceText(text: string): string {
  return /^sqlite:/i.test(text) || isDatabaseUrl(text) || /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : resolve(text);
}

/** Adds one per-source option to the options of the source it follows. */
function withOption(options: SourceOptions, given: OptionGiven, source: string): SourceOptions {
  const value = given.value ?? '';
  switch (given.name) {
    case 'exclude':
      return { ...options, exclude: [...(options.exclude ?? []), value] };
    case 'exclude-caches':
      return { ...options, excludeCaches: true };
    case 'exclude-larger-than': {
      const bytes = parseSize(value);
      if (bytes === undefined || bytes <= 0) throw new AirlockError('USAGE', `--exclude-larger-than for ${source}: "${value}" is not a size; write it like 500M or 2G.`);
      return { ...options, excludeLargerThan: bytes };
    }
    default: {
      const tables = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
      if (tables.length === 0) throw new AirlockError('USAGE', `--tables for ${source} names no table; write them separated by commas, e.g. --tables orders,customers.`);
      return { ...options, tables: [...(options.tables ?? []), ...tables] };
    }
  }
}

/** The --source list with the options that follow each one; undefined when no --source was given. */
function sourcesFrom(order: readonly OptionGiven[]): JobSource[] | undefined {
  const out: { location: string; options: SourceOptions }[] = [];
  for (const given of order) {
    if (given.name === 'source') out.push({ location: sourceText(given.value ?? ''), options: {} });
    else if (perSourceOptions.has(given.name)) {
      const current = out.at(-1);
      if (current === undefined) {
        throw new AirlockError('USAGE', `--${given.name} applies to the --source given just before it; put it after that source (with \`job edit\`, give the sources again: --source replaces the list).`);
      }
      current.options = withOption(current.options, given, current.location);
    }
  }
  return out.length === 0 ? undefined : out.map((s) => jobSource(s.location, s.options));
}

/** "/srv/docs (excluding *.tmp)" for `job show`. */
function sourceLine(entry: JobSource): string {
  const options = describeSourceOptions(sourceOptions(entry), formatBytes);
  return options === '' ? sourceLocation(entry) : `${sourceLocation(entry)} (${options})`;
}

/** `--passphrase-file FILE` for every repository, or `REPO=FILE` for one. */
function passphraseFilesFrom(values: OptionValues, repositories: readonly string[], current: Readonly<Record<string, string>>): Record<string, string> {
  const given = listOption(values, 'passphrase-file');
  if (given.length === 0) return { ...current };
  const out: Record<string, string> = {};
  for (const item of given) {
    const target = repositories.find((r) => item.startsWith(`${r}=`));
    if (target !== undefined) out[target] = resolve(item.slice(target.length + 1));
    else for (const r of repositories) out[r] = resolve(item);
  }
  return out;
}

function hasRetentionOption(values: OptionValues): boolean {
  return keepCounts.some((c) => values[`keep-${c}`] !== undefined) || values['keep-within'] !== undefined || values['keep-tag'] !== undefined;
}

const mountedDrives = systemDriveLister();

/** Applies the command line to a definition (a new one when `base` is absent) and validates the result. */
function definitionFrom(values: OptionValues, order: readonly OptionGiven[], base: JobDefinition | { id: string; createdAt: string }): JobDefinition {
  const input: Record<string, unknown> = 'job' in base ? definitionJson(base) : { id: base.id, createdAt: base.createdAt, timeZone: systemTimeZone() };
  const name = stringOption(values, 'name');
  if (name !== undefined) input.name = name;
  const repos = listOption(values, 'repo').map((r) => resolve(r));
  if (repos.length > 0) input.repositories = repos;
  const sources = sourcesFrom(order);
  if (sources !== undefined) input.sources = sources;
  const schedule = stringOption(values, 'schedule');
  if (schedule !== undefined) input.schedule = schedule;
  const tz = stringOption(values, 'tz');
  if (tz !== undefined) input.timeZone = tz;
  if (flag(values, 'no-retention')) delete input.retention;
  else if (hasRetentionOption(values)) input.retention = policyFrom(values);
  const timeout = stringOption(values, 'timeout');
  if (timeout !== undefined) input.timeoutMs = parseTimeout(timeout);
  if (flag(values, 'no-timeout')) delete input.timeoutMs;
  const retries = wholeNumber(values, 'retries');
  if (retries !== undefined) input.retries = retries;
  const priority = wholeNumber(values, 'priority');
  if (priority !== undefined) input.priority = priority;
  const missed = stringOption(values, 'missed');
  if (missed !== undefined) input.missedRuns = missed;
  if (flag(values, 'paused')) input.paused = true;

  const verification: Record<string, unknown> = { ...((input.verification as Record<string, unknown> | undefined) ?? {}) };
  if (flag(values, 'no-check')) verification.checkAfterRun = false;
  if (flag(values, 'check')) verification.checkAfterRun = true;
  const subset = stringOption(values, 'read-data-subset');
  const every = wholeNumber(values, 'read-data-every');
  if ((subset === undefined) !== (every === undefined)) throw new AirlockError('USAGE', 'Give --read-data-subset and --read-data-every together, e.g. --read-data-subset 10% --read-data-every 7.');
  if (subset !== undefined && every !== undefined) verification.readData = { percent: percent(subset), everyDays: every };
  if (flag(values, 'no-read-data')) delete verification.readData;
  const drillEvery = wholeNumber(values, 'drill-every');
  const drillSample = wholeNumber(values, 'drill-sample');
  const drillScratch = stringOption(values, 'drill-scratch');
  if (drillEvery !== undefined || drillSample !== undefined || drillScratch !== undefined) {
    const current = (verification.restoreDrill as Record<string, unknown> | undefined) ?? {};
    if (drillEvery === undefined && current.everyDays === undefined) throw new AirlockError('USAGE', 'Say how often the restore drill runs: --drill-every DAYS (e.g. --drill-every 30).');
    verification.restoreDrill = {
      ...current,
      ...(drillEvery === undefined ? {} : { everyDays: drillEvery }),
      ...(drillSample === undefined ? {} : { sampleFiles: drillSample }),
      ...(drillScratch === undefined ? {} : { scratch: drillScratch }),
    };
  }
  if (flag(values, 'no-drill')) delete verification.restoreDrill;
  input.verification = verification;
  const pruneEvery = wholeNumber(values, 'prune-every');
  if (pruneEvery !== undefined) input.prune = { everyDays: pruneEvery };
  if (flag(values, 'no-prune')) delete input.prune;

  const repositories = Array.isArray(input.repositories) ? input.repositories.filter((r): r is string => typeof r === 'string') : [];
  const files = passphraseFilesFrom(values, repositories, 'job' in base ? base.passphraseFiles : {});
  // Files of repositories the job no longer writes to are dropped with them.
  input.passphraseFiles = Object.fromEntries(Object.entries(files).filter(([r]) => repositories.includes(r)));

  delete input.drives;
  return withDrives(parseJobDefinition(input), 'job' in base ? (base.job.drives ?? []) : []);
}

/**
 * The definition with the removable drives its repositories and folders lie on, noted now while they are plugged in:
 * later the job waits for a missing one instead of failing. A path whose drive is not mounted now keeps `previous`.
 */
function withDrives(definition: JobDefinition, previous: readonly DriveRef[]): JobDefinition {
  const { job } = definition;
  const folders = job.sources.map(sourceLocation).filter(isFolderSource);
  const drives = driveRefsFor([...job.repositories, ...folders], mountedDrives.list(), previous);
  const { drives: _old, ...rest } = job;
  return { ...definition, job: drives.length === 0 ? rest : { ...rest, drives } };
}

function describeDefinition(definition: JobDefinition, now: Date, count: number): { lines: string[]; next: Date[] } {
  const { job } = definition;
  const schedule = scheduleOf(job);
  const next = nextRuns(schedule, now, count);
  const retention = job.retention === undefined ? 'keep everything' : Object.entries(job.retention).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ');
  const verify = [job.verification.checkAfterRun ? 'quick check after each run' : 'no check after runs'];
  if (job.verification.readData) verify.push(`read back ${job.verification.readData.percent}% every ${job.verification.readData.everyDays} day(s)`);
  const drill = job.verification.restoreDrill;
  if (drill) {
    const what = drill.sampleFiles === undefined ? 'restore drill' : `restore drill of ${drill.sampleFiles} sample file(s) per folder`;
    verify.push(`${what} every ${drill.everyDays} day(s)${drill.scratch === undefined ? '' : ` (databases into ${drill.scratch})`}`);
  }
  const lines = [
    `Job "${job.name}" (id ${job.id})${job.paused ? ' — PAUSED' : ''}`,
    `  schedule:     ${describeSchedule(schedule)}  [${job.schedule}]`,
    `  sources:      ${job.sources.map(sourceLine).join(', ')}`,
    `  repositories: ${job.repositories.join(', ')}`,
    `  retention:    ${retention}`,
    `  verification: ${verify.join('; ')}`,
    `  prune:        ${job.prune === undefined ? 'never (run `airlock prune`)' : `every ${job.prune.everyDays} day(s), after a successful run`}`,
    `  time limit:   ${job.timeoutMs === undefined ? 'none' : `${Math.round(job.timeoutMs / 60_000)} min`}; retries: ${job.retries}; missed runs: ${job.missedRuns}`,
  ];
  const drives = job.drives ?? [];
  if (drives.length > 0) lines.push(`  drives:       ${drives.map((d) => `${d.path} on ${driveName(d)}`).join(', ')} (the job waits while one is not plugged in)`);
  const files = Object.entries(definition.passphraseFiles);
  if (files.length > 0) lines.push(`  passphrases:  ${files.map(([r, f]) => `${r} from ${f}`).join(', ')}`);
  if (next.length > 0) lines.push(`  next ${next.length === 1 ? 'run' : `${next.length} runs`}:`, ...next.map((d) => `    ${formatInZone(d, job.timeZone)}`));
  return { lines, next };
}

function drillJson(d: DrillReportRecord): Record<string, unknown> {
  return { ...d, time: d.time.toISOString() };
}

function runJson(run: JobRun): Record<string, unknown> {
  return {
    id: run.id,
    trigger: run.trigger,
    state: run.state,
    scheduledFor: run.scheduledFor.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    attempts: run.attempts,
    reason: run.reason,
    errorCode: run.errorCode,
    totals: run.totals,
  };
}

export const jobAdd: Command = {
  usage: `airlock job add --name NAME ${definitionUsage}${sourceOptionsHelp}`,
  options: definitionOptions,
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const name = stringOption(ctx.values, 'name');
    const missing = [
      name === undefined ? '--name' : undefined,
      listOption(ctx.values, 'repo').length === 0 ? '--repo' : undefined,
      listOption(ctx.values, 'source').length === 0 ? '--source' : undefined,
      stringOption(ctx.values, 'schedule') === undefined ? '--schedule' : undefined,
    ].filter((m) => m !== undefined);
    if (missing.length > 0) throw new AirlockError('USAGE', `A job needs ${missing.join(', ')}. Usage: airlock job add --name NAME ${definitionUsage}`);
    const now = new Date();
    const definition = definitionFrom(ctx.values, ctx.optionOrder, { id: newJobId(catalog, name ?? 'job'), createdAt: now.toISOString() });
    const { lines, next } = describeDefinition(definition, now, 5);
    ctx.say(lines.join('\n'));
    const dryRun = flag(ctx.values, 'dry-run');
    if (!dryRun) {
      catalog.addJob(definition);
      catalog.appendAudit({ actor: cliActor(), action: 'job.add', target: definition.job.id, details: { name: definition.job.name, definition: asDetails(definitionJson(definition)) } });
      ctx.say(`Saved. It runs while \`airlock daemon\` (or the Airlock app) is running; \`airlock job run "${definition.job.name}"\` runs it now.`);
    } else {
      ctx.say('Not saved (--dry-run).');
    }
    ctx.result({ saved: !dryRun, job: definitionJson(definition), nextRuns: next.map((d) => d.toISOString()) });
    return exitCodes.ok;
  },
};

export const jobEdit: Command = {
  usage: `airlock job edit NAME [--name NEW] [${definitionUsage}] [--no-retention] [--no-timeout] [--check] [--no-read-data] [--no-drill] [--no-prune]${sourceOptionsHelp}`,
  options: {
    ...definitionOptions,
    'no-retention': { type: 'boolean' },
    'no-timeout': { type: 'boolean' },
    check: { type: 'boolean' },
    'no-read-data': { type: 'boolean' },
    'no-drill': { type: 'boolean' },
    'no-prune': { type: 'boolean' },
  },
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const stored = findJob(catalog, jobName(ctx, 'job edit'));
    const definition = definitionFrom(ctx.values, ctx.optionOrder, stored);
    const { lines, next } = describeDefinition(definition, new Date(), 5);
    ctx.say(lines.join('\n'));
    const dryRun = flag(ctx.values, 'dry-run');
    if (!dryRun) {
      catalog.replaceJob(definition);
      catalog.appendAudit({
        actor: cliActor(),
        action: 'job.edit',
        target: definition.job.id,
        details: { name: definition.job.name, before: asDetails(definitionJson(stored)), after: asDetails(definitionJson(definition)) },
      });
      ctx.say('Saved.');
    } else {
      ctx.say('Not saved (--dry-run).');
    }
    ctx.result({ saved: !dryRun, job: definitionJson(definition), nextRuns: next.map((d) => d.toISOString()) });
    return exitCodes.ok;
  },
};

export const jobList: Command = {
  usage: 'airlock job list [--json]',
  options: {},
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const now = new Date();
    const jobs = catalog.listJobs().map((stored) => {
      const { job } = stored;
      const next = job.paused ? undefined : nextRuns(scheduleOf(job), now, 1)[0];
      const last = catalog.listJobRuns({ jobId: job.id, limit: 1 })[0];
      return { stored, next, last };
    });
    ctx.result(
      jobs.map(({ stored, next, last }) => ({
        ...definitionJson(stored),
        nextRun: next?.toISOString() ?? null,
        lastRun: last === undefined ? null : runJson(last),
      })),
    );
    if (jobs.length === 0) {
      ctx.say('No jobs yet. Add one with `airlock job add --name NAME --repo DIR --source FOLDER --schedule "every day at 02:00"`.');
      return exitCodes.ok;
    }
    ctx.say(
      table([
        ['Name', 'Schedule', 'Next run', 'Last run'],
        ...jobs.map(({ stored, next, last }) => [
          stored.job.name,
          stored.job.schedule,
          stored.job.paused ? 'paused' : next === undefined ? 'never' : formatInZone(next, stored.job.timeZone),
          last === undefined ? 'never' : `${last.state} (${formatInZone(last.startedAt ?? last.queuedAt, stored.job.timeZone)})`,
        ]),
      ]),
    );
    return exitCodes.ok;
  },
};

export const jobShow: Command = {
  usage: 'airlock job show NAME [--json]',
  options: {},
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const stored = findJob(catalog, jobName(ctx, 'job show'));
    const now = new Date();
    const { lines, next } = describeDefinition(stored, now, stored.job.paused ? 0 : 5);
    const runs = catalog.listJobRuns({ jobId: stored.job.id, limit: 10 });
    const drills = catalog.listDrills({ jobId: stored.job.id, limit: 5 });
    ctx.result({
      job: definitionJson(stored),
      createdAt: stored.createdAt.toISOString(),
      updatedAt: stored.updatedAt.toISOString(),
      nextRuns: next.map((d) => d.toISOString()),
      runs: runs.map(runJson),
      drills: drills.map(drillJson),
    });
    ctx.say(lines.join('\n'));
    if (drills.length > 0) {
      ctx.say('  restore drills:');
      for (const d of drills) {
        ctx.say(`    ${formatInZone(d.time, stored.job.timeZone)}  ${d.ok ? 'passed' : 'FAILED'}  snapshot ${shortId(d.snapshotId)} of ${d.source ?? '?'} in ${d.repositoryLocation}`);
        for (const c of d.checks.filter((c) => !c.ok).slice(0, 5)) ctx.say(`      ${c.item}: ${c.detail}`);
        if (d.ok) ctx.say(`      ${d.checks.map((c) => c.detail).join('; ')}`);
      }
    }
    if (runs.length > 0) {
      ctx.say('  recent runs:');
      ctx.say(
        table(
          runs.map((r) => [
            `    ${formatInZone(r.startedAt ?? r.queuedAt, stored.job.timeZone)}`,
            r.trigger,
            r.state,
            r.totals === null ? '' : `${r.totals.snapshots} snapshot(s), ${formatBytes(r.totals.bytesAdded)} added`,
            r.reason ?? '',
          ]),
        ),
      );
    }
    return exitCodes.ok;
  },
};

export const jobRemove: Command = {
  usage: 'airlock job remove NAME',
  options: {},
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const name = jobName(ctx, 'job remove');
    let target = name;
    let details: Record<string, string> = { name };
    try {
      const stored = catalog.findJob(name);
      if (stored !== undefined) {
        target = stored.job.id;
        details = { name: stored.job.name };
      }
    } catch {
      // An unreadable job can still be removed, by name.
    }
    if (!catalog.removeJob(name)) throw new AirlockError('JOB_NOT_FOUND', `There is no job named "${name}". See \`airlock job list\`.`);
    catalog.appendAudit({ actor: cliActor(), action: 'job.remove', target, details });
    ctx.result({ removed: target });
    ctx.say(`Removed the job "${details.name ?? name}". Its snapshots are still in its repositories.`);
    return exitCodes.ok;
  },
};

function pauseCommand(paused: boolean): Command {
  const verb = paused ? 'pause' : 'resume';
  return {
    usage: `airlock job ${verb} NAME`,
    options: {},
    async run(ctx) {
      const catalog = await requireCatalog(ctx);
      const stored = findJob(catalog, jobName(ctx, `job ${verb}`));
      const updated = catalog.setJobPaused(stored.job.id, paused);
      if (stored.job.paused !== paused) catalog.appendAudit({ actor: cliActor(), action: `job.${verb}`, target: stored.job.id, details: { name: stored.job.name } });
      ctx.result({ job: updated.job.id, paused: updated.job.paused });
      const next = paused ? undefined : nextRuns(scheduleOf(updated.job), new Date(), 1)[0];
      ctx.say(paused ? `Paused "${stored.job.name}".` : `Resumed "${stored.job.name}"${next === undefined ? '' : `; next run ${formatInZone(next, updated.job.timeZone)}`}.`);
      return exitCodes.ok;
    },
  };
}

export const jobPause = pauseCommand(true);
export const jobResume = pauseCommand(false);

function summaryJson(summary: JobRunSummary): Record<string, unknown> {
  return { ...summary, failures: summary.failures.map(({ error: _error, ...f }) => f) };
}

function sayOutcome(ctx: CommandContext, summary: JobRunSummary): void {
  for (const s of summary.snapshots) {
    ctx.say(`Snapshot ${shortId(s.snapshotId)} of ${s.source} saved in ${s.repository}${s.partial ? ' (PARTIAL: some files could not be read)' : ''}; ${formatBytes(s.bytesAdded)} new.`);
  }
  for (const r of summary.retention) ctx.say(`Retention in ${r.repository}: kept ${r.kept}, removed ${r.removed.length} snapshot(s).`);
  for (const v of summary.verification) ctx.say(`${v.kind === 'check' ? 'Check' : 'Read-back check'} of ${v.repository}: ${v.errors.length === 0 ? 'no errors' : `${v.errors.length} problem(s)`}.`);
  for (const p of summary.prunes) ctx.say(`Pruned ${p.repository}: freed ${formatBytes(p.bytesFreed)}.`);
  for (const d of summary.drills) ctx.say(`Restore drill of snapshot ${shortId(d.snapshotId)} (${d.source}) in ${d.repository}: ${d.ok ? 'passed' : 'FAILED'}.`);
  for (const w of summary.warnings) ctx.warn(w);
  for (const f of summary.failures) process.stderr.write(`error: ${f.step}${f.source === null ? '' : ` of ${f.source}`} into ${f.repository}: ${f.message}\n`);
}

export const jobRun: Command = {
  usage: 'airlock job run NAME [--json] [--progress auto|json|none]',
  options: {},
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const stored = findJob(catalog, jobName(ctx, 'job run'));
    await waitForDrives(stored.job.drives ?? [], {
      drives: mountedDrives,
      clock: systemClock,
      signal: ctx.signal,
      onWaiting: (message) => process.stderr.write(`Job "${stored.job.name}" is ${message}: plug it in to start (Ctrl-C stops waiting).\n`),
    });
    const runner = new JobRunner({
      catalog,
      clock: systemClock,
      execute: jobExecutor({ catalog, actor: cliActor(), passphraseFallback: () => ctx.passphrase(), drives: mountedDrives }),
    });
    runner.queue.on('progress', ({ progress }) => {
      ctx.progress(progress);
    });
    // A person is waiting: no backoff between attempts; running it again is one command away.
    const handle = runner.runNow(stored, { retries: 0 });
    const runId = runner.catalogRunId(handle.id);
    const onAbort = (): void => {
      runner.queue.cancel(handle.id, 'Cancelled. Nothing already stored was harmed; the next run reuses what was saved.');
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const outcome = await handle.finished;
    ctx.signal.removeEventListener('abort', onAbort);

    switch (outcome.state) {
      case 'succeeded': {
        const summary = outcome.result;
        ctx.result({ run: runId ?? null, state: summary.partial ? 'partial' : 'succeeded', summary: summaryJson(summary) });
        sayOutcome(ctx, summary);
        ctx.say(`Job "${stored.job.name}" ${summary.partial ? 'finished with warnings (partial)' : 'finished'}.`);
        return summary.partial ? exitCodes.partial : exitCodes.ok;
      }
      case 'failed': {
        const error = outcome.error;
        const summary = error instanceof AirlockError && 'summary' in error ? (error.summary as JobRunSummary) : undefined;
        ctx.result({ run: runId ?? null, state: 'failed', error: { code: outcome.code ?? 'UNEXPECTED', message: outcome.reason }, ...(summary === undefined ? {} : { summary: summaryJson(summary) }) });
        if (summary !== undefined) sayOutcome(ctx, summary);
        process.stderr.write(`airlock job run: ${outcome.reason}\n`);
        return error instanceof AirlockError ? error.exitCode : exitCodes.error;
      }
      case 'cancelled':
      case 'timed-out':
        ctx.result({ run: runId ?? null, state: outcome.state, error: { code: outcome.state === 'cancelled' ? 'CANCELLED' : 'TIMED_OUT', message: outcome.reason } });
        process.stderr.write(`airlock job run: ${outcome.reason}\n`);
        return exitCodes.error;
    }
  },
};

/** The readable file `job export` writes and `job import` reads. */
interface ExportDocument {
  readonly format: 'airlock-jobs';
  readonly version: 1;
  readonly exportedAt: string;
  readonly jobs: readonly Record<string, unknown>[];
}

export const jobExport: Command = {
  usage: 'airlock job export [NAME…] [--out FILE]',
  options: { out: { type: 'string', short: 'o' } },
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const chosen = ctx.positionals.length === 0 ? catalog.listJobs() : ctx.positionals.map((name) => findJob(catalog, name));
    const document: ExportDocument = {
      format: 'airlock-jobs',
      version: 1,
      exportedAt: new Date().toISOString(),
      // createdAt and the drives belong to this site: at the next one, catch-up counts from the import, and its
      // drives (other UUIDs) are noted when it imports.
      jobs: chosen.map((s) => {
        const { createdAt: _createdAt, drives: _drives, ...rest } = definitionJson(s);
        return rest;
      }),
    };
    const text = `${JSON.stringify(document, null, 2)}\n`;
    const out = stringOption(ctx.values, 'out');
    if (out === undefined) {
      process.stdout.write(text);
      return exitCodes.ok;
    }
    await writeFile(out, text, { mode: 0o644 });
    process.stderr.write(`Exported ${chosen.length} job(s) to ${out}.\n`);
    return exitCodes.ok;
  },
};

function jobsIn(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (typeof document === 'object' && document !== null && 'jobs' in document) {
    const { format, jobs } = document as { format?: unknown; jobs: unknown };
    if (format !== undefined && format !== 'airlock-jobs') throw new AirlockError('USAGE', `This file is not an Airlock jobs export (its format is ${JSON.stringify(format)}).`);
    if (Array.isArray(jobs)) return jobs;
  }
  if (typeof document === 'object' && document !== null) return [document];
  throw new AirlockError('USAGE', 'This file holds no jobs: it should be what `airlock job export` writes.');
}

export const jobImport: Command = {
  usage: 'airlock job import FILE [--replace] [--dry-run]',
  options: { replace: { type: 'boolean' }, 'dry-run': { type: 'boolean', short: 'n' } },
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const [file, ...extra] = ctx.positionals;
    if (file === undefined || extra.length > 0) throw new AirlockError('USAGE', 'Name one file: airlock job import FILE.');
    let document: unknown;
    try {
      document = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new AirlockError('USAGE', `${file} cannot be read as JSON (${err instanceof Error ? err.message : String(err)}).`, { cause: err });
    }
    const replace = flag(ctx.values, 'replace');
    const now = new Date().toISOString();
    const taken = new Set<string>();
    // Everything is validated before anything is written, so a bad file changes nothing.
    const plans = jobsIn(document).map((entry, i) => {
      const fields = typeof entry === 'object' && entry !== null ? { ...(entry as Record<string, unknown>) } : {};
      const name = typeof fields.name === 'string' ? fields.name.trim() : '';
      const existing = name === '' ? undefined : catalog.findJob(name);
      if (existing !== undefined && !replace) throw new AirlockError('JOB_EXISTS', `A job named "${name}" already exists (entry ${i + 1} of ${file}). Use --replace to update it, or rename one of them.`);
      let id: string;
      if (existing !== undefined) id = existing.job.id;
      else {
        const wanted = typeof fields.id === 'string' && catalog.getJob(fields.id) === undefined && !taken.has(fields.id) ? fields.id : newJobId(catalog, name || 'job');
        id = taken.has(wanted) ? `${wanted}-${i + 1}` : wanted;
      }
      taken.add(id);
      let definition: JobDefinition;
      try {
        // Drives in the file belong to the site it came from; this one notes its own.
        const { drives: _elsewhere, ...portable } = fields;
        definition = withDrives(parseJobDefinition({ ...portable, id, createdAt: existing?.job.createdAt ?? now }), existing?.job.drives ?? []);
      } catch (err) {
        if (err instanceof AirlockError) throw new AirlockError(err.code, `Entry ${i + 1} of ${file}: ${err.message}`, { cause: err });
        throw err;
      }
      return { definition, existing };
    });
    const names = plans.map((p) => p.definition.job.name.toLowerCase());
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) throw new AirlockError('USAGE', `${file} holds two jobs named "${twice}".`);

    const dryRun = flag(ctx.values, 'dry-run');
    if (!dryRun) {
      for (const { definition, existing } of plans) {
        if (existing === undefined) catalog.addJob(definition);
        else catalog.replaceJob(definition);
        catalog.appendAudit({
          actor: cliActor(),
          action: 'job.import',
          target: definition.job.id,
          details: { name: definition.job.name, file: resolve(file), replaced: existing !== undefined },
        });
      }
    }
    ctx.result({ dryRun, imported: plans.map((p) => ({ id: p.definition.job.id, name: p.definition.job.name, replaced: p.existing !== undefined })) });
    for (const { definition, existing } of plans) ctx.say(`${dryRun ? 'Would import' : existing === undefined ? 'Imported' : 'Replaced'} "${definition.job.name}" (${describeSchedule(scheduleOf(definition.job))}).`);
    return exitCodes.ok;
  },
};
