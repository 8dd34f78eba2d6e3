// `airlock dump`: writes a database snapshot as plain SQL on stdout, loadable without Airlock.

import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { AirlockError } from '../../engine/errors.ts';
import { exportDatabaseSql, isDatabaseSnapshot } from '../../engine/restore/restore-database.ts';
import { withRestoredSqlite } from '../../engine/restore/restore-sqlite.ts';
import { exportSql } from '../../engine/sources/sqlite/export-sql.ts';
import { stringOption, type Command } from '../command.ts';

export const dump: Command = {
  usage: 'airlock dump --repo DIR SNAP [--tables a,b] > out.sql',
  options: { tables: { type: 'string' } },
  async run(ctx) {
    const [ref] = ctx.positionals;
    if (!ref) throw new AirlockError('USAGE', 'Which snapshot? Give its ID, a unique prefix, or "latest".');
    const tables = stringOption(ctx.values, 'tables')?.split(',').map((t) => t.trim()).filter(Boolean);
    const repo = await ctx.openRepository();
    const snap = await repo.resolveSnapshot(ref);
    const lock = await repo.lock('shared', 'dump');
    try {
      if (isDatabaseSnapshot(snap)) {
        await exportDatabaseSql(repo, snap, process.stdout, { ...(tables ? { tables } : {}), signal: ctx.signal });
        return 0;
      }
      const result = await withRestoredSqlite(repo, snap, tmpdir(), (path) => exportSql(path, process.stdout, { ...(tables ? { tables } : {}), signal: ctx.signal }), ctx.progress);
      for (const w of result.warnings) ctx.warn(w);
      if (!process.stdout.writableNeedDrain) return 0;
      await once(process.stdout, 'drain');
    } finally {
      await lock.release();
    }
    return 0;
  },
};
