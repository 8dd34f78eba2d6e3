// A quick count of the files and bytes a backup will visit, run beside the backup so progress can show a total and an ETA.

import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Excluder } from './excludes.ts';

export interface ScanTotals {
  files: number;
  bytes: number;
}

export async function scanTotals(paths: readonly string[], excluder: Excluder, signal?: AbortSignal): Promise<ScanTotals> {
  const totals: ScanTotals = { files: 0, bytes: 0 };
  const visit = async (path: string, relative: string): Promise<void> => {
    signal?.throwIfAborted();
    const s = await lstat(path).catch(() => undefined);
    if (!s || excluder.excludesPath(relative, s.isDirectory())) return;
    if (s.isDirectory()) {
      if (relative !== '' && (await excluder.isCacheDirectory(path))) return;
      const dir = await opendir(path).catch(() => undefined);
      if (!dir) return;
      for await (const entry of dir) await visit(join(path, entry.name), relative === '' ? entry.name : `${relative}/${entry.name}`);
    } else if (s.isFile() && !excluder.excludesSize(s.size)) {
      totals.files++;
      totals.bytes += s.size;
    }
  };
  for (const p of paths) await visit(p, '');
  return totals;
}
