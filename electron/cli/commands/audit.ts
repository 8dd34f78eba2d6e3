// `airlock audit`: the hash-chained log of who did what (backups, forgets, job changes); --verify proves nothing was altered.

import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { stringOption, flag, type Command } from '../command.ts';
import { formatTime, table } from '../format.ts';
import { requireCatalog } from './job.ts';

function shortDetails(details: Readonly<Record<string, unknown>>): string {
  const text = Object.entries(details)
    .filter(([, v]) => typeof v !== 'object' || v === null || Array.isArray(v))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.length.toString() : String(v)}`)
    .join(' ');
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

export const audit: Command = {
  usage: 'airlock audit [--verify] [--limit N] [--json]',
  options: { verify: { type: 'boolean' }, limit: { type: 'string' } },
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    if (flag(ctx.values, 'verify')) {
      const result = catalog.verifyAudit();
      ctx.result(result);
      if (result.ok) {
        ctx.say(result.length === 0 ? 'The audit log is empty.' : `The audit log is intact: ${result.length} entr${result.length === 1 ? 'y' : 'ies'}, newest #${result.headSeq ?? 0} with hash ${result.head.slice(0, 16)}. Note this hash somewhere else to detect entries cut off its end later.`);
        return exitCodes.ok;
      }
      const where = result.seq === null ? 'at its end' : `at entry #${result.seq}`;
      process.stderr.write(`airlock audit: the audit log has been tampered with ${where}: ${result.reason}.\n`);
      return exitCodes.error;
    }
    const limitText = stringOption(ctx.values, 'limit');
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1) throw new AirlockError('USAGE', `--limit takes a whole number from 1, not "${limitText ?? ''}".`);
    const entries = catalog.listAudit({ limit });
    ctx.result(entries);
    if (entries.length === 0) {
      ctx.say('The audit log is empty.');
      return exitCodes.ok;
    }
    ctx.say(table([['#', 'Time', 'Who', 'What', 'On', 'Details'], ...entries.map((e) => [String(e.seq), formatTime(e.time), e.actor, e.action, e.target, shortDetails(e.details)])]));
    return exitCodes.ok;
  },
};
