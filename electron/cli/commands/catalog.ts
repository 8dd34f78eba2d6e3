// `airlock catalog rebuild`: recreates the local catalog's snapshot lists from the repositories themselves.

import { refreshSnapshots } from '../../engine/catalog/repository-sync.ts';
import { AirlockError } from '../../engine/errors.ts';
import { LocalStorage } from '../../engine/repo/local-storage.ts';
import { Repository } from '../../engine/repo/repository.ts';
import { listOption, type Command } from '../command.ts';

export const catalogRebuild: Command = {
  usage: 'airlock catalog rebuild [--repo DIR]... (default: every repository the catalog knows, or AIRLOCK_REPO)',
  options: { repo: { type: 'string', multiple: true } },
  async run(ctx) {
    const catalog = await ctx.catalog();
    if (!catalog) throw new AirlockError('IO_ERROR', 'The catalog could not be opened; see the warning above.');
    const given = listOption(ctx.values, 'repo');
    const envRepo = process.env.AIRLOCK_REPO;
    const locations = given.length > 0 ? given : catalog.listRepositories().map((r) => r.location).concat(envRepo ? [envRepo] : []);
    if (locations.length === 0) throw new AirlockError('USAGE', 'Which repositories? Pass --repo DIR (as many as you have).');
    const results = [];
    for (const location of [...new Set(locations)]) {
      const repo = await Repository.open(new LocalStorage(location), await ctx.passphrase());
      const count = await refreshSnapshots(catalog, repo);
      results.push({ repository: repo.id, location, snapshots: count });
      ctx.say(`${location}: ${count} snapshot(s) listed in the catalog.`);
    }
    ctx.result({ catalog: catalog.path, repositories: results });
    return 0;
  },
};
