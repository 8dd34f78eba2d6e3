// Snapshot channels: the list by repository and job, one folder of a snapshot's tree (or its tables), search across snapshots, and the changes between two.

import * as z from 'zod';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import type { CachedSnapshot } from '../../catalog/catalog.ts';
import { refreshSnapshots } from '../../catalog/repository-sync.ts';
import type { Engine } from '../../create-engine.ts';
import { AirlockError } from '../../errors.ts';
import { jobTag } from '../../jobs/run-job.ts';
import { diffSnapshots } from '../../repo/diff.ts';
import type { Repository } from '../../repo/repository.ts';
import type { Snapshot } from '../../repo/snapshot.ts';
import { snapshotDumpReader } from '../../repo/stream-tree.ts';
import type { TreeNode } from '../../repo/tree.ts';
import { openDump } from '../../sources/mysql/dump-format.ts';
import { loadDump } from '../../sources/postgres/dump-format.ts';
import { normaliseInclude } from '../../sources/files/restore.ts';
import { iso, type HandlerMap } from '../handler.ts';
import { locationKey } from '../unlocked-repositories.ts';

type SnapshotInfo = ChannelOutput<'snapshots.list'>[number];
type Entry = ChannelOutput<'snapshots.browse'>['entries'][number];
type Table = ChannelOutput<'snapshots.tables'>['tables'][number];

/** Lists longer than this are cut short and say so; the totals still count everything. */
const maxListed = 5000;

function kindOf(node: TreeNode): Entry['kind'] {
  return node.type === 'dir' ? 'directory' : node.type;
}

function jobOf(tags: readonly string[]): string | null {
  const prefix = jobTag({ id: '' });
  return tags.find((t) => t.startsWith(prefix))?.slice(prefix.length) ?? null;
}

function infoOf(s: CachedSnapshot): SnapshotInfo {
  const n = (key: string): number | null => s.summary[key] ?? null;
  const files = [n('filesNew'), n('filesChanged'), n('filesUnmodified')];
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: s.time.toISOString(),
    hostname: s.hostname,
    sourceKind: s.sourceKind,
    source: s.sourceDescription,
    tags: [...s.tags],
    jobId: jobOf(s.tags),
    files: files.every((f) => f === null) ? null : files.reduce<number>((sum, f) => sum + (f ?? 0), 0),
    bytes: n('bytesTotal'),
    bytesAdded: n('bytesAdded'),
  };
}

/** The node at `parts` in the snapshot's tree, and the tree it lists when it is a folder. */
async function folderAt(repo: Repository, root: string, parts: readonly string[]): Promise<string> {
  let tree = root;
  for (const [i, part] of parts.entries()) {
    const node = (await repo.loadTree(tree)).nodes.find((n) => n.name === part);
    const shown = `/${parts.slice(0, i + 1).join('/')}`;
    if (node === undefined) throw new AirlockError('PATH_NOT_FOUND', `"${shown}" is not in this snapshot.`);
    if (node.type !== 'dir' || node.subtree === undefined) throw new AirlockError('PATH_NOT_FOUND', `"${shown}" is a file, not a folder.`);
    tree = node.subtree;
  }
  return tree;
}

const sqliteDetails = z.object({ sqlite: z.object({ tables: z.array(z.object({ name: z.string(), rows: z.number().nullable() })) }) });

/** The tables a database snapshot holds, from its manifest (or, for SQLite, the facts noted at backup). */
export async function snapshotTables(repo: Repository, snap: Snapshot): Promise<Table[]> {
  switch (snap.kind) {
    case 'sqlite': {
      const parsed = sqliteDetails.safeParse(snap.details);
      return parsed.success ? parsed.data.sqlite.tables.map((t) => ({ name: t.name, schema: null, rows: t.rows, bytes: null })) : [];
    }
    case 'mysql': {
      const { manifest } = await openDump(await snapshotDumpReader(repo, snap.tree));
      return manifest.tables.map((t) => ({ name: t.name, schema: null, rows: t.rows, bytes: t.bytes }));
    }
    case 'postgres': {
      const { manifest } = await loadDump(await snapshotDumpReader(repo, snap.tree));
      return manifest.tables.map((t) => ({ name: t.name, schema: t.schema, rows: t.rows, bytes: t.bytes }));
    }
    case 'files':
      throw new AirlockError('USAGE', `Snapshot ${snap.id.slice(0, 8)} holds files, not a database; browse its folders instead.`);
  }
}

interface Found {
  readonly path: string;
  readonly kind: Entry['kind'];
  readonly size: number | null;
}

