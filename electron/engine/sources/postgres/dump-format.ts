// The layout of a PostgreSQL dump: manifest.json, schema.json (ordered schema items) and one COPY stream per table.

import { buffer } from 'node:stream/consumers';
import * as z from 'zod';
import { AirlockError } from '../../errors.ts';
import type { DumpReader } from '../dump-streams.ts';

export const manifestName = 'manifest.json';
export const schemaName = 'schema.json';
export const largeObjectsName = 'large-objects.bin';
export const dumpFormat = 'airlock-postgres-dump';
export const dumpFormatVersion = 1;

/**
 * What a schema item is. Pre-data items build the empty database; "table-bound" post-data items
 * (keys, indexes) run right after their table's data is loaded; "late" items run once every table is in.
 */
export const itemKinds = [
  'SCHEMA', 'EXTENSION', 'COLLATION', 'TYPE', 'DOMAIN', 'FUNCTION', 'AGGREGATE', 'SEQUENCE', 'TABLE', 'VIEW',
  'MATERIALIZED VIEW', 'TABLE ATTACH', 'SEQUENCE OWNED BY', 'DEFAULT',
  'CONSTRAINT', 'INDEX',
  'INDEX ATTACH', 'CHECK CONSTRAINT', 'DOMAIN CONSTRAINT', 'FK CONSTRAINT', 'STATISTICS', 'RULE', 'TRIGGER', 'POLICY',
  'ROW SECURITY', 'REFRESH MATERIALIZED VIEW', 'LARGE OBJECT', 'ACL', 'DEFAULT ACL', 'EVENT TRIGGER',
] as const;
export type ItemKind = (typeof itemKinds)[number];

export const sections = ['pre-data', 'table-bound', 'late'] as const;
export type Section = (typeof sections)[number];

/** Kinds that are relations: the things a selective restore names. */
export const relationKinds: ReadonlySet<ItemKind> = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE']);

const schemaItemSchema = z.object({
  id: z.number().int().nonnegative(),
  kind: z.enum(itemKinds),
  section: z.enum(sections),
  schema: z.string().nullable(),
  name: z.string(),
  /** For table-bound and attached items: the id of the relation item they belong to. */
  relation: z.number().int().nonnegative().nullable(),
  deps: z.array(z.number().int().nonnegative()),
  sql: z.string(),
  /** Role that owned the object, and the statement that gives it back (run only if the role exists on the target). */
  owner: z.string().nullable(),
  ownerSql: z.string().nullable(),
  /** Roles the statement names; if one is missing on the target the item is skipped with a warning. */
  roles: z.array(z.string()),
});
export type SchemaItem = z.infer<typeof schemaItemSchema>;

const schemaFileSchema = z.object({
  format: z.literal(dumpFormat),
  version: z.literal(dumpFormatVersion),
  items: z.array(schemaItemSchema),
});
export type SchemaFile = z.infer<typeof schemaFileSchema>;

const streamNamePattern = /^data\/\d{4,}(?:\.\d+)?-[A-Za-z0-9_.-]{0,80}\.copy$/;

