// `airlock stats`: sizes, deduplication and compression savings, free space.

import { repositoryStats } from '../../engine/repo/stats.ts';
import type { Command } from '../command.ts';
import { formatBytes } from '../format.ts';

export const stats: Command = {
  usage: 'airlock stats --repo DIR [--json]',
  options: {},
  async run(ctx) {
    const repo = await ctx.openRepository();
    const s = await repositoryStats(repo);
    ctx.result(s);
    const ratio = s.repositorySize > 0 ? (s.restoreSize / s.repositorySize).toFixed(1) : '–';
    ctx.say(
      [
        `Snapshots:            ${s.snapshots}`,
        `Total of all backups: ${formatBytes(s.restoreSize)} (what restoring every snapshot would write)`,
        `Distinct data:        ${formatBytes(s.uniqueRawSize)} before compression, ${formatBytes(s.uniqueStoredSize)} stored`,
        `Repository on disk:   ${formatBytes(s.repositorySize)} in ${s.packs} pack(s), ${s.blobs} blob(s); the backups it holds add up to ${ratio}× that`,
        ...(s.unusedBlobs > 0 ? [`Unused blobs:         ${s.unusedBlobs} (run \`airlock prune\`)`] : []),
        ...(s.freeSpace !== undefined ? [`Free space on drive:  ${formatBytes(s.freeSpace)}`] : []),
      ].join('\n'),
    );
    return 0;
  },
};
