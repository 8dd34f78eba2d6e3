// Run history: a run round-trips from start to outcome, and runs left "running" by a process that is gone become "interrupted".

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, runKinds, type Catalog, type CatalogOptions, type ProcessProbe, type RunOutcome } from '../../electron/engine/catalog/catalog.ts';
import { systemProbe } from '../../electron/engine/catalog/run-owners.ts';
import { maxStoredWarnings } from '../../electron/engine/catalog/runs.ts';
import { AirlockError } from '../../electron/engine/errors.ts';

let dir: string;
let file: string;
const opened: Catalog[] = [];
let clock = Date.parse('2025-03-01T10:00:00.000Z');
const now = (): Date => new Date(clock);

/** Edits the file behind the catalog's back, as another program could. */
function tamper(sql: string, ...params: (string | number)[]): void {
  const raw = new Database(file);
  try {
    raw.pragma('ignore_check_constraints = ON');
    raw.prepare(sql).run(...params);
  } finally {
    raw.close();
  }
}

function open(options: CatalogOptions = {}): Catalog {
  const catalog = openCatalog(file, { now, ...options });
  opened.push(catalog);
  return catalog;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-catalog-runs-'));
  file = join(dir, 'catalog.db');
  clock = Date.parse('2025-03-01T10:00:00.000Z');
});
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runs', () => {
  it('round-trip from start to a finished backup', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'backup', repositoryLocation: '/mnt/usb/airlock', jobId: 'docs', source: '~/Documents' });
    const running = catalog.getRun(id)!;
    expect(running).toMatchObject({ id, kind: 'backup', status: 'running', repositoryId: null, finishedAt: null, durationMs: null, error: null, warnings: [] });
    expect(running.startedAt).toEqual(new Date('2025-03-01T10:00:00.000Z'));

    clock += 61_500;
    const finished = catalog.finishRun(id, {
      status: 'partial',
      repositoryId: 'repo-1',
      snapshotId: 'abc123',
      stats: { bytesRead: 5_000_000_000, bytesAdded: 1234, filesNew: 3, filesChanged: 2, filesUnmodified: 9_000 },
      warnings: ['cannot read ~/Documents/locked.pdf: permission denied'],
    });
    expect(finished).toEqual({
      id,
      kind: 'backup',
      repositoryLocation: '/mnt/usb/airlock',
      repositoryId: 'repo-1',
      jobId: 'docs',
      source: '~/Documents',
      startedAt: new Date('2025-03-01T10:00:00.000Z'),
      finishedAt: new Date('2025-03-01T10:01:01.500Z'),
      durationMs: 61_500,
      status: 'partial',
      snapshotId: 'abc123',
      stats: { bytesRead: 5_000_000_000, bytesAdded: 1234, filesNew: 3, filesChanged: 2, filesUnmodified: 9_000 },
      warnings: ['cannot read ~/Documents/locked.pdf: permission denied'],
      error: null,
    });
    expect(catalog.getRun(id)).toEqual(finished);
  });

  it('keep the error of a failed run', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'check', repositoryLocation: 'E:\\airlock' });
    const run = catalog.finishRun(id, { status: 'failed', error: { code: 'CORRUPT_DATA', message: 'Pack 3f2a is damaged.' } });
    expect(run.error).toEqual({ code: 'CORRUPT_DATA', message: 'Pack 3f2a is damaged.' });
    expect(run.stats).toEqual({ bytesRead: null, bytesAdded: null, filesNew: null, filesChanged: null, filesUnmodified: null });
  });

  it('never record a negative duration when the wall clock went back', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'prune', repositoryLocation: '/r' });
    clock -= 3_600_000;
    expect(catalog.finishRun(id, { status: 'ok' }).durationMs).toBe(0);
  });

  it('cap a flood of warnings so the row stays small, saying how many were left out', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'backup', repositoryLocation: '/r' });
    const warnings = Array.from({ length: 25_000 }, (_, i) => `unreadable file ${i}`);
    const run = catalog.finishRun(id, { status: 'partial', warnings });
    expect(run.warnings).toHaveLength(maxStoredWarnings);
    expect(run.warnings[0]).toBe('unreadable file 0');
    expect(run.warnings.at(-1)).toBe(`…and ${25_000 - maxStoredWarnings + 1} more warnings`);
  });

  it('refuse to finish a run twice, an unknown run, or an ok run with an error', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'verify', repositoryLocation: '/r' });
    expect(() => catalog.finishRun(id, { status: 'ok', error: { code: 'X', message: 'y' } })).toThrow(/carries no error/);
    catalog.finishRun(id, { status: 'ok' });
    expect(() => catalog.finishRun(id, { status: 'failed' })).toThrow(/already finished as ok/);
    expect(() => catalog.finishRun(9999, { status: 'ok' })).toThrow(/no run 9999/);
    expect(catalog.getRun(id)!.status).toBe('ok');
  });

  it('list newest first, limited, and filtered by repository location, id, job or kind', () => {
    const catalog = open();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock += 1000;
      ids.push(
        catalog.startRun({
          kind: i % 2 === 0 ? 'backup' : 'check',
          repositoryLocation: i < 3 ? '/a' : '/b',
          ...(i < 3 ? { repositoryId: 'repo-a' } : {}),
          ...(i % 3 === 0 ? { jobId: 'nightly' } : {}),
        }),
      );
    }
    expect(catalog.listRuns().map((r) => r.id)).toEqual([...ids].reverse());
    expect(catalog.listRuns({ limit: 2 }).map((r) => r.id)).toEqual([ids[5], ids[4]]);
    expect(catalog.listRuns({ repository: '/a' }).map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(catalog.listRuns({ repositoryId: 'repo-a', kind: 'backup' }).map((r) => r.id)).toEqual([ids[2], ids[0]]);
    expect(catalog.listRuns({ jobId: 'nightly', limit: 1 }).map((r) => r.id)).toEqual([ids[3]]);
    expect(catalog.listRuns({ repository: '/nowhere' })).toEqual([]);
    expect(() => catalog.listRuns({ limit: 0 })).toThrow(RangeError);
  });

  it('survive any strings and counts (property)', () => {
    const catalog = open();
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const countArb = fc.option(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom(...runKinds),
        text,
        fc.option(text, { nil: undefined }),
        fc.constantFrom<RunOutcome>('ok', 'partial', 'failed', 'cancelled'),
        fc.array(text, { maxLength: 5 }),
        fc.record({ bytesRead: countArb, bytesAdded: countArb, filesNew: countArb }),
        (kind, location, source, status, warnings, stats) => {
          const id = catalog.startRun({ kind, repositoryLocation: location, ...(source === undefined ? {} : { source }) });
          const definedStats = Object.fromEntries(Object.entries(stats).filter(([, v]) => v !== undefined));
          const run = catalog.finishRun(id, { status, warnings, stats: definedStats, ...(status === 'failed' ? { error: { code: 'IO_ERROR', message: location } } : {}) });
          expect(run).toMatchObject({ kind, repositoryLocation: location, source: source ?? null, status, warnings });
          expect(run.stats.bytesRead).toBe(stats.bytesRead ?? null);
          expect(run.stats.filesNew).toBe(stats.filesNew ?? null);
          expect(run.error).toEqual(status === 'failed' ? { code: 'IO_ERROR', message: location } : null);
          expect(catalog.getRun(id)).toEqual(run);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('report a row another program damaged as CATALOG_UNREADABLE, naming the file', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'backup', repositoryLocation: '/r' });
    tamper("UPDATE runs SET kind = 'teleport' WHERE id = ?", id);
    let error: unknown;
    try {
      catalog.listRuns();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('CATALOG_UNREADABLE');
    expect((error as AirlockError).message).toContain(file);
  });
});