/** Every entry whose name holds `needle`, under one tree; trees shared by many snapshots are searched once. */
async function searchTree(repo: Repository, tree: string, needle: string, memo: Map<string, Found[]>): Promise<Found[]> {
  const known = memo.get(tree);
  if (known !== undefined) return known;
  const found: Found[] = [];
  for (const node of (await repo.loadTree(tree)).nodes) {
    if (node.name.toLowerCase().includes(needle)) found.push({ path: `/${node.name}`, kind: kindOf(node), size: node.size ?? null });
    if (node.type === 'dir' && node.subtree !== undefined) {
      for (const f of await searchTree(repo, node.subtree, needle, memo)) {
        if (found.length >= maxListed) break;
        found.push({ ...f, path: `/${node.name}${f.path}` });
      }
    }
    if (found.length >= maxListed) break;
  }
  memo.set(tree, found);
  return found;
}

async function cachedSnapshots(engine: Engine, repository: string): Promise<CachedSnapshot[]> {
  const key = locationKey(repository);
  if (engine.repositories.isUnlocked(key)) await refreshSnapshots(engine.catalog, await engine.repositories.open(key));
  const known = engine.catalog.listRepositories().find((r) => locationKey(r.location) === key);
  if (known === undefined) throw new AirlockError('REPO_NOT_FOUND', `Airlock does not know the repository at ${key} yet. Open it with its passphrase first.`);
  return engine.catalog.listSnapshots(known.id);
}

export const snapshotHandlers: HandlerMap<'snapshots.list' | 'snapshots.browse' | 'snapshots.tables' | 'snapshots.search' | 'snapshots.diff'> = {
  async 'snapshots.list'(engine, { repository, jobId }) {
    const tag = jobId === undefined ? undefined : jobTag({ id: jobId });
    // Newest first: the one a person most often wants is at the top.
    return (await cachedSnapshots(engine, repository))
      .filter((s) => tag === undefined || s.tags.includes(tag))
      .reverse()
      .map(infoOf);
  },

  async 'snapshots.browse'(engine, { repository, snapshotId, path }) {
    const repo = await engine.repositories.open(repository);
    const snap = await repo.resolveSnapshot(snapshotId);
    const parts = normaliseInclude(path);
    const shown = `/${parts.join('/')}`;
    const parent = parts.length === 0 ? null : `/${parts.slice(0, -1).join('/')}`;
    if ((snap.kind === 'mysql' || snap.kind === 'postgres') && parts.length === 0) {
      // A database snapshot's tree is its dump's streams; a person picks tables.
      const tables = await snapshotTables(repo, snap);
      return { path: '/', parent: null, entries: tables.map((t) => ({ name: t.schema === null ? t.name : `${t.schema}.${t.name}`, path: `/${t.schema === null ? t.name : `${t.schema}.${t.name}`}`, kind: 'table' as const, size: t.bytes, modifiedAt: snap.time })) };
    }
    const tree = await folderAt(repo, snap.tree, parts);
    const nodes = (await repo.loadTree(tree)).nodes;
    const entries = nodes.slice(0, maxListed).map((n) => ({
      name: n.name,
      path: `${shown === '/' ? '' : shown}/${n.name}`,
      kind: kindOf(n),
      size: n.type === 'file' ? (n.size ?? 0) : null,
      modifiedAt: iso(new Date(n.mtimeMs)),
    }));
    return { path: shown, parent, entries };
  },

  async 'snapshots.tables'(engine, { repository, snapshotId }) {
    const repo = await engine.repositories.open(repository);
    return { tables: await snapshotTables(repo, await repo.resolveSnapshot(snapshotId)) };
  },

  async 'snapshots.search'(engine, { repository, text, limit }) {
    const repo = await engine.repositories.open(repository);
    const wanted = limit ?? 200;
    const needle = text.toLowerCase();
    const memo = new Map<string, Found[]>();
    const matches: ChannelOutput<'snapshots.search'>['matches'] = [];
    let truncated = false;
    // Newest snapshots first: the latest copy of a file is the one usually wanted.
    for (const snap of (await repo.listSnapshots()).reverse()) {
      if (snap.kind === 'mysql' || snap.kind === 'postgres') continue;
      for (const f of await searchTree(repo, snap.tree, needle, memo)) {
        if (matches.length >= wanted) {
          truncated = true;
          break;
        }
        matches.push({ snapshotId: snap.id, time: snap.time, path: f.path, kind: f.kind, size: f.size });
      }
      if (truncated) break;
    }
    return { matches, truncated };
  },

  async 'snapshots.diff'(engine, { repository, a, b }) {
    const repo = await engine.repositories.open(repository);
    const [snapA, snapB] = [await repo.resolveSnapshot(a), await repo.resolveSnapshot(b)];
    const changes = await diffSnapshots(repo, snapA.tree, snapB.tree);
    const count = (kind: string): number => changes.filter((c) => c.kind === kind).length;
    return {
      changes: changes.slice(0, maxListed).map((c) => ({ path: c.path, change: c.kind, kind: c.type === 'dir' ? 'directory' : c.type })),
      truncated: changes.length > maxListed,
      added: count('added'),
      removed: count('removed'),
      modified: count('modified'),
    };
  },
};
