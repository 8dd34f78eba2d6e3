// `airlock verify`: a restore drill — restores a snapshot somewhere disposable and proves it matches what was backed up.

import { recordRun } from '../../engine/catalog/repository-sync.ts';
import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { runDrill } from '../../engine/verify/drill.ts';
import { stringOption, type Command } from '../command.ts';
import { formatDuration } from '../format.ts';
import { databaseConnection, retryWithPrompt } from '../secrets.ts';

export const verify: Command = {
  usage: 'airlock verify --repo DIR SNAP [--scratch mysql://user@host:port/ | postgres://user@host:port/postgres] [--db-password-file FILE]',
  options: { scratch: { type: 'string' }, 'db-password-file': { type: 'string' } },
  async run(ctx) {
    const [ref] = ctx.positionals;
    if (!ref) throw new AirlockError('USAGE', 'Which snapshot? Give its ID, a unique prefix, or "latest".');
    const scratchUrl = stringOption(ctx.values, 'scratch');
    const scratch = scratchUrl !== undefined ? await databaseConnection(scratchUrl, stringOption(ctx.values, 'db-password-file')) : undefined;
    const repo = await ctx.openRepository();
    const snap = await repo.resolveSnapshot(ref);
    const lock = await repo.lock('shared', 'verify');
    try {
      const drill = (s: typeof scratch) => runDrill(repo, snap, { scratch: s, signal: ctx.signal, onProgress: ctx.progress });
      const start = { kind: 'drill' as const, repositoryLocation: repo.storage.location, repositoryId: repo.id, source: snap.sources.join(' ') };
      const report = await recordRun(await ctx.catalog(), start, () => (scratch ? retryWithPrompt(scratch, drill) : drill(undefined)), (r) => ({
        status: r.ok ? 'ok' : 'failed',
        snapshotId: snap.id,
        ...(r.ok ? {} : { error: { code: 'VERIFY_FAILED', message: r.checks.filter((c) => !c.ok).map((c) => `${c.item}: ${c.detail}`).join('; ') } }),
      }));
      ctx.result(report);
      for (const c of report.checks) ctx.say(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.item}: ${c.detail}`);
      ctx.say(report.ok ? `Snapshot ${snap.id.slice(0, 8)} restores completely and matches its backup (${formatDuration(report.durationMs)}).` : `Snapshot ${snap.id.slice(0, 8)} did NOT restore correctly; see above. Run \`airlock check --read-data\`.`);
      return report.ok ? 0 : exitCodes.error;
    } finally {
      await lock.release();
    }
  },
};
