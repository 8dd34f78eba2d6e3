// Restore channels: the plan that says exactly what will be written where (and what is already there), and the restore or export itself, with its proof.

import { createWriteStream } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { recordRun } from '../../catalog/repository-sync.ts';
import type { Engine } from '../../create-engine.ts';
import { AirlockError } from '../../errors.ts';
import { formatBytes, formatCount, plural } from '../../health/wording.ts';
import type { Repository } from '../../repo/repository.ts';
import type { Snapshot } from '../../repo/snapshot.ts';
import { snapshotDumpReader } from '../../repo/stream-tree.ts';
import type { TreeNode } from '../../repo/tree.ts';
import { exportDatabaseSql, restoreDatabase } from '../../restore/restore-database.ts';
import { restoreSqlite, withRestoredSqlite } from '../../restore/restore-sqlite.ts';
import { describeConnection, parseDatabaseUrl, type DatabaseConnection } from '../../sources/database-url.ts';
import { driverFor } from '../../sources/databases.ts';
import { normaliseInclude, restoreFiles } from '../../sources/files/restore.ts';
import { exportSql } from '../../sources/sqlite/export-sql.ts';
import type { HandlerInput, HandlerMap } from '../handler.ts';
import type { RunEnd, RunContext } from '../active-runs.ts';
import { snapshotTables } from './snapshots.ts';

type Plan = ChannelOutput<'restore.plan'>;
type Write = Plan['writes'][number];
type RestoreInput = HandlerInput<'restore.plan'>;

/** A plan listing more than this many writes shows the first ones; its totals still count them all. */
const maxWrites = 2000;

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

function isDatabase(snap: Snapshot): boolean {
  return snap.kind === 'mysql' || snap.kind === 'postgres';
}

/** Every file and link the selection restores, with its path inside the snapshot; the same selection rule as restoreFiles. */
async function selectedEntries(repo: Repository, root: string, items: readonly string[]): Promise<{ path: string; node: TreeNode }[]> {
  const include = items.map(normaliseInclude).filter((p) => p.length > 0);
  const out: { path: string; node: TreeNode }[] = [];
  const walk = async (tree: string, prefix: string[]): Promise<void> => {
    for (const node of (await repo.loadTree(tree)).nodes) {
      const path = [...prefix, node.name];
      const wanted = include.length === 0 || include.some((inc) => inc.every((part, i) => i >= path.length || path[i] === part));
      if (!wanted) continue;
      const inside = include.length === 0 || include.some((inc) => inc.length <= path.length);
      if (inside && node.type !== 'dir') out.push({ path: path.join('/'), node });
      if (node.type === 'dir' && node.subtree !== undefined) await walk(node.subtree, path);
    }
  };
  await walk(root, []);
  if (include.length > 0 && out.length === 0) {
    throw new AirlockError('PATH_NOT_FOUND', `Nothing in the snapshot matches ${include.map((p) => `"/${p.join('/')}"`).join(', ')}.`);
  }
  return out;
}

/** Table names as picked in the wizard ("public.orders" for PostgreSQL): what the restore functions take. */
function tablesOf(items: readonly string[]): string[] | undefined {
  const names = items.map((i) => i.replace(/^\/+/, '')).filter((i) => i !== '');
  return names.length === 0 ? undefined : names;
}

