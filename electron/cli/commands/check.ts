// `airlock check`: verifies the repository's structure and, on request, every byte of its data.

import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { recordRun } from '../../engine/catalog/repository-sync.ts';
import { checkRepository, parseSubset } from '../../engine/verify/check.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { formatBytes } from '../format.ts';

export const check: Command = {
  usage: 'airlock check --repo DIR [--read-data | --read-data-subset 10%]',
  options: { 'read-data': { type: 'boolean' }, 'read-data-subset': { type: 'string' } },
  async run(ctx) {
    const subset = stringOption(ctx.values, 'read-data-subset');
    if (subset !== undefined && flag(ctx.values, 'read-data')) throw new AirlockError('USAGE', 'Use --read-data or --read-data-subset, not both.');
    const readData = flag(ctx.values, 'read-data') ? 1 : subset !== undefined ? parseSubset(subset) : 0;
    const repo = await ctx.openRepository();
    const lock = await repo.lock('shared', 'check');
    let report;
    try {
      report = await recordRun(await ctx.catalog(), { kind: 'check', repositoryLocation: repo.storage.location, repositoryId: repo.id }, () => checkRepository(repo, { readData, signal: ctx.signal, onProgress: ctx.progress }), (r) => ({
        status: r.errors.length === 0 ? 'ok' : 'failed',
        warnings: r.warnings,
        ...(r.errors.length > 0 ? { error: { code: 'CORRUPT_DATA', message: `${r.errors.length} problem(s): ${r.errors.slice(0, 3).join(' ')}` } } : {}),
      }));
    } finally {
      await lock.release();
    }
    ctx.result({ ok: report.errors.length === 0, ...report });
    for (const w of report.warnings) ctx.warn(w);
    for (const e of report.errors) process.stderr.write(`error: ${e}\n`);
    const read = readData > 0 ? `, read and verified ${report.packsRead} pack(s), ${formatBytes(report.bytesRead)}` : '';
    if (report.errors.length > 0) {
      ctx.say(`The repository has ${report.errors.length} problem(s) (listed above). Do not prune; keep the drive as it is and see docs/OPERATIONS.md.`);
      return exitCodes.error;
    }
    ctx.say(`No errors found: ${report.snapshots} snapshot(s), ${report.packs} pack(s), ${report.blobs} blob(s)${read}.`);
    return 0;
  },
};
