// The layout of a MySQL/MariaDB dump: schema.json, manifest.json and one data stream per table, with the zod schemas that check them when read back.

import { createHash } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { z } from 'zod';
import { AirlockError } from '../../errors.ts';
import type { DumpReader } from '../dump-streams.ts';

export const schemaStream = 'schema.json';
export const manifestStream = 'manifest.json';
export const dumpFormat = 'airlock.mysql-dump';
export const dumpFormatVersion = 1;

/** How the export writes a value: bare number, quoted UTF-8 text, or an X'…' binary literal. */
const literalKind = z.enum(['number', 'text', 'hex']);
export type LiteralKind = z.infer<typeof literalKind>;

const column = z.object({
  name: z.string(),
  /** information_schema DATA_TYPE, e.g. "varchar", "inet6". */
  type: z.string(),
  encoding: z.enum(['raw', 'double']),
  literal: literalKind,
});
export type DumpColumn = z.infer<typeof column>;

/** A character set or collation name; checked because restores paste it into SET and ALTER DATABASE statements. */
const charsetName = z.string().regex(/^[A-Za-z0-9_]+$/);

/** Session settings a stored program was created under; restoring under the same keeps SHOW CREATE identical. */
const programContext = z.object({
  sqlMode: z.string(),
  characterSetClient: charsetName,
  collationConnection: charsetName,
  databaseCollation: z.union([charsetName, z.literal('')]).optional(),
});
export type ProgramContext = z.infer<typeof programContext>;

const table = z.object({
  name: z.string(),
  engine: z.string(),
  /** CREATE TABLE without the deferred parts. */
  create: z.string(),
  indexes: z.array(z.string()),
  fulltext: z.array(z.string()),
  foreignKeys: z.array(z.string()),
  /** Tables of the same database that the foreign keys point to. */
  references: z.array(z.string()),
  /** The columns in the data stream, in order (generated columns are left out: the server recomputes them). */
  columns: z.array(column),
});
export type DumpTable = z.infer<typeof table>;

const sequence = z.object({ name: z.string(), create: z.string(), nextValue: z.string().regex(/^-?\d+$/) });
export type DumpSequence = z.infer<typeof sequence>;

const view = z.object({
  name: z.string(),
  create: z.string(),
  characterSetClient: charsetName,
  collationConnection: charsetName,
  /** Column names, for the placeholder used when views depend on each other in a cycle-looking way. */
  columns: z.array(z.string()),
});
export type DumpView = z.infer<typeof view>;

const routine = programContext.extend({ name: z.string(), type: z.enum(['FUNCTION', 'PROCEDURE', 'PACKAGE', 'PACKAGE BODY']), create: z.string() });
export type DumpRoutine = z.infer<typeof routine>;

const trigger = programContext.extend({ name: z.string(), table: z.string(), create: z.string() });
export type DumpTrigger = z.infer<typeof trigger>;

const event = programContext.extend({ name: z.string(), create: z.string(), timeZone: z.string() });
export type DumpEvent = z.infer<typeof event>;

export const dumpSchema = z.object({
  database: z.object({ charset: charsetName, collation: charsetName, comment: z.string() }),
  tables: z.array(table),
  sequences: z.array(sequence),
  /** In an order that creates every view after the views it reads. */
  views: z.array(view),
  /** True when the dependency order could not be settled; views are then created through placeholders. */
  viewsNeedPlaceholders: z.boolean(),
  routines: z.array(routine),
  triggers: z.array(trigger),
  events: z.array(event),
});
export type DumpSchema = z.infer<typeof dumpSchema>;

/** A data stream name: always under data/, only portable file-name characters, whatever the table is called. */
const streamName = z.string().regex(/^data\/[A-Za-z0-9_-]{1,80}\.rows$/);

const manifestTable = z.object({
  name: z.string(),
  stream: streamName,
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** sha256 of the data stream. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** True when rows are in primary-key (or unique NOT NULL key) order, so a re-read in that order gives the same bytes. */
  ordered: z.boolean(),
  orderBy: z.array(z.string()),
  /** False for MyISAM, Aria and other engines outside the snapshot. */
  transactional: z.boolean(),
});
export type ManifestTable = z.infer<typeof manifestTable>;

