// One source of a job: its location (folder, sqlite:///…, database URL) and what of it is backed up (exclusions, table selection).

import { isAbsolute } from 'node:path';
import * as z from 'zod';
import { isDatabaseUrl, parseDatabaseUrl } from '../sources/database-url.ts';
import type { ExcludeOptions } from '../sources/files/excludes.ts';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A folder (absolute path), a SQLite file (sqlite:///abs/file.db) or a database server URL without a password. */
export function checkSource(source: string): string | undefined {
  if (/^sqlite:/i.test(source)) {
    return /^sqlite:\/\/\/./i.test(source) ? undefined : 'a SQLite source is written sqlite:///absolute/path/to/file.db (three slashes before an absolute path)';
  }
  if (isDatabaseUrl(source)) {
    try {
      parseDatabaseUrl(source);
      return undefined;
    } catch (err) {
      return messageOf(err);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return `"${source}" is not a source Airlock can back up: use a folder, sqlite:///…, mysql://, mariadb:// or postgres://`;
  // A relative folder would mean something else for the daemon, the app and the CLI, which run from different places.
  return isAbsolute(source) ? undefined : `the folder "${source}" must be an absolute path`;
}

/** True for sources whose location is a folder rather than a database. */
export function isFolderSource(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(location);
}

const location = z
  .string()
  .trim()
  .min(1)
  .superRefine((source, ctx) => {
    const problem = checkSource(source);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

const isUnique = (list: readonly string[]): boolean => new Set(list).size === list.length;

/**
 * A source with options. Folders take exclusions; SQLite files and database servers take a table list (only those
 * tables, as every one of their backups supports). Options that do not fit the kind are refused, not ignored.
 */
const sourceWithOptions = z
  .strictObject({
    source: location,
    /** gitignore-style patterns, relative to the folder. */
    exclude: z.array(z.string().trim().min(1)).min(1).refine(isUnique, 'the same pattern is listed twice').exactOptional(),
    /** Skip folders holding a CACHEDIR.TAG. */
    excludeCaches: z.boolean().exactOptional(),
    /** Skip files larger than this many bytes. */
    excludeLargerThan: z.number().int().positive().exactOptional(),
    /** Back up only these tables. */
    tables: z.array(z.string().trim().min(1)).min(1).refine(isUnique, 'the same table is listed twice').exactOptional(),
  })
  .superRefine((entry, ctx) => {
    const folder = isFolderSource(entry.source);
    if (folder && entry.tables !== undefined) ctx.addIssue({ code: 'custom', path: ['tables'], message: 'a table list is for a database source, not a folder' });
    if (!folder) {
      for (const key of ['exclude', 'excludeCaches', 'excludeLargerThan'] as const) {
        if (entry[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is for a folder source, not a database` });
      }
    }
  });

/** What the job stores: a plain location (the older form, still the form of a source without options) or one with options. */
export const jobSourceSchema = z.union([location, sourceWithOptions]);

export type JobSource = z.output<typeof jobSourceSchema>;

/** The options of a source, without its location. */
export type SourceOptions = Omit<Extract<JobSource, { source: string }>, 'source'>;

/** Where the source is, whichever form it was written in. */
export function sourceLocation(entry: JobSource): string {
  return typeof entry === 'string' ? entry : entry.source;
}

/** Its options; empty for a plain location. */
export function sourceOptions(entry: JobSource): SourceOptions {
  if (typeof entry === 'string') return {};
  const { source: _source, ...options } = entry;
  return options;
}

/** A folder source's options as the files backup takes them. */
export function excludeOptionsOf(options: SourceOptions): ExcludeOptions {
  return {
    ...(options.exclude === undefined ? {} : { patterns: options.exclude }),
    ...(options.excludeCaches === undefined ? {} : { excludeCaches: options.excludeCaches }),
    ...(options.excludeLargerThan === undefined ? {} : { maxFileSize: options.excludeLargerThan }),
  };
}

/** The stored form: a plain location when there are no options, so that jobs without any stay as they were. */
export function jobSource(source: string, options: { readonly [K in keyof SourceOptions]?: SourceOptions[K] | undefined }): JobSource {
  const set = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== false)) as SourceOptions;
  return Object.keys(set).length === 0 ? source : { source, ...set };
}

/** "excluding *.tmp, cache folders, files over 500 MiB" / "tables a, b"; empty for none. */
export function describeSourceOptions(options: SourceOptions, formatBytes: (n: number) => string): string {
  const parts: string[] = [];
  if (options.tables !== undefined) parts.push(`only tables ${options.tables.join(', ')}`);
  const skipped = [...(options.exclude ?? [])];
  if (options.excludeCaches === true) skipped.push('cache folders');
  if (options.excludeLargerThan !== undefined) skipped.push(`files over ${formatBytes(options.excludeLargerThan)}`);
  if (skipped.length > 0) parts.push(`excluding ${skipped.join(', ')}`);
  return parts.join('; ');
}
