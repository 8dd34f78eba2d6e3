// `airlock copy`: copies snapshots from one repository to another (e.g. disk to USB drive).

import { LocalStorage } from '../../engine/repo/local-storage.ts';
import { copySnapshots } from '../../engine/repo/copy.ts';
import { Repository } from '../../engine/repo/repository.ts';
import { stringOption, type Command } from '../command.ts';
import { formatBytes } from '../format.ts';
import { readSecret } from '../secrets.ts';

export const copy: Command = {
  usage: 'airlock copy --from DIR --repo DIR [--from-passphrase-file FILE] [SNAP...]',
  options: { from: { type: 'string' }, 'from-passphrase-file': { type: 'string' } },
  async run(ctx) {
    const fromFile = stringOption(ctx.values, 'from-passphrase-file');
    // The source's passphrase defaults to the destination's: most people use one passphrase for both drives.
    const fromPassphrase = fromFile !== undefined || process.env.AIRLOCK_FROM_PASSPHRASE ? await readSecret({ env: 'AIRLOCK_FROM_PASSPHRASE', file: fromFile, what: 'source repository passphrase' }) : await ctx.passphrase();
    const from = await Repository.open(new LocalStorage(ctx.repoLocation('from')), fromPassphrase);
    const to = await ctx.openRepository();
    const wanted = ctx.positionals.length > 0 ? await Promise.all(ctx.positionals.map((r) => from.resolveSnapshot(r))) : await from.listSnapshots();
    const lock = await from.lock('shared', 'copy');
    try {
      const report = await copySnapshots(from, to, wanted, ctx.progress);
      ctx.result(report);
      ctx.say(`Copied ${report.copied.length} snapshot(s), skipped ${report.skipped.length} already there; wrote ${report.blobsWritten} new blob(s), ${formatBytes(report.bytesWritten)}.`);
    } finally {
      await lock.release();
    }
    return 0;
  },
};
