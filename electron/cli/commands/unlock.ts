// `airlock unlock`: removes locks left by crashed processes (or all locks, when forced).

import { removeLocks, staleReason } from '../../engine/repo/lock.ts';
import { flag, type Command } from '../command.ts';

export const unlock: Command = {
  usage: 'airlock unlock --repo DIR [--remove-all]',
  options: { 'remove-all': { type: 'boolean' } },
  async run(ctx) {
    const repo = await ctx.openRepository();
    const now = repo.now();
    const { removed, kept } = await removeLocks({ storage: repo.storage, key: repo.masterKey.encryption, now: repo.now }, flag(ctx.values, 'remove-all'));
    ctx.result({ removed, kept });
    for (const l of removed) ctx.say(`Removed the lock of "${l.operation}" (process ${l.pid} on ${l.hostname}, ${staleReason(l, now) ?? 'forced'}).`);
    for (const l of kept) ctx.say(`Kept the lock of "${l.operation}" (process ${l.pid} on ${l.hostname}): it is still active. Use --remove-all only if you are sure it is not.`);
    if (removed.length === 0 && kept.length === 0) ctx.say('The repository has no locks.');
    return 0;
  },
};
