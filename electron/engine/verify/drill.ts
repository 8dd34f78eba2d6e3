// Restore drills: prove a snapshot gives its data back by restoring it somewhere disposable and comparing with what was recorded.

import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '../errors.ts';
import type { ProgressListener } from '../progress.ts';
import type { Repository } from '../repo/repository.ts';
import type { Snapshot } from '../repo/snapshot.ts';
import { snapshotDumpReader } from '../repo/stream-tree.ts';
import { walkSnapshot } from '../repo/walk-tree.ts';
import { isDatabaseSnapshot } from '../restore/restore-database.ts';
import { withRestoredSqlite } from '../restore/restore-sqlite.ts';
import type { DatabaseConnection } from '../sources/database-url.ts';
import { driverFor } from '../sources/databases.ts';
import { restoreFiles } from '../sources/files/restore.ts';
import { restoreDatabaseFile } from '../sources/sqlite/restore.ts';

export interface DrillCheck {
  readonly item: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface DrillReport {
  readonly snapshot: string;
  readonly ok: boolean;
  readonly checks: readonly DrillCheck[];
  readonly durationMs: number;
}

export interface DrillOptions {
  /** Server to restore a database snapshot into; a throw-away database is created there and dropped after. */
  readonly scratch?: DatabaseConnection | undefined;
  /**
   * For a files snapshot: restore only this many files, picked at random, instead of all of them. A scheduled drill
   * of a large folder then costs minutes, not the hours of a full restore, and still proves the chain end to end.
   */
  readonly sampleFiles?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
}

export async function runDrill(repo: Repository, snap: Snapshot, options: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const checks: DrillCheck[] = [];
  try {
    await drill(repo, snap, options, checks);
  } catch (err) {
    // Damage found while restoring is the drill's finding, not a crash of the drill.
    if (!(err instanceof AirlockError) || !['CORRUPT_DATA', 'VERIFY_FAILED', 'RESTORE_FAILED'].includes(err.code)) throw err;
    checks.push({ item: 'restore', ok: false, detail: err.message });
  }
  return { snapshot: snap.id, ok: checks.length > 0 && checks.every((c) => c.ok), checks, durationMs: Date.now() - started };
}

async function drill(repo: Repository, snap: Snapshot, options: DrillOptions, checks: DrillCheck[]): Promise<void> {
  if (isDatabaseSnapshot(snap)) {
    if (!options.scratch) throw new AirlockError('USAGE', `Verifying a database snapshot restores it into a scratch database: pass --scratch ${snap.kind}://user@host:port/ (a server you can create databases on).`);
    const driver = driverFor(snap.kind);
    if (options.scratch.kind !== snap.kind) throw new AirlockError('USAGE', `The scratch server must be ${snap.kind === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL'}, like the snapshot.`);
    const name = `airlock_drill_${randomBytes(6).toString('hex')}`;
    const scratch = { ...options.scratch, database: name };
    const reader = await snapshotDumpReader(repo, snap.tree);
    try {
      const restored = await driver.restore(reader, scratch, { ...(options.signal ? { signal: options.signal } : {}) });
      checks.push({ item: 'restore', ok: true, detail: `${restored.tables} tables, ${restored.rows} rows restored into ${name}` });
      const verified = await driver.verify(reader, scratch, options.signal ? { signal: options.signal } : {});
      for (const t of verified.tables) checks.push({ item: t.table, ok: t.ok, detail: t.ok ? `${t.rows} rows, checksum matches` : `${t.rows} rows, expected ${t.expectedRows}; checksum differs` });
    } finally {
      await driver.dropDatabase(options.scratch, name);
    }
  } else if (snap.kind === 'sqlite') {
    await withRestoredSqlite(repo, snap, tmpdir(), async (copy) => {
      const out = join(await mkdtemp(join(tmpdir(), 'airlock-drill-')), 'drill.db');
      try {
        const result = await restoreDatabaseFile(copy, out, { overwrite: false });
        checks.push({ item: 'database', ok: true, detail: `integrity check passed, ${result.tables.length} tables` });
      } finally {
        await rm(join(out, '..'), { recursive: true, force: true });
      }
    });
  } else {
    const sample = options.sampleFiles === undefined ? undefined : await sampleFilePaths(repo, snap.tree, options.sampleFiles, options.signal);
    const target = await mkdtemp(join(tmpdir(), 'airlock-drill-'));
    try {
      // restoreFiles checks every file against its recorded SHA-256 and throws on the first mismatch.
      const result = await restoreFiles(repo, snap.tree, { target, include: sample, signal: options.signal, onProgress: options.onProgress });
      if (sample === undefined) {
        checks.push({ item: 'files', ok: true, detail: `${result.files} files restored, all ${result.verified} checksums match` });
      } else {
        const ok = result.verified === sample.length;
        checks.push({
          item: 'files',
          ok,
          detail: ok
            ? `a sample of ${sample.length} file(s) restored, all ${result.verified} checksums match`
            : `a sample of ${sample.length} file(s) was picked but ${result.verified} came back verified`,
        });
      }
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }
}

/** Up to `count` file paths of the snapshot, each equally likely (reservoir sampling: one pass, bounded memory). */
async function sampleFilePaths(repo: Repository, tree: string, count: number, signal: AbortSignal | undefined): Promise<string[]> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`sampleFiles must be a positive whole number, got ${count}`);
  const chosen: string[] = [];
  let seen = 0;
  for await (const entry of walkSnapshot(repo, tree)) {
    signal?.throwIfAborted();
    if (entry.node.type !== 'file') continue;
    seen++;
    if (chosen.length < count) chosen.push(entry.path);
    else {
      const slot = randomInt(seen);
      if (slot < count) chosen[slot] = entry.path;
    }
  }
  return chosen;
}