export const dumpManifest = z.object({
  format: z.literal(dumpFormat),
  version: z.literal(dumpFormatVersion),
  server: z.object({ version: z.string(), flavor: z.enum(['mariadb', 'mysql']) }),
  database: z.string(),
  tables: z.array(manifestTable),
  warnings: z.array(z.string()),
});
export type DumpManifest = z.infer<typeof dumpManifest>;

/**
 * Data stream names for tables: the table name itself when it is a plain lowercase-safe word, otherwise a
 * sanitised prefix plus a hash of the real name, so spaces, quotes, `..`, unicode and case twins never collide.
 */
export function streamNames(tables: readonly string[]): Map<string, string> {
  const plain = (name: string): boolean => /^[A-Za-z0-9_]{1,48}$/.test(name);
  const lowerCount = new Map<string, number>();
  for (const t of tables) if (plain(t)) lowerCount.set(t.toLowerCase(), (lowerCount.get(t.toLowerCase()) ?? 0) + 1);
  const names = new Map<string, string>();
  for (const t of tables) {
    if (plain(t) && lowerCount.get(t.toLowerCase()) === 1) {
      names.set(t, `data/${t}.rows`);
      continue;
    }
    const slug = t.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40).replace(/^_+$/, '');
    const hash = createHash('sha256').update(t, 'utf8').digest('hex').slice(0, 12);
    names.set(t, `data/${slug === '' ? 't' : slug}-${hash}.rows`);
  }
  return names;
}

async function readJson<T>(reader: DumpReader, name: string, schema: z.ZodType<T>): Promise<T> {
  if (!reader.names().includes(name)) {
    throw new AirlockError('CORRUPT_DATA', `This snapshot has no ${name}, so it is not a MySQL/MariaDB dump Airlock can restore.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await text(reader.open(name)));
  } catch (err) {
    if (err instanceof AirlockError) throw err;
    throw new AirlockError('CORRUPT_DATA', `The ${name} of this MySQL/MariaDB dump is not valid JSON: ${(err as Error).message}.`, { cause: err });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown problem';
    throw new AirlockError('CORRUPT_DATA', `The ${name} of this MySQL/MariaDB dump does not have the expected form (${where}). It may come from a newer Airlock or have been damaged.`);
  }
  return result.data;
}

export interface OpenedDump {
  readonly manifest: DumpManifest;
  readonly schema: DumpSchema;
}

/** Reads and checks manifest.json and schema.json, and that every data stream the manifest names is present. */
export async function openDump(reader: DumpReader): Promise<OpenedDump> {
  const manifest = await readJson(reader, manifestStream, dumpManifest);
  const schema = await readJson(reader, schemaStream, dumpSchema);
  const present = new Set(reader.names());
  for (const t of manifest.tables) {
    if (!present.has(t.stream)) {
      throw new AirlockError('CORRUPT_DATA', `The data of table "${t.name}" (${t.stream}) is missing from this dump.`);
    }
  }
  const inSchema = new Set(schema.tables.map((t) => t.name));
  for (const t of manifest.tables) {
    if (!inSchema.has(t.name)) throw new AirlockError('CORRUPT_DATA', `Table "${t.name}" has data but no definition in this dump.`);
  }
  return { manifest, schema };
}

/** Resolves a --tables selection against the dump; unknown names are a usage error that lists what exists. */
export function selectTables(schema: DumpSchema, wanted: readonly string[] | undefined): DumpTable[] {
  if (wanted === undefined) return schema.tables;
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  const missing = wanted.filter((w) => !byName.has(w));
  if (missing.length > 0) {
    const known = schema.tables.map((t) => t.name).slice(0, 20).join(', ');
    throw new AirlockError('USAGE', `This dump has no table ${missing.map((m) => `"${m}"`).join(', ')}. Tables in it: ${known}${schema.tables.length > 20 ? ', …' : ''}.`);
  }
  return [...new Set(wanted)].map((w) => byName.get(w) as DumpTable);
}

/** Warnings for a selective restore: foreign keys whose parent table is not part of the selection. */
export function missingParentWarnings(selected: readonly DumpTable[]): string[] {
  const names = new Set(selected.map((t) => t.name));
  const warnings: string[] = [];
  for (const t of selected) {
    const missing = [...new Set(t.references)].filter((r) => !names.has(r));
    if (missing.length > 0) {
      warnings.push(`Table "${t.name}" has foreign keys to ${missing.map((m) => `"${m}"`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not part of this restore; its rows may point to rows that do not exist in the target.`);
    }
  }
  return warnings;
}
