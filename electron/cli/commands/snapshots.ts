// `airlock snapshots`: lists the snapshots in a repository.

import { shortId } from '../../engine/repo/snapshot.ts';
import type { Command } from '../command.ts';
import { formatBytes, formatTime, table } from '../format.ts';

export const snapshots: Command = {
  usage: 'airlock snapshots --repo DIR [--json]',
  options: {},
  async run(ctx) {
    const repo = await ctx.openRepository();
    const all = await repo.listSnapshots();
    ctx.result(all);
    if (all.length === 0) {
      ctx.say('No snapshots yet. Make one with `airlock backup`.');
      return 0;
    }
    const rows = [['ID', 'Time', 'Host', 'Kind', 'Size', 'Tags', 'Source']];
    for (const s of all) {
      rows.push([shortId(s.id), formatTime(s.time), s.hostname, s.kind + (s.partial ? ' (partial)' : ''), formatBytes(s.summary.bytesTotal), s.tags.join(','), s.sources.join(' ')]);
    }
    ctx.say(table(rows));
    ctx.say(`${all.length} snapshot(s)`);
    return 0;
  },
};