describe('markInterruptedRuns', () => {
  it('turns a run left running by a closed catalog into interrupted when the catalog is reopened', () => {
    const first = open();
    const crashed = first.startRun({ kind: 'backup', repositoryLocation: '/r' });
    const done = first.startRun({ kind: 'check', repositoryLocation: '/r' });
    first.finishRun(done, { status: 'ok' });
    first.close();

    const second = open();
    expect(second.interruptedAtOpen).toBe(1);
    expect(second.getRun(crashed)).toMatchObject({ status: 'interrupted', finishedAt: null, durationMs: null });
    expect(second.getRun(done)!.status).toBe('ok');
    expect(second.markInterruptedRuns()).toBe(0);
  });

  it('leaves alone a run of another catalog still open in this process', () => {
    const app = open();
    const id = app.startRun({ kind: 'backup', repositoryLocation: '/r' });
    const other = open();
    expect(other.interruptedAtOpen).toBe(0);
    expect(other.getRun(id)!.status).toBe('running');
    app.close();
    expect(other.markInterruptedRuns()).toBe(1);
    expect(other.getRun(id)!.status).toBe('interrupted');
  });

  it('lets the owner still record the real outcome of a run another process wrongly gave up on', () => {
    const catalog = open();
    const id = catalog.startRun({ kind: 'backup', repositoryLocation: '/r' });
    tamper("UPDATE runs SET status = 'interrupted' WHERE id = ?", id);
    expect(catalog.finishRun(id, { status: 'ok', snapshotId: 's1' }).status).toBe('ok');
  });

  it('treats a run from before a reboot as interrupted even if its pid is alive again', () => {
    const boot = 1_700_000_000_000;
    const alive: ProcessProbe = { isAlive: () => true, bootTimeMs: () => boot };
    const before = open({ processProbe: alive });
    const id = before.startRun({ kind: 'backup', repositoryLocation: '/r' });
    tamper('UPDATE runs SET owner_pid = ? WHERE id = ?', process.pid + 1, id);

    const sameBoot = open({ processProbe: alive });
    expect(sameBoot.interruptedAtOpen).toBe(0);
    const afterReboot = open({ processProbe: { isAlive: () => true, bootTimeMs: () => boot + 10 * 60_000 } });
    expect(afterReboot.interruptedAtOpen).toBe(1);
    expect(afterReboot.getRun(id)!.status).toBe('interrupted');
  });

  it('across processes: a run of a live process stays running, and becomes interrupted once that process is killed', async () => {
    const catalogModule = join(import.meta.dirname, '..', '..', 'electron', 'engine', 'catalog', 'catalog.ts');
    const script = `
      import { openCatalog } from ${JSON.stringify(catalogModule)};
      const catalog = openCatalog(${JSON.stringify(file)});
      console.log(catalog.startRun({ kind: 'backup', repositoryLocation: '/child' }));
      process.stdin.resume();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const id = Number(line);

      const parent = open({ processProbe: systemProbe });
      expect(parent.interruptedAtOpen).toBe(0);
      expect(parent.getRun(id)!.status).toBe('running');

      child.kill('SIGKILL');
      await exited;
      expect(parent.markInterruptedRuns()).toBe(1);
      expect(parent.getRun(id)!.status).toBe('interrupted');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('runtime errors', () => {
  it('a catalog kept locked by another process reads as CATALOG_BUSY, not a SqliteError', () => {
    const catalog = open({ busyTimeoutMs: 0 });
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      let error: unknown;
      try {
        catalog.startRun({ kind: 'backup', repositoryLocation: '/r' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AirlockError);
      expect((error as AirlockError).code).toBe('CATALOG_BUSY');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(catalog.startRun({ kind: 'backup', repositoryLocation: '/r' })).toBeGreaterThan(0);
  });
});
