// `airlock forget`: removes snapshots a retention policy does not keep, showing why each one stays.

import { exitCodes } from '../../engine/errors.ts';
import { pruneRepository } from '../../engine/repo/prune.ts';
import { shortId } from '../../engine/repo/snapshot.ts';
import { recordRun, refreshSnapshots } from '../../engine/catalog/repository-sync.ts';
import { forgetSnapshots } from '../../engine/retention/forget.ts';
import { parseDuration, type RetentionPolicy } from '../../engine/retention/policy.ts';
import { AirlockError } from '../../engine/errors.ts';
import { auditCommand } from '../audit-entry.ts';
import { flag, listOption, stringOption, type Command, type OptionValues } from '../command.ts';
import { formatBytes, formatTime, table } from '../format.ts';

const counts = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

function count(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const n = text === 'unlimited' ? Infinity : Number(text);
  if (!(n >= 0) || (Number.isFinite(n) && !Number.isInteger(n))) throw new AirlockError('USAGE', `--${name} takes a whole number (or "unlimited"), not "${text}".`);
  return n;
}

export function policyFrom(values: OptionValues): RetentionPolicy {
  const policy: { -readonly [K in keyof RetentionPolicy]: RetentionPolicy[K] } = {};
  const keys = { last: 'keepLast', hourly: 'keepHourly', daily: 'keepDaily', weekly: 'keepWeekly', monthly: 'keepMonthly', yearly: 'keepYearly' } as const;
  for (const c of counts) {
    const n = count(values, `keep-${c}`);
    if (n !== undefined) policy[keys[c]] = n;
  }
  const within = stringOption(values, 'keep-within');
  if (within !== undefined) policy.keepWithinMs = parseDuration(within);
  const tags = listOption(values, 'keep-tag');
  if (tags.length > 0) policy.keepTags = tags;
  return policy;
}

export const forget: Command = {
  usage: 'airlock forget --repo DIR [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--keep-within 30d] [--keep-tag T] [--dry-run] [--prune]',
  options: {
    ...Object.fromEntries(counts.map((c) => [`keep-${c}`, { type: 'string' as const }])),
    'keep-within': { type: 'string' },
    'keep-tag': { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', short: 'n' },
    prune: { type: 'boolean' },
  },
  async run(ctx) {
    const policy = policyFrom(ctx.values);
    const dryRun = flag(ctx.values, 'dry-run');
    const repo = await ctx.openRepository();
    const catalog = dryRun ? undefined : await ctx.catalog();
    const start = { kind: 'forget' as const, repositoryLocation: repo.storage.location, repositoryId: repo.id };
    const groups = await recordRun(catalog, start, () => forgetSnapshots(repo, policy, { dryRun }), () => ({ status: 'ok' }));
    const removed = groups.flatMap((g) => g.decisions.filter((d) => !d.keep));
    let pruned;
    if (flag(ctx.values, 'prune') && !dryRun && removed.length > 0) {
      pruned = await recordRun(catalog, { ...start, kind: 'prune' }, () => pruneRepository(repo, { onProgress: ctx.progress }), () => ({ status: 'ok' }));
    }
    if (catalog) await refreshSnapshots(catalog, repo);
    if (!dryRun && removed.length > 0) {
      await auditCommand(ctx, { action: 'forget', target: repo.storage.location, details: { policy, removed: removed.map((d) => d.snapshot.id), kept: groups.reduce((n, g) => n + g.decisions.filter((d) => d.keep).length, 0) } });
    }
    if (pruned) await auditCommand(ctx, { action: 'prune', target: repo.storage.location, details: { ...pruned } });
    ctx.result({
      dryRun,
      groups: groups.map((g) => ({ key: JSON.parse(g.key) as unknown, decisions: g.decisions.map((d) => ({ id: d.snapshot.id, time: d.snapshot.time, keep: d.keep, reasons: d.reasons })) })),
      removed: removed.map((d) => d.snapshot.id),
      ...(pruned ? { prune: pruned } : {}),
    });
    for (const g of groups) {
      const [host, kind, sources] = JSON.parse(g.key) as [string, string, string[]];
      ctx.say(`\n${kind} on ${host}: ${sources.join(' ')}`);
      ctx.say(table([['ID', 'Time', 'Decision', 'Why'], ...g.decisions.map((d) => [shortId(d.snapshot.id), formatTime(d.snapshot.time), d.keep ? 'keep' : dryRun ? 'would remove' : 'removed', d.reasons.join(', ')])]));
    }
    ctx.say(`\n${dryRun ? 'Would remove' : 'Removed'} ${removed.length} snapshot(s).${pruned ? ` Pruned: freed ${formatBytes(pruned.bytesFreed)}.` : !dryRun && removed.length > 0 ? ' Run `airlock prune` to free their space.' : ''}`);
    return exitCodes.ok;
  },
};
