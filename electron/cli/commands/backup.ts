// `airlock backup`: backs up folders, a SQLite database, or MySQL/MariaDB and PostgreSQL databases into a repository.

import { describeSource, runBackup, type BackupRequest, type BackupSource } from '../../engine/backup/run-backup.ts';
import { recordRun, snapshotRecord } from '../../engine/catalog/repository-sync.ts';
import { AirlockError, exitCodes } from '../../engine/errors.ts';
import type { Repository } from '../../engine/repo/repository.ts';
import { shortId } from '../../engine/repo/snapshot.ts';
import { isDatabaseUrl } from '../../engine/sources/database-url.ts';
import { driverFor } from '../../engine/sources/databases.ts';
import { parseSize } from '../../engine/sources/files/excludes.ts';
import { auditCommand } from '../audit-entry.ts';
import { flag, listOption, stringOption, type Command, type CommandContext } from '../command.ts';
import { formatBytes, formatDuration } from '../format.ts';
import { databaseConnection, retryWithPrompt } from '../secrets.ts';

async function parseSources(args: readonly string[], passwordFile: string | undefined): Promise<BackupSource> {
  if (args.length === 0) throw new AirlockError('USAGE', 'What should be backed up? Give one or more folders, sqlite:///absolute/path/to.db, or a database address such as mysql://root@127.0.0.1:3306/shop.');
  const databases = args.filter(isDatabaseUrl);
  if (databases.length > 0) {
    if (args.length > 1) throw new AirlockError('USAGE', 'Back up one database address at a time (or use --all-databases), and folders in a separate backup.');
    return { kind: 'database', connection: await databaseConnection(databases[0] ?? '', passwordFile) };
  }
  const sqlite = args.filter((a) => a.startsWith('sqlite:'));
  if (sqlite.length > 0) {
    if (args.length > 1) throw new AirlockError('USAGE', 'Back up one database at a time, and folders in a separate backup.');
    const m = /^sqlite:\/\/(\/.*)$/.exec(sqlite[0] ?? '');
    if (!m?.[1]) throw new AirlockError('USAGE', 'A SQLite source is written sqlite:///absolute/path/to/file.db (three slashes before an absolute path).');
    return { kind: 'sqlite', path: decodeURIComponent(m[1]) };
  }
  return { kind: 'files', paths: [...args] };
}

export const backup: Command = {
  usage: 'airlock backup --repo DIR [--tag T]... [--exclude PATTERN]... [--exclude-caches] [--exclude-larger-than SIZE] <folder...| sqlite:///abs/file.db | mysql://user@host:port/db | postgres://user@host:port/db> [--all-databases] [--db-password-file FILE]',
  options: {
    tag: { type: 'string', multiple: true },
    'all-databases': { type: 'boolean' },
    'db-password-file': { type: 'string' },
    exclude: { type: 'string', multiple: true },
    'exclude-caches': { type: 'boolean' },
    'exclude-larger-than': { type: 'string' },
  },
  async run(ctx) {
    const source = await parseSources(ctx.positionals, stringOption(ctx.values, 'db-password-file'));
    const sizeText = stringOption(ctx.values, 'exclude-larger-than');
    const maxFileSize = sizeText !== undefined ? parseSize(sizeText) : undefined;
    if (sizeText !== undefined && maxFileSize === undefined) throw new AirlockError('USAGE', `"${sizeText}" is not a size; write it like 500M or 2G.`);
    const repo = await ctx.openRepository();
    const base = {
      tags: listOption(ctx.values, 'tag'),
      patterns: listOption(ctx.values, 'exclude'),
      excludeCaches: flag(ctx.values, 'exclude-caches'),
      ...(maxFileSize !== undefined ? { maxFileSize } : {}),
      signal: ctx.signal,
      onProgress: ctx.progress,
    };
    let sources: BackupSource[] = [source];
    if (flag(ctx.values, 'all-databases')) {
      if (source.kind !== 'database') throw new AirlockError('USAGE', '--all-databases goes with a server address such as mysql://root@127.0.0.1:3306/ or postgres://postgres@127.0.0.1:5432/.');
      const names = await retryWithPrompt(source.connection, (c) => driverFor(c.kind).listDatabases(c, ctx.signal));
      sources = names.map((database) => ({ kind: 'database', connection: { ...source.connection, database } }));
      ctx.say(`Backing up ${names.length} database(s): ${names.join(', ')}`);
    }
    const outcomes = [];
    for (const one of sources) outcomes.push(await backupOne(ctx, repo, one, base));
    ctx.result(outcomes.length === 1 ? outcomes[0] : { snapshots: outcomes });
    return outcomes.some((o) => o.partial) ? exitCodes.partial : exitCodes.ok;
  },
};

/** One snapshot, recorded in the catalog; asks for a database password on a terminal only if the server wants one. */
async function backupOne(ctx: CommandContext, repo: Repository, source: BackupSource, base: Omit<BackupRequest, 'source'>) {
  const catalog = await ctx.catalog();
  const start = { kind: 'backup' as const, repositoryLocation: repo.storage.location, repositoryId: repo.id, source: describeSource(source).sources.join(' ') };
  const run = (s: BackupSource) => recordRun(catalog, start, () => runBackup(repo, { ...base, source: s }), (o) => ({ status: o.partial ? 'partial' : 'ok', snapshotId: o.snapshot.id, stats: o.snapshot.summary, warnings: o.warnings }));
  const outcome = source.kind === 'database' ? await retryWithPrompt(source.connection, (connection) => run({ kind: 'database', connection })) : await run(source);
  catalog?.rememberRepository({ id: repo.id, location: repo.storage.location });
  catalog?.upsertSnapshot(repo.id, snapshotRecord(outcome.snapshot));
  const s = outcome.snapshot.summary;
  await auditCommand(ctx, {
    action: 'backup',
    target: repo.storage.location,
    details: { source: start.source, snapshot: outcome.snapshot.id, partial: outcome.partial, tags: outcome.snapshot.tags, filesNew: s.filesNew, filesChanged: s.filesChanged, bytesAdded: s.bytesAdded },
  });
  for (const w of outcome.warnings) ctx.warn(w);
  ctx.say(
    `Snapshot ${shortId(outcome.snapshot.id)} of ${outcome.snapshot.sources.join(' ')} saved${outcome.partial ? ' (PARTIAL: some files could not be read, see the warnings above)' : ''}.\n` +
      `  files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unchanged\n` +
      `  read ${formatBytes(s.bytesRead)} of ${formatBytes(s.bytesTotal)}, stored ${formatBytes(s.bytesAdded)} new, in ${formatDuration(s.durationMs)}`,
  );
  return { snapshot: outcome.snapshot.id, partial: outcome.partial, ...s, warnings: outcome.warnings };
}
