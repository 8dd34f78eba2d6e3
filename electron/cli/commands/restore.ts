// `airlock restore`: restores a snapshot's files into a folder, or a SQLite snapshot into a new database file.

import { AirlockError } from '../../engine/errors.ts';
import { recordRun } from '../../engine/catalog/repository-sync.ts';
import { restoreDatabase } from '../../engine/restore/restore-database.ts';
import { restoreSqlite } from '../../engine/restore/restore-sqlite.ts';
import { isDatabaseUrl } from '../../engine/sources/database-url.ts';
import { restoreFiles } from '../../engine/sources/files/restore.ts';
import { describeConnection } from '../../engine/sources/database-url.ts';
import { auditCommand } from '../audit-entry.ts';
import { flag, listOption, stringOption, type Command } from '../command.ts';
import { formatBytes } from '../format.ts';
import { databaseConnection, retryWithPrompt } from '../secrets.ts';

function sqlitePath(url: string): string {
  const m = /^sqlite:\/\/(\/.*)$/.exec(url);
  if (!m?.[1]) throw new AirlockError('USAGE', 'Restore a database to sqlite:///absolute/path/new.db (three slashes before an absolute path).');
  return decodeURIComponent(m[1]);
}

export const restore: Command = {
  usage: 'airlock restore --repo DIR SNAP (--target DIR [--include PATH]... | --to sqlite:///abs/new.db | --to mysql://user@host:port/newdb | --to postgres://user@host:port/newdb) [--tables a,b] [--schema-only | --data-only] [--overwrite] [--db-password-file FILE]',
  options: {
    target: { type: 'string' },
    include: { type: 'string', multiple: true },
    to: { type: 'string' },
    tables: { type: 'string' },
    overwrite: { type: 'boolean' },
    'schema-only': { type: 'boolean' },
    'data-only': { type: 'boolean' },
    'db-password-file': { type: 'string' },
  },
  async run(ctx) {
    const [ref] = ctx.positionals;
    if (!ref) throw new AirlockError('USAGE', 'Which snapshot? Give its ID, a unique prefix, or "latest".');
    const target = stringOption(ctx.values, 'target');
    const to = stringOption(ctx.values, 'to');
    if ((target === undefined) === (to === undefined)) throw new AirlockError('USAGE', 'Say where to restore: --target DIR for files, or --to sqlite:///abs/new.db for a database.');
    const repo = await ctx.openRepository();
    const snap = await repo.resolveSnapshot(ref);
    const overwrite = flag(ctx.values, 'overwrite');
    const start = { kind: 'restore' as const, repositoryLocation: repo.storage.location, repositoryId: repo.id, source: snap.sources.join(' ') };
    const tables = stringOption(ctx.values, 'tables')?.split(',').map((t) => t.trim()).filter(Boolean);
    if (to !== undefined && isDatabaseUrl(to)) {
      const target = await databaseConnection(to, stringOption(ctx.values, 'db-password-file'));
      const request = {
        overwrite,
        schemaOnly: flag(ctx.values, 'schema-only'),
        dataOnly: flag(ctx.values, 'data-only'),
        signal: ctx.signal,
        ...(tables ? { tables } : {}),
        onProgress: (p: { table: string; bytes: number; rows: number }) => {
          ctx.progress({ phase: 'restore', current: p.table, bytesDone: p.bytes, itemsDone: p.rows });
        },
      };
      const lock = await repo.lock('shared', 'restore');
      try {
        const outcome = await recordRun(await ctx.catalog(), start, () => retryWithPrompt(target, (c) => restoreDatabase(repo, snap, c, request)), () => ({ status: 'ok', snapshotId: snap.id }));
        for (const w of outcome.warnings) ctx.warn(w);
        await auditCommand(ctx, { action: 'restore', target: repo.storage.location, details: { snapshot: snap.id, source: start.source, to: describeConnection(target), tables: tables ?? null, overwrite, rows: outcome.rows } });
        ctx.result({ snapshot: snap.id, ...outcome });
        ctx.say(`Restored snapshot ${snap.id.slice(0, 8)} into database ${outcome.database}: ${outcome.tables} table(s), ${outcome.rows} row(s).`);
      } finally {
        await lock.release();
      }
      return 0;
    }
    if (to !== undefined) {
      const lock = await repo.lock('shared', 'restore');
      try {
        const { path } = await recordRun(await ctx.catalog(), start, () => restoreSqlite(repo, snap, { target: sqlitePath(to), overwrite, tables, signal: ctx.signal, onProgress: ctx.progress }), () => ({ status: 'ok', snapshotId: snap.id }));
        await auditCommand(ctx, { action: 'restore', target: repo.storage.location, details: { snapshot: snap.id, source: start.source, to: `sqlite://${path}`, tables: tables ?? null, overwrite } });
        ctx.result({ snapshot: snap.id, database: path });
        ctx.say(`Restored the database from snapshot ${snap.id.slice(0, 8)} to ${path}; its integrity check passed.`);
      } finally {
        await lock.release();
      }
      return 0;
    }
    const lock = await repo.lock('shared', 'restore');
    try {
      const result = await recordRun(await ctx.catalog(), start, () => restoreFiles(repo, snap.tree, { target: target ?? '', include: listOption(ctx.values, 'include'), overwrite, signal: ctx.signal, onProgress: ctx.progress }), () => ({ status: 'ok', snapshotId: snap.id }));
      await auditCommand(ctx, {
        action: 'restore',
        target: repo.storage.location,
        details: { snapshot: snap.id, source: start.source, to: target ?? '', include: listOption(ctx.values, 'include'), overwrite, files: result.files, bytes: result.bytes },
      });
      ctx.result({ snapshot: snap.id, target, ...result });
      ctx.say(`Restored ${result.files} file(s), ${result.dirs} folder(s) and ${result.symlinks} link(s), ${formatBytes(result.bytes)}, to ${target}.\nAll ${result.verified} file checksums match the backup.`);
    } finally {
      await lock.release();
    }
    return 0;
  },
};