async function planFor(repo: Repository, snap: Snapshot, input: RestoreInput): Promise<Plan> {
  const { target } = input;
  const overwrite = input.overwrite === true;
  const problems: string[] = [];
  const writes: Write[] = [];
  let totalItems = 0;
  let totalBytes = 0;
  let clashes = 0;
  let targetDescription: string;

  switch (target.kind) {
    case 'folder': {
      const folder = resolve(target.path);
      targetDescription = `the folder ${folder}`;
      if (isDatabase(snap)) problems.push('This snapshot holds a database; restore it into a database or export it as a .sql file.');
      else {
        if ((await exists(folder)) && !(await lstat(folder)).isDirectory()) problems.push(`${folder} is a file, not a folder. Choose a folder.`);
        for (const e of await selectedEntries(repo, snap.tree, input.items)) {
          const to = join(folder, ...e.path.split('/'));
          const clash = await exists(to);
          totalItems++;
          totalBytes += e.node.size ?? 0;
          if (clash) clashes++;
          if (writes.length < maxWrites) writes.push({ from: `/${e.path}`, to, kind: e.node.type === 'symlink' ? 'symlink' : 'file', size: e.node.size ?? null, clash });
        }
      }
      break;
    }
    case 'sqlite-file': {
      const file = resolve(target.path);
      targetDescription = `a new SQLite database file ${file}`;
      if (snap.kind !== 'sqlite') problems.push(`This snapshot holds ${snap.kind === 'files' ? 'files' : `a ${snap.kind} database`}, not a SQLite database.`);
      const clash = await exists(file);
      if (clash) clashes++;
      const tables = tablesOf(input.items);
      totalItems = tables?.length ?? (await snapshotTables(repo, snap).catch(() => [])).length;
      totalBytes = snap.summary.bytesTotal;
      writes.push({ from: tables === undefined ? 'the whole database' : tables.join(', '), to: file, kind: 'file', size: snap.summary.bytesTotal, clash });
      break;
    }
    case 'database': {
      let conn: DatabaseConnection | undefined;
      try {
        conn = parseDatabaseUrl(target.url, target.password);
      } catch (err) {
        problems.push(err instanceof AirlockError ? err.message : 'That database address is not valid.');
      }
      targetDescription = conn === undefined ? target.url : `the database ${conn.database ?? '(none named)'} on ${describeConnection({ ...conn, database: undefined })}`;
      if (!isDatabase(snap)) problems.push(`This snapshot holds ${snap.kind === 'files' ? 'files' : 'a SQLite database'}; restore it into a folder or a SQLite file.`);
      else if (conn !== undefined && conn.kind !== snap.kind) problems.push(`This is a ${snap.kind === 'mysql' ? 'MySQL/MariaDB' : 'PostgreSQL'} backup; restore it to a ${snap.kind}:// address.`);
      if (conn !== undefined && conn.database === undefined) problems.push('Name the new database at the end of the address, e.g. …/shop_restored. A new name is safest.');
      const tables = isDatabase(snap) ? await snapshotTables(repo, snap) : [];
      const wanted = tablesOf(input.items);
      const chosen = wanted === undefined ? tables : tables.filter((t) => wanted.includes(t.name) || wanted.includes(`${t.schema ?? ''}.${t.name}`));
      let clash = false;
      if (conn?.database !== undefined && isDatabase(snap) && conn.kind === snap.kind) {
        try {
          clash = (await driverFor(conn.kind).listDatabases({ ...conn, database: conn.kind === 'postgres' ? 'postgres' : undefined })).includes(conn.database);
        } catch (err) {
          problems.push(err instanceof AirlockError ? err.message : 'The database server could not be reached.');
        }
      }
      if (clash) clashes++;
      for (const t of chosen) {
        totalItems++;
        totalBytes += t.bytes ?? 0;
        const name = t.schema === null ? t.name : `${t.schema}.${t.name}`;
        if (writes.length < maxWrites) writes.push({ from: name, to: `${conn?.database ?? ''}.${name}`, kind: 'table', size: t.bytes, clash });
      }
      break;
    }
    case 'sql-file': {
      const file = resolve(target.path);
      targetDescription = `the SQL file ${file}`;
      if (snap.kind === 'files') problems.push('This snapshot holds files; only a database can be exported as SQL.');
      const clash = await exists(file);
      if (clash) clashes++;
      const tables = tablesOf(input.items);
      totalItems = tables?.length ?? 1;
      totalBytes = snap.summary.bytesTotal;
      writes.push({ from: tables === undefined ? 'the whole database' : tables.join(', '), to: file, kind: 'file', size: null, clash });
      break;
    }
  }

  if (clashes > 0 && !overwrite) {
    problems.push(
      target.kind === 'database'
        ? `The database ${target.url.split('/').pop() ?? ''} already exists. Choose a new name, or allow replacing it.`
        : `${formatCount(clashes)} ${plural(clashes, 'item already exists', 'items already exist')} at the target. Choose an empty place, or allow replacing ${plural(clashes, 'it', 'them')}.`,
    );
  }
  return { snapshotId: snap.id, targetDescription, writes, truncated: writes.length < totalItems && writes.length >= maxWrites, totalItems, totalBytes, clashes, problems };
}

