// Snapshot manifests: what was backed up, when, from where, its root tree and its summary.

import { z } from 'zod';

export const sourceKinds = ['files', 'sqlite', 'mysql', 'postgres'] as const;
export type SourceKind = (typeof sourceKinds)[number];

export const summarySchema = z.object({
  filesNew: z.number().int(),
  filesChanged: z.number().int(),
  filesUnmodified: z.number().int(),
  dirs: z.number().int(),
  bytesRead: z.number(),
  /** Bytes of the original data this snapshot refers to. */
  bytesTotal: z.number(),
  /** Bytes newly written to the repository (after dedup, compression, encryption). */
  bytesAdded: z.number(),
  blobsAdded: z.number().int(),
  durationMs: z.number(),
});

export type SnapshotSummary = z.infer<typeof summarySchema>;

export const snapshotSchema = z.object({
  version: z.literal(1),
  time: z.iso.datetime({ offset: true }),
  hostname: z.string(),
  username: z.string(),
  kind: z.enum(sourceKinds),
  /** What was backed up, as the user named it (absolute paths, or a database address without password). */
  sources: z.array(z.string()),
  tags: z.array(z.string()),
  tree: z.string().regex(/^[0-9a-f]{64}$/),
  parent: z.string().optional(),
  /** True when some files could not be read: the snapshot is usable but incomplete. */
  partial: z.boolean(),
  warnings: z.array(z.string()),
  summary: summarySchema,
  /** Set on a snapshot copied from another repository: the ID it has there, so a second copy is skipped. */
  original: z.string().optional(),
  /** Source-specific facts (database server version, table row counts...). */
  details: z.record(z.string(), z.unknown()).optional(),
});

export type SnapshotManifest = z.infer<typeof snapshotSchema>;

export interface Snapshot extends SnapshotManifest {
  readonly id: string;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
