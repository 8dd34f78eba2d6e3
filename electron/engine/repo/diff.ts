// `diff`: what changed between two snapshots — added, removed, modified files and metadata-only changes.

import type { Repository } from './repository.ts';
import type { TreeNode } from './tree.ts';

export type ChangeKind = 'added' | 'removed' | 'modified' | 'metadata';

export interface Change {
  readonly path: string;
  readonly kind: ChangeKind;
  readonly type: TreeNode['type'];
}

function sameContent(a: TreeNode, b: TreeNode): boolean {
  return a.type === b.type && a.sha256 === b.sha256 && a.linkTarget === b.linkTarget && (a.content ?? []).join() === (b.content ?? []).join();
}

function sameMetadata(a: TreeNode, b: TreeNode): boolean {
  return a.mode === b.mode && a.mtimeMs === b.mtimeMs && a.uid === b.uid && a.gid === b.gid;
}

export async function diffSnapshots(repo: Repository, treeA: string, treeB: string): Promise<Change[]> {
  const changes: Change[] = [];
  const everything = async (treeId: string, base: string, kind: ChangeKind): Promise<void> => {
    for (const n of (await repo.loadTree(treeId)).nodes) {
      changes.push({ path: `${base}/${n.name}`, kind, type: n.type });
      if (n.subtree) await everything(n.subtree, `${base}/${n.name}`, kind);
    }
  };
  const compare = async (a: string, b: string, base: string): Promise<void> => {
    // Equal tree IDs mean equal content all the way down: skip the whole subtree.
    if (a === b) return;
    const left = new Map((await repo.loadTree(a)).nodes.map((n) => [n.name, n]));
    const right = new Map((await repo.loadTree(b)).nodes.map((n) => [n.name, n]));
    for (const name of [...new Set([...left.keys(), ...right.keys()])].sort()) {
      const path = `${base}/${name}`;
      const x = left.get(name);
      const y = right.get(name);
      if (!x && y) {
        changes.push({ path, kind: 'added', type: y.type });
        if (y.subtree) await everything(y.subtree, path, 'added');
      } else if (x && !y) {
        changes.push({ path, kind: 'removed', type: x.type });
        if (x.subtree) await everything(x.subtree, path, 'removed');
      } else if (x && y) {
        if (x.type === 'dir' && y.type === 'dir' && x.subtree && y.subtree) {
          if (!sameMetadata(x, y)) changes.push({ path, kind: 'metadata', type: 'dir' });
          await compare(x.subtree, y.subtree, path);
        } else if (!sameContent(x, y)) {
          changes.push({ path, kind: 'modified', type: y.type });
        } else if (!sameMetadata(x, y)) {
          changes.push({ path, kind: 'metadata', type: y.type });
        }
      }
    }
  };
  await compare(treeA, treeB, '');
  return changes;
}
