// `airlock ls`: lists the files inside a snapshot.

import { AirlockError } from '../../engine/errors.ts';
import { walkSnapshot } from '../../engine/repo/walk-tree.ts';
import { normaliseInclude } from '../../engine/sources/files/restore.ts';
import type { Command } from '../command.ts';
import { formatBytes, formatTime } from '../format.ts';

export const ls: Command = {
  usage: 'airlock ls --repo DIR SNAP [PATH] [--long]',
  options: { long: { type: 'boolean', short: 'l' } },
  async run(ctx) {
    const [ref, path] = ctx.positionals;
    if (!ref) throw new AirlockError('USAGE', 'Which snapshot? Give its ID, a unique prefix, or "latest".');
    const repo = await ctx.openRepository();
    const snap = await repo.resolveSnapshot(ref);
    const entries = [];
    for await (const e of walkSnapshot(repo, snap.tree, normaliseInclude(path ?? ''))) {
      entries.push(e);
      if (ctx.values.long === true) {
        const kind = e.node.type === 'dir' ? 'd' : e.node.type === 'symlink' ? 'l' : '-';
        ctx.say(`${kind} ${(e.node.mode & 0o7777).toString(8).padStart(4, '0')} ${formatBytes(e.node.size ?? 0).padStart(10)} ${formatTime(new Date(e.node.mtimeMs).toISOString())} ${e.path}${e.node.linkTarget !== undefined ? ` -> ${e.node.linkTarget}` : ''}`);
      } else {
        ctx.say(e.path);
      }
    }
    ctx.result(entries.map((e) => ({ path: e.path, type: e.node.type, size: e.node.size ?? 0, mode: e.node.mode, mtime: new Date(e.node.mtimeMs).toISOString(), ...(e.node.sha256 ? { sha256: e.node.sha256 } : {}) })));
    return 0;
  },
};