/** A run of a table's rows: the whole table, or (for a large table) one range of its leading key column. */
const tablePartSchema = z.object({
  stream: z.string().regex(streamNamePattern),
  /** Range of the leading key column as text literals: from inclusive, to exclusive; null is unbounded. */
  from: z.string().nullable(),
  to: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 (hex) of this part's COPY text: its rows, in key order. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TablePart = z.infer<typeof tablePartSchema>;

const tableDataSchema = z.object({
  /** The TABLE item this data belongs to. */
  item: z.number().int().nonnegative(),
  schema: z.string(),
  name: z.string(),
  /** Columns in COPY order (generated columns are left out: the server recomputes them). */
  columns: z.array(z.string()),
  /** Columns the rows are sorted by (the primary key or a unique not-null key), or null for physical order. */
  orderBy: z.array(z.string()).nullable(),
  /** The leading key column's type, which part ranges are written in. */
  keyType: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** In key order; their concatenation is the whole table. */
  parts: z.array(tablePartSchema).min(1),
});
export type TableData = z.infer<typeof tableDataSchema>;

const sequenceValueSchema = z.object({
  /** The SEQUENCE item, or the TABLE item for an identity column's sequence. */
  item: z.number().int().nonnegative(),
  schema: z.string(),
  name: z.string(),
  lastValue: z.string().regex(/^-?\d+$/),
  isCalled: z.boolean(),
});
export type SequenceValue = z.infer<typeof sequenceValueSchema>;

const manifestSchema = z.object({
  format: z.literal(dumpFormat),
  version: z.literal(dumpFormatVersion),
  server: z.object({ version: z.string(), versionNum: z.number().int() }),
  database: z.object({
    name: z.string(),
    encoding: z.string(),
    collate: z.string(),
    ctype: z.string(),
    localeProvider: z.string(),
    icuLocale: z.string().nullable(),
  }),
  tables: z.array(tableDataSchema),
  sequences: z.array(sequenceValueSchema),
  largeObjects: z.object({ count: z.number().int().nonnegative(), bytes: z.number().int().nonnegative(), sha256: z.string() }).nullable(),
  warnings: z.array(z.string()),
});
export type DumpManifest = z.infer<typeof manifestSchema>;

/**
 * A stream name for a table's data: a sortable number (and part number), then the name reduced to safe
 * characters for people reading a listing. No identifier can make it absolute or climb with "..".
 */
export function tableStreamName(index: number, schema: string, name: string, part = 1): string {
  const readable = `${schema}.${name}`.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
  return `data/${String(index).padStart(4, '0')}${part > 1 ? `.${part}` : ''}-${readable}.copy`;
}

async function readJson(reader: DumpReader, name: string): Promise<unknown> {
  if (!reader.names().includes(name)) {
    throw new AirlockError('CORRUPT_DATA', `This snapshot is not a PostgreSQL dump: it has no ${name}.`);
  }
  const bytes = await buffer(reader.open(name));
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new AirlockError('CORRUPT_DATA', `The dump's ${name} is not valid JSON; the snapshot is damaged.`, { cause: err });
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? ` (${issue.path.join('.')}: ${issue.message})` : '';
    throw new AirlockError('CORRUPT_DATA', `The dump's ${name} is not in a format this version of Airlock understands${where}.`);
  }
  return r.data;
}

export interface LoadedDump {
  readonly manifest: DumpManifest;
  readonly items: readonly SchemaItem[];
}

/** Reads and validates manifest.json and schema.json; every item id and dependency must resolve. */
export async function loadDump(reader: DumpReader): Promise<LoadedDump> {
  const manifest = parseOrThrow(manifestSchema, await readJson(reader, manifestName), manifestName);
  const schema = parseOrThrow(schemaFileSchema, await readJson(reader, schemaName), schemaName);
  const ids = new Set(schema.items.map((i) => i.id));
  for (const item of schema.items) {
    for (const d of [...item.deps, ...(item.relation === null ? [] : [item.relation])]) {
      if (!ids.has(d)) throw new AirlockError('CORRUPT_DATA', `The dump's ${schemaName} refers to an item (${d}) it does not contain.`);
    }
  }
  const names = new Set(reader.names());
  for (const t of manifest.tables) {
    if (!ids.has(t.item)) throw new AirlockError('CORRUPT_DATA', `The dump's manifest lists data for an unknown table item (${t.item}).`);
    for (const p of t.parts) {
      if (!names.has(p.stream)) throw new AirlockError('CORRUPT_DATA', `The dump is missing the data of table ${t.schema}.${t.name} (${p.stream}).`);
    }
  }
  if (manifest.largeObjects !== null && !names.has(largeObjectsName)) {
    throw new AirlockError('CORRUPT_DATA', `The dump is missing its large objects (${largeObjectsName}).`);
  }
  return { manifest, items: schema.items };
}
