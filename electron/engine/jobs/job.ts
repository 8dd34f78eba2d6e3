// The job definition: its zod schema (what the catalog stores and `job export` writes), validation, and timeout parsing.

import * as z from 'zod';
import { AirlockError } from '../errors.ts';
import { isEmptyPolicy, type RetentionPolicy } from '../retention/policy.ts';
import { isDatabaseUrl } from '../sources/database-url.ts';
import { checkSource, jobSourceSchema, sourceLocation } from './job-source.ts';
import { defaultBackoff } from './retry.ts';
import { parseSchedule, resolveTimeZone, type Schedule } from './schedule.ts';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const snapshotCount = z.number().int().min(0);

export const retentionPolicySchema = z
  .strictObject({
    keepLast: snapshotCount.exactOptional(),
    keepHourly: snapshotCount.exactOptional(),
    keepDaily: snapshotCount.exactOptional(),
    keepWeekly: snapshotCount.exactOptional(),
    keepMonthly: snapshotCount.exactOptional(),
    keepYearly: snapshotCount.exactOptional(),
    keepWithinMs: z.number().int().positive().exactOptional(),
    keepTags: z.array(z.string().min(1)).exactOptional(),
  })
  .refine((policy) => !isEmptyPolicy(policy), {
    message: 'the retention policy keeps nothing; set at least one of keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithinMs or keepTags',
  }) satisfies z.ZodType<RetentionPolicy>;

const everyDays = z.number().int().min(1).max(3660);

export const verificationPolicySchema = z.strictObject({
  /** A quick `check` of the repository structure after every successful run. */
  checkAfterRun: z.boolean().default(true),
  /** Read back and verify a random share of the stored data, every so many days. */
  readData: z.strictObject({ percent: z.number().gt(0).max(100), everyDays }).exactOptional(),
  /** Restore a sample (files) or run the scratch-database drill (databases) and compare, every so many days. */
  restoreDrill: z
    .strictObject({
      everyDays,
      /** Files restored per folder source; the whole snapshot when absent. */
      sampleFiles: z.number().int().min(1).max(100_000).exactOptional(),
      /**
       * Server a database snapshot is restored into (a throw-away database, dropped after); the source's own server
       * when absent. Written without a password: it comes from AIRLOCK_DB_PASSWORD, like the source's.
       */
      scratch: z
        .string()
        .trim()
        .superRefine((url, ctx) => {
          if (!isDatabaseUrl(url)) {
            ctx.addIssue({ code: 'custom', message: 'the scratch server is a mysql://, mariadb:// or postgres:// address' });
            return;
          }
          const problem = checkSource(url);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        })
        .exactOptional(),
    })
    .exactOptional(),
});

/** Removing the space of forgotten snapshots costs a full read of the index and repacking, so it has its own rhythm. */
export const prunePolicySchema = z.strictObject({ everyDays });

/**
 * The removable drive a repository or a folder source lies on, noted when the job was saved: the job waits for that
 * drive (by filesystem UUID, else label) rather than failing, and finds it wherever it is mounted next time.
 */
export const driveRefSchema = z
  .strictObject({
    /** The repository location or source folder exactly as the job lists it. */
    path: z.string().min(1),
    uuid: z.string().min(1).exactOptional(),
    label: z.string().min(1).exactOptional(),
    /** Where `path` lies inside the drive ("" for its root), with "/" separators. */
    relativePath: z.string(),
  })
  .refine((d) => d.uuid !== undefined || d.label !== undefined, { message: 'a drive is known by its filesystem UUID or its label' });

export const backoffSchema = z
  .strictObject({
    initialMs: z.number().int().min(0).default(defaultBackoff.initialMs),
    maxMs: z.number().int().min(0).default(defaultBackoff.maxMs),
    factor: z.number().min(1).max(10).default(defaultBackoff.factor),
  })
  .refine((b) => b.maxMs >= b.initialMs, { message: 'maxMs must be at least initialMs', path: ['maxMs'] });

const isUnique = (list: readonly string[]): boolean => new Set(list).size === list.length;