async function restoreWork(engine: Engine, repo: Repository, snap: Snapshot, input: RestoreInput, { signal, progress }: RunContext): Promise<RunEnd> {
  const { target } = input;
  const overwrite = input.overwrite === true;
  const tables = tablesOf(input.items);
  const start = { kind: target.kind === 'sql-file' ? ('export' as const) : ('restore' as const), repositoryLocation: repo.storage.location, repositoryId: repo.id, source: snap.sources.join(' ') };
  const ok = () => ({ status: 'ok' as const, snapshotId: snap.id });
  const audit = (to: string, details: Record<string, string | number>): void => {
    engine.catalog.appendAudit({ actor: engine.actor, action: start.kind, target: repo.storage.location, details: { snapshot: snap.id, to, ...details } });
  };

  switch (target.kind) {
    case 'folder': {
      const folder = resolve(target.path);
      const result = await recordRun(engine.catalog, start, () => restoreFiles(repo, snap.tree, { target: folder, include: input.items, overwrite, signal, onProgress: progress }), ok);
      audit(folder, { files: result.files, bytes: result.bytes });
      const files = `${formatCount(result.files)} ${plural(result.files, 'file', 'files')} restored (${formatBytes(result.bytes)}) to ${folder}`;
      return { state: 'succeeded', summary: result.verified === result.files ? `${files}, all checksums match.` : `${files}; ${formatCount(result.verified)} checksums verified.` };
    }
    case 'sqlite-file': {
      const { path } = await recordRun(engine.catalog, start, () => restoreSqlite(repo, snap, { target: target.path, overwrite, tables, signal, onProgress: progress }), ok);
      audit(path, {});
      return { state: 'succeeded', summary: `The database was restored to ${path}; its integrity check passed.` };
    }
    case 'database': {
      const conn = parseDatabaseUrl(target.url, target.password);
      const outcome = await recordRun(
        engine.catalog,
        start,
        () =>
          restoreDatabase(repo, snap, conn, {
            overwrite,
            signal,
            ...(tables === undefined ? {} : { tables }),
            onProgress: (p) => {
              progress({ phase: 'restore', current: p.table, bytesDone: p.bytes, itemsDone: p.rows });
            },
          }),
        ok,
      );
      audit(describeConnection(conn), { tables: outcome.tables, rows: outcome.rows });
      const restored = `${formatCount(outcome.tables)} ${plural(outcome.tables, 'table', 'tables')} and ${formatCount(outcome.rows)} ${plural(outcome.rows, 'row', 'rows')} restored into ${outcome.database}`;
      if (tables !== undefined) return { state: 'succeeded', summary: `${restored}.` };
      // The proof: the restored database compared with the row counts and checksums recorded at backup.
      const check = await driverFor(conn.kind).verify(await snapshotDumpReader(repo, snap.tree), conn, { signal });
      if (!check.ok) {
        const bad = check.tables.filter((t) => !t.ok).map((t) => t.table);
        return { state: 'partial', summary: `${restored}, but ${bad.length} ${plural(bad.length, 'table differs', 'tables differ')} from the backup: ${bad.slice(0, 5).join(', ')}.` };
      }
      return { state: 'succeeded', summary: `${restored}; all row counts and checksums match the backup.` };
    }
    case 'sql-file': {
      const file = resolve(target.path);
      await recordRun(
        engine.catalog,
        start,
        async () => {
          // A cancelled or failed export removes its half-written file; `wx` refuses one that appeared since the plan.
          const out = createWriteStream(file, { flags: overwrite ? 'w' : 'wx' });
          try {
            if (snap.kind === 'sqlite') {
              await withRestoredSqlite(repo, snap, dirname(file), async (copy) => {
                await exportSql(copy, out, { signal, onProgress: progress, ...(tables === undefined ? {} : { tables }) });
              });
              await new Promise<void>((resolveEnd, reject) => {
                out.end((err?: Error | null) => {
                  if (err) reject(err);
                  else resolveEnd();
                });
              });
            } else {
              const pass = new PassThrough();
              await Promise.all([exportDatabaseSql(repo, snap, pass, { signal, ...(tables === undefined ? {} : { tables }) }).then(() => pass.end()), pipeline(pass, out)]);
            }
          } catch (err) {
            out.destroy();
            await rm(file, { force: true });
            throw err;
          }
        },
        ok,
      );
      const size = (await lstat(file)).size;
      audit(file, { bytes: size });
      return { state: 'succeeded', summary: `Exported as SQL to ${file} (${formatBytes(size)}).` };
    }
  }
}

async function openSnapshot(engine: Engine, input: RestoreInput): Promise<{ repo: Repository; snap: Snapshot }> {
  const repo = await engine.repositories.open(input.repository);
  return { repo, snap: await repo.resolveSnapshot(input.snapshotId) };
}

export const restoreHandlers: HandlerMap<'restore.plan' | 'restore.start'> = {
  async 'restore.plan'(engine, input) {
    const { repo, snap } = await openSnapshot(engine, input);
    return planFor(repo, snap, input);
  },

  async 'restore.start'(engine, input) {
    const { repo, snap } = await openSnapshot(engine, input);
    // The same checks as the plan the person confirmed: nothing starts that the plan would have refused.
    const plan = await planFor(repo, snap, input);
    if (plan.problems.length > 0) throw new AirlockError(plan.clashes > 0 && input.overwrite !== true ? 'TARGET_EXISTS' : 'USAGE', `${plan.problems.join(' ')} Nothing was written.`);
    const kind = input.target.kind === 'sql-file' ? 'export' : 'restore';
    const title = `${kind === 'export' ? 'Export' : 'Restore'} snapshot ${snap.id.slice(0, 8)} to ${plan.targetDescription}`;
    const runId = engine.runs.start(kind, title, async (context) => {
      const lock = await repo.lock('shared', kind === 'export' ? 'export (app)' : 'restore (app)');
      try {
        return await restoreWork(engine, repo, snap, input, context);
      } finally {
        await lock.release();
      }
    });
    return { runId };
  },
};
