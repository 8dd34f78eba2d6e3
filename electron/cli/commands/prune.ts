// `airlock prune`: frees the space of data that no snapshot uses any more.

import { recordRun } from '../../engine/catalog/repository-sync.ts';
import { pruneRepository } from '../../engine/repo/prune.ts';
import { auditCommand } from '../audit-entry.ts';
import { flag, type Command } from '../command.ts';
import { formatBytes } from '../format.ts';

export const prune: Command = {
  usage: 'airlock prune --repo DIR [--dry-run]',
  options: { 'dry-run': { type: 'boolean', short: 'n' } },
  async run(ctx) {
    const repo = await ctx.openRepository();
    const dryRun = flag(ctx.values, 'dry-run');
    const catalog = dryRun ? undefined : await ctx.catalog();
    const report = await recordRun(catalog, { kind: 'prune', repositoryLocation: repo.storage.location, repositoryId: repo.id }, () => pruneRepository(repo, { dryRun, onProgress: ctx.progress }), () => ({ status: 'ok' }));
    if (!dryRun) await auditCommand(ctx, { action: 'prune', target: repo.storage.location, details: { ...report } });
    ctx.result({ dryRun, ...report });
    ctx.say(`${dryRun ? 'Would free' : 'Freed'} ${formatBytes(report.bytesFreed)}: ${report.packsRemoved} pack(s) removed, ${report.packsRepacked} repacked, ${report.packsKept} kept; ${report.blobsRemoved} unused blob(s).`);
    return 0;
  },
};
