// `copy`: copies snapshots between repositories (disk to USB), writing only the chunks the destination lacks.

import type { ProgressListener } from '../progress.ts';
import type { Repository } from './repository.ts';
import type { Snapshot } from './snapshot.ts';
import type { TreeNode } from './tree.ts';

export interface CopyReport {
  readonly copied: { readonly from: string; readonly to: string }[];
  readonly skipped: string[];
  readonly blobsWritten: number;
  readonly bytesWritten: number;
}

/**
 * Blob IDs are keyed per repository, so a tree is rewritten with the destination's IDs. When both repositories share
 * the same ID key (one was initialised from the other), a blob the destination already has is not even read.
 */
export async function copySnapshots(from: Repository, to: Repository, snapshots: readonly Snapshot[], onProgress?: ProgressListener): Promise<CopyReport> {
  const sameIds = from.masterKey.mac.equals(to.masterKey.mac);
  const translated = new Map<string, string>();
  const report = { copied: [] as { from: string; to: string }[], skipped: [] as string[], blobsWritten: 0, bytesWritten: 0 };
  const destinationIndex = await to.index();
  const already = new Set((await to.listSnapshots()).map((s) => s.original ?? s.id));

  const copyBlob = async (id: string, type: 'data' | 'tree', rewrite?: (data: Buffer) => Promise<Buffer>): Promise<string> => {
    const known = translated.get(id);
    if (known) return known;
    if (sameIds && !rewrite && destinationIndex.has(id)) {
      translated.set(id, id);
      return id;
    }
    const plain = await from.loadBlob(id);
    const saved = await to.saveBlob(type, rewrite ? await rewrite(plain) : plain);
    if (saved.added > 0) {
      report.blobsWritten++;
      report.bytesWritten += saved.added;
      onProgress?.({ phase: 'copy', bytesDone: report.bytesWritten, itemsDone: report.blobsWritten });
    }
    translated.set(id, saved.id);
    return saved.id;
  };

  const copyTree = async (treeId: string): Promise<string> => {
    const known = translated.get(treeId);
    if (known) return known;
    const tree = await from.loadTree(treeId);
    const nodes: TreeNode[] = [];
    for (const node of tree.nodes) {
      const copy: TreeNode = { ...node };
      if (node.content) {
        const ids: string[] = [];
        for (const id of node.content) ids.push(await copyBlob(id, 'data'));
        copy.content = ids;
      }
      if (node.subtree) copy.subtree = await copyTree(node.subtree);
      nodes.push(copy);
    }
    const saved = await to.saveTree(nodes);
    if (saved.added > 0) {
      report.blobsWritten++;
      report.bytesWritten += saved.added;
    }
    translated.set(treeId, saved.id);
    return saved.id;
  };

  const lock = await to.lock('shared', 'copy');
  try {
    for (const snap of snapshots) {
      if (already.has(snap.original ?? snap.id)) {
        report.skipped.push(snap.id);
        continue;
      }
      const tree = await copyTree(snap.tree);
      const { id: _id, parent: _parent, ...manifest } = snap;
      const newId = await to.saveSnapshot({ ...manifest, tree, original: snap.original ?? snap.id });
      report.copied.push({ from: snap.id, to: newId });
    }
  } finally {
    await lock.release();
  }
  return report;
}