export const jobSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a job id is 1 to 64 letters, digits, "-" or "_"'),
    name: z
      .string()
      .trim()
      .min(1, 'the job needs a name')
      .max(100, 'a job name is at most 100 characters')
      .refine((name) => !/\p{Cc}/u.test(name), 'a job name cannot hold control characters'),
    /** Each a plain location, or `{ source, exclude…, tables… }` with what of it is backed up (see job-source.ts). */
    sources: z
      .array(jobSourceSchema)
      .min(1, 'the job needs at least one source')
      .refine((sources) => isUnique(sources.map(sourceLocation)), 'the same source is listed twice'),
    repositories: z
      .array(z.string().trim().min(1))
      .min(1, 'the job needs at least one repository')
      .refine(isUnique, 'the same repository is listed twice'),
    schedule: z.string().trim().min(1, 'the job needs a schedule'),
    timeZone: z.string().transform((zone, ctx) => {
      try {
        return resolveTimeZone(zone);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: messageOf(err) });
        return z.NEVER;
      }
    }),
    retention: retentionPolicySchema.exactOptional(),
    verification: verificationPolicySchema.prefault({}),
    /** No limit when absent. */
    timeoutMs: z.number().int().positive().exactOptional(),
    retries: z.number().int().min(0).max(10).default(2),
    backoff: backoffSchema.prefault({}),
    missedRuns: z.enum(['catch-up', 'skip']).default('catch-up'),
    paused: z.boolean().default(false),
    /** Higher runs first among scheduled runs that wait together; manual runs still come first. */
    priority: z.number().int().min(-10).max(10).default(0),
    /** Prune the repositories after a successful run, at most this often; never when absent. */
    prune: prunePolicySchema.exactOptional(),
    /** The removable drives its repositories and folders lie on; see driveRefSchema. */
    drives: z.array(driveRefSchema).exactOptional(),
    /** When the job was created; missed-run catch-up counts from here until its first run. */
    createdAt: z.iso.datetime({ offset: true }).exactOptional(),
  })
  .superRefine((job, ctx) => {
    try {
      parseSchedule(job.schedule, job.timeZone);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: messageOf(err) });
    }
    for (const [i, drive] of (job.drives ?? []).entries()) {
      if (!job.repositories.includes(drive.path) && !job.sources.some((s) => sourceLocation(s) === drive.path)) {
        ctx.addIssue({ code: 'custom', path: ['drives', i, 'path'], message: `${drive.path} is neither a repository nor a source of the job` });
      }
    }
  });

/** A validated job, with defaults filled in. */
export type Job = z.output<typeof jobSchema>;
/** What a person or an import file may give; defaults are optional. */
export type JobInput = z.input<typeof jobSchema>;
export type VerificationPolicy = z.output<typeof verificationPolicySchema>;
export type PrunePolicy = z.output<typeof prunePolicySchema>;
export type DriveRef = z.output<typeof driveRefSchema>;

/** Validates a job definition; throws USAGE listing every problem with the field it belongs to. */
export function parseJob(input: unknown): Job {
  const result = jobSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    const message = issue.message.replace(/\.$/, '');
    return where === '' ? message : `${where}: ${message}`;
  });
  throw new AirlockError('USAGE', `The job definition is not valid: ${problems.join('; ')}.`);
}

/** The job's schedule, ready for run-time math. */
export function scheduleOf(job: Pick<Job, 'schedule' | 'timeZone'>): Schedule {
  return parseSchedule(job.schedule, job.timeZone);
}

const timeoutUnits = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
] as const;

const timeoutPattern = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)min)?(?:(\d+)s)?$/;

/**
 * Parses a run time limit such as "2h", "90min", "1h30min" or "1d" into milliseconds. "m" is refused: the retention
 * durations read it as months, and a time limit in months is never what was meant.
 */
export function parseTimeout(text: string): number {
  const compact = text.trim().toLowerCase().replace(/\s+/g, '');
  const bad = (why: string): AirlockError =>
    new AirlockError('USAGE', `"${text}" is not a usable time limit: ${why}. Write whole numbers with units, largest first: d, h, min, s — for example 2h, 90min or 1h30min.`);
  if (/^\d+m$|\dm(?!in)/.test(compact)) throw bad('write "min" for minutes');
  const match = timeoutPattern.exec(compact);
  if (compact === '' || !match) throw bad('it does not match the format');
  let total = 0;
  timeoutUnits.forEach(([, unitMs], i) => {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * unitMs;
  });
  if (!Number.isSafeInteger(total)) throw bad('it is too long');
  if (total === 0) throw bad('it is zero, which would stop every run at once');
  return total;
}
