// One backup run: lock the repository, find the parent snapshot, back up the source, write the manifest last.

import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir, userInfo } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { ProgressListener } from '../progress.ts';
import type { Repository } from '../repo/repository.ts';
import type { Snapshot, SnapshotManifest, SourceKind } from '../repo/snapshot.ts';
import { backupFiles, type FilesBackupResult } from '../sources/files/backup.ts';
import type { ExcludeOptions } from '../sources/files/excludes.ts';
import { describeConnection, type DatabaseConnection } from '../sources/database-url.ts';
import { driverFor } from '../sources/databases.ts';
import { keepOnlyTables } from '../sources/sqlite/select-tables.ts';
import { copyConsistent } from '../sources/sqlite/snapshot.ts';
import { TreeDumpWriter } from '../repo/stream-tree.ts';

export type BackupSource =
  | { readonly kind: 'files'; readonly paths: readonly string[] }
  | { readonly kind: 'sqlite'; readonly path: string; readonly tables?: readonly string[] | undefined }
  | { readonly kind: 'database'; readonly connection: DatabaseConnection; readonly tables?: readonly string[] | undefined };

export interface BackupRequest extends ExcludeOptions {
  readonly source: BackupSource;
  readonly tags?: readonly string[];
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
}

export interface BackupOutcome {
  readonly snapshot: Snapshot;
  readonly partial: boolean;
  readonly warnings: readonly string[];
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** How a source is named in the snapshot, so the next backup of the same thing finds its parent. */
export function describeSource(source: BackupSource): { kind: SourceKind; sources: string[] } {
  if (source.kind === 'files') return { kind: 'files', sources: source.paths.map((p) => resolve(p)) };
  if (source.kind === 'database') return { kind: source.connection.kind, sources: [describeConnection(source.connection)] };
  return { kind: 'sqlite', sources: [`sqlite://${resolve(source.path)}`] };
}

async function findParent(repo: Repository, kind: SourceKind, sources: readonly string[]): Promise<Snapshot | undefined> {
  const host = hostname();
  const same = (await repo.listSnapshots()).filter((s) => s.kind === kind && s.hostname === host && s.sources.length === sources.length && s.sources.every((p, i) => p === sources[i]));
  return same.at(-1);
}

/** Dumps a database straight into the repository, one stream per table; a failed dump stores no snapshot. */
async function backupDatabase(repo: Repository, connection: DatabaseConnection, tables: readonly string[] | undefined, request: BackupRequest): Promise<{ result: FilesBackupResult; details: Record<string, unknown> }> {
  const writer = new TreeDumpWriter(repo);
  const done = new Map<string, number>();
  const dump = await driverFor(connection.kind).dump(connection, writer, {
    ...(request.signal ? { signal: request.signal } : {}),
    ...(tables === undefined ? {} : { tables }),
    onProgress: (p) => {
      done.set(p.table, p.bytes);
      const bytesDone = [...done.values()].reduce((n, b) => n + b, 0);
      request.onProgress?.({ phase: 'dump', current: p.table, bytesDone, itemsDone: done.size });
    },
  });
  const tree = await writer.finish();
  const result: FilesBackupResult = {
    tree,
    filesNew: writer.stats.files,
    filesChanged: 0,
    filesUnmodified: 0,
    dirs: 0,
    bytesRead: writer.stats.bytes,
    bytesTotal: writer.stats.bytes,
    bytesAdded: writer.stats.bytesAdded,
    blobsAdded: writer.stats.blobsAdded,
    unreadable: [],
    warnings: [...dump.warnings],
  };
  return { result, details: { database: dump.database, serverVersion: dump.serverVersion, tables: dump.tables, rows: dump.rows } };
}

export async function runBackup(repo: Repository, request: BackupRequest): Promise<BackupOutcome> {
  const started = Date.now();
  const time = repo.now();
  const { kind, sources } = describeSource(request.source);
  const lock = await repo.lock('shared', `backup ${sources.join(' ')}`);
  let scratch: string | undefined;
  try {
    const parent = await findParent(repo, kind, sources);
    let result: FilesBackupResult;
    let details: Record<string, unknown> | undefined;
    if (request.source.kind === 'files') {
      const expectedTotals = parent ? { files: parent.summary.filesNew + parent.summary.filesChanged + parent.summary.filesUnmodified, bytes: parent.summary.bytesTotal } : undefined;
      result = await backupFiles(repo, { ...request, paths: request.source.paths, parentTree: parent?.tree, expectedTotals });
    } else if (request.source.kind === 'database') {
      ({ result, details } = await backupDatabase(repo, request.source.connection, request.source.tables, request));
    } else {
      const dbPath = resolve(request.source.path);
      // The online-backup copy is consistent even while another program writes; that copy is what is stored.
      scratch = await mkdtemp(join(tmpdir(), 'airlock-sqlite-'));
      const copy = join(scratch, basename(dbPath));
      const info = await copyConsistent(dbPath, copy, {
        ...(request.signal ? { signal: request.signal } : {}),
        onProgress: (done, total) => request.onProgress?.({ phase: 'copy database', current: dbPath, bytesDone: done, bytesTotal: total, itemsDone: 0 }),
      });
      const { tables } = request.source;
      if (tables !== undefined) keepOnlyTables(copy, tables, dbPath);
      result = await backupFiles(repo, { paths: [copy], signal: request.signal, onProgress: request.onProgress });
      details = { sqlite: info, ...(tables === undefined ? {} : { tables: [...tables] }) };
    }
    const manifest: SnapshotManifest = {
      version: 1,
      time: time.toISOString(),
      hostname: hostname(),
      username: currentUser(),
      kind,
      sources,
      tags: [...(request.tags ?? [])],
      tree: result.tree,
      ...(parent ? { parent: parent.id } : {}),
      partial: result.unreadable.length > 0,
      warnings: [...result.unreadable.map((u) => `could not read ${u}`), ...result.warnings],
      summary: {
        filesNew: result.filesNew,
        filesChanged: result.filesChanged,
        filesUnmodified: result.filesUnmodified,
        dirs: result.dirs,
        bytesRead: result.bytesRead,
        bytesTotal: result.bytesTotal,
        bytesAdded: result.bytesAdded,
        blobsAdded: result.blobsAdded,
        durationMs: Date.now() - started,
      },
      ...(details ? { details } : {}),
    };
    await repo.flush();
    await lock.confirm();
    const id = await repo.saveSnapshot(manifest);
    return { snapshot: { ...manifest, id }, partial: manifest.partial, warnings: manifest.warnings };
  } finally {
    await lock.release();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
