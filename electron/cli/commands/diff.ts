// `airlock diff`: lists what changed between two snapshots.

import { AirlockError } from '../../engine/errors.ts';
import { diffSnapshots } from '../../engine/repo/diff.ts';
import type { Command } from '../command.ts';

const marks = { added: '+', removed: '-', modified: 'M', metadata: 'U' } as const;

export const diff: Command = {
  usage: 'airlock diff --repo DIR SNAP1 SNAP2',
  options: {},
  async run(ctx) {
    const [a, b] = ctx.positionals;
    if (!a || !b) throw new AirlockError('USAGE', 'Give two snapshots to compare (IDs, prefixes, or "latest").');
    const repo = await ctx.openRepository();
    const [first, second] = [await repo.resolveSnapshot(a), await repo.resolveSnapshot(b)];
    const changes = await diffSnapshots(repo, first.tree, second.tree);
    ctx.result({ from: first.id, to: second.id, changes });
    for (const c of changes) ctx.say(`${marks[c.kind]}  ${c.path}${c.type === 'dir' ? '/' : ''}`);
    const count = (k: keyof typeof marks) => changes.filter((c) => c.kind === k).length;
    ctx.say(`${count('added')} added, ${count('removed')} removed, ${count('modified')} modified, ${count('metadata')} with metadata changes.`);
    return 0;
  },
};
