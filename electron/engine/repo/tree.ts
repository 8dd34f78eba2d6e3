// Directory trees: one tree blob per directory listing its entries; files point at their data blobs.

import { z } from 'zod';

const nodeSchema = z.object({
  name: z.string(),
  type: z.enum(['file', 'dir', 'symlink']),
  mode: z.number().int(),
  mtimeMs: z.number(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  size: z.number().int().nonnegative().optional(),
  /** For change detection against the parent snapshot. */
  inode: z.number().optional(),
  ctimeMs: z.number().optional(),
  /** Data blob IDs, in order. */
  content: z.array(z.string()).optional(),
  /** SHA-256 of the whole file, checked on restore. */
  sha256: z.string().optional(),
  /** Tree blob ID of a directory. */
  subtree: z.string().optional(),
  linkTarget: z.string().optional(),
  /** Same value on every name of one hard-linked file (device:inode at backup time). */
  hardlink: z.string().optional(),
});

export const treeSchema = z.object({ nodes: z.array(nodeSchema) });

export type TreeNode = z.infer<typeof nodeSchema>;
export type Tree = z.infer<typeof treeSchema>;

export function encodeTree(nodes: readonly TreeNode[]): Buffer {
  const sorted = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Buffer.from(JSON.stringify({ nodes: sorted }));
}

const nodeKeys = nodeSchema.keyof().options;

function sameNode(a: TreeNode, b: TreeNode): boolean {
  return nodeKeys.every((key) => {
    const x = a[key];
    const y = b[key];
    return Array.isArray(x) && Array.isArray(y) ? x.length === y.length && x.every((v, i) => v === y[i]) : x === y;
  });
}

/**
 * Whether `nodes` are exactly the entries of a stored tree, whose nodes are given by name: then that tree's ID
 * stands for them, without encoding and hashing the same listing again (most folders, on most re-runs).
 */
export function sameNodes(nodes: readonly TreeNode[], stored: ReadonlyMap<string, TreeNode>): boolean {
  return nodes.length === stored.size && nodes.every((n) => {
    const old = stored.get(n.name);
    return old !== undefined && sameNode(n, old);
  });
}

/** A tree entry's name must be a single path component: nothing a tampered tree could use to escape a restore target. */
export function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0') && !/^[a-zA-Z]:/.test(name);
}
