// A quick count of the files and bytes a backup will visit, run beside the backup so progress can show a total and an ETA.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventLoopTurns } from '../../event-loop-turns.ts';
import type { Excluder } from './excludes.ts';

export interface ScanTotals {
  files: number;
  bytes: number;
}

export async function scanTotals(paths: readonly string[], excluder: Excluder, signal?: AbortSignal): Promise<ScanTotals> {
  const totals: ScanTotals = { files: 0, bytes: 0 };
  // Synchronous calls: each through the thread pool cost five times the call itself.
  const turns = new EventLoopTurns();
  const visit = async (path: string, relative: string): Promise<void> => {
    if (turns.due()) await turns.take();
    signal?.throwIfAborted();
    let s;
    try {
      s = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (!s || excluder.excludesPath(relative, s.isDirectory())) return;
    if (s.isDirectory()) {
      if (relative !== '' && (await excluder.isCacheDirectory(path))) return;
      let names: string[];
      try {
        names = readdirSync(path);
      } catch {
        return;
      }
      for (const name of names) await visit(join(path, name), relative === '' ? name : `${relative}/${name}`);
    } else if (s.isFile() && !excluder.excludesSize(s.size)) {
      totals.files++;
      totals.bytes += s.size;
    }
  };
  for (const p of paths) await visit(p, '');
  return totals;
}
