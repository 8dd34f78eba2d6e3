// Restoring a SQLite snapshot to a new database file, verified, never over an existing file unless asked.

import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AirlockError } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import type { Repository } from '../repo/repository.ts';
import type { Snapshot } from '../repo/snapshot.ts';
import { restoreFiles } from '../sources/files/restore.ts';
import { restoreDatabaseFile, selectTables } from '../sources/sqlite/restore.ts';

export interface RestoreSqliteOptions {
  readonly target: string;
  readonly overwrite?: boolean | undefined;
  readonly tables?: readonly string[] | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
}

/** Restores the stored database copy into a scratch folder and hands its path to `use`; the folder is removed after. */
export async function withRestoredSqlite<T>(repo: Repository, snap: Snapshot, scratchParent: string, use: (path: string) => Promise<T>, onProgress?: ProgressListener): Promise<T> {
  if (snap.kind !== 'sqlite') throw new AirlockError('USAGE', `Snapshot ${snap.id.slice(0, 8)} is a ${snap.kind} backup, not a SQLite database.`);
  const tree = await repo.loadTree(snap.tree);
  const file = tree.nodes.find((n) => n.type === 'file');
  if (!file) throw new AirlockError('CORRUPT_DATA', `Snapshot ${snap.id.slice(0, 8)} holds no database file.`);
  const scratch = await mkdtemp(join(scratchParent, '.airlock-restore-'));
  try {
    await restoreFiles(repo, snap.tree, { target: scratch, include: [file.name], onProgress });
    return await use(join(scratch, file.name));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function restoreSqlite(repo: Repository, snap: Snapshot, options: RestoreSqliteOptions): Promise<{ path: string }> {
  const target = resolve(options.target);
  const exists = await lstat(target).then(() => true, () => false);
  if (exists && !options.overwrite) {
    throw new AirlockError('TARGET_EXISTS', `${target} already exists. Choose a new file name, or pass --overwrite to replace it. Nothing was written.`);
  }
  // The scratch copy sits beside the target so that the final rename is atomic on the same drive.
  await withRestoredSqlite(repo, snap, dirname(target), async (copy) => {
    if (options.tables && options.tables.length > 0) await selectTables(copy, target, options.tables, { overwrite: options.overwrite ?? false });
    else await restoreDatabaseFile(copy, target, { overwrite: options.overwrite ?? false });
  }, options.onProgress);
  return { path: target };
}
