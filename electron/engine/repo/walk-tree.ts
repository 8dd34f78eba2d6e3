// Walking a snapshot's trees: every entry under a path, depth first.

import { AirlockError } from '../errors.ts';
import type { Repository } from './repository.ts';
import type { TreeNode } from './tree.ts';

export interface ListedEntry {
  readonly path: string;
  readonly node: TreeNode;
}

/** Every entry under `path` in a snapshot tree, depth first. */
export async function* walkSnapshot(repo: Repository, tree: string, path: readonly string[] = []): AsyncGenerator<ListedEntry> {
  let treeId = tree;
  let prefix = '';
  for (const [i, part] of path.entries()) {
    const node = (await repo.loadTree(treeId)).nodes.find((n) => n.name === part);
    if (!node) throw new AirlockError('PATH_NOT_FOUND', `"/${path.slice(0, i + 1).join('/')}" is not in this snapshot.`);
    prefix += `/${part}`;
    if (i === path.length - 1) yield { path: prefix, node };
    if (node.type !== 'dir' || !node.subtree) {
      if (i < path.length - 1) throw new AirlockError('PATH_NOT_FOUND', `"${prefix}" is not a folder in this snapshot.`);
      return;
    }
    treeId = node.subtree;
  }
  const walk = async function* (id: string, base: string): AsyncGenerator<ListedEntry> {
    for (const node of (await repo.loadTree(id)).nodes) {
      const p = `${base}/${node.name}`;
      yield { path: p, node };
      if (node.type === 'dir' && node.subtree) yield* walk(node.subtree, p);
    }
  };
  yield* walk(treeId, prefix);
}
