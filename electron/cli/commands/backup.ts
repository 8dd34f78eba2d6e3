// `airlock backup`: backs up folders or a SQLite database into a repository.

import { describeSource, runBackup, type BackupSource } from '../../engine/backup/run-backup.ts';
import { recordRun, snapshotRecord } from '../../engine/catalog/repository-sync.ts';
import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { shortId } from '../../engine/repo/snapshot.ts';
import { parseSize } from '../../engine/sources/files/excludes.ts';
import { flag, listOption, stringOption, type Command } from '../command.ts';
import { formatBytes, formatDuration } from '../format.ts';

function parseSources(args: readonly string[]): BackupSource {
  if (args.length === 0) throw new AirlockError('USAGE', 'What should be backed up? Give one or more folders, or sqlite:///absolute/path/to.db.');
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
  name: 'backup',
  summary: 'Back up folders or a SQLite database (sqlite:///path/to.db) into the repository.',
  usage: 'airlock backup --repo DIR [--tag T]... [--exclude PATTERN]... [--exclude-caches] [--exclude-larger-than SIZE] <folder...| sqlite:///abs/file.db>',
  options: {
    tag: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    'exclude-caches': { type: 'boolean' },
    'exclude-larger-than': { type: 'string' },
  },
  async run(ctx) {
    const source = parseSources(ctx.positionals);
    const sizeText = stringOption(ctx.values, 'exclude-larger-than');
    const maxFileSize = sizeText !== undefined ? parseSize(sizeText) : undefined;
    if (sizeText !== undefined && maxFileSize === undefined) throw new AirlockError('USAGE', `"${sizeText}" is not a size; write it like 500M or 2G.`);
    const repo = await ctx.openRepository();
    const catalog = ctx.catalog();
    const start = { kind: 'backup' as const, repositoryLocation: repo.storage.location, repositoryId: repo.id, source: describeSource(source).sources.join(' ') };
    const outcome = await recordRun(catalog, start, () => runBackup(repo, {
      source,
      tags: listOption(ctx.values, 'tag'),
      patterns: listOption(ctx.values, 'exclude'),
      excludeCaches: flag(ctx.values, 'exclude-caches'),
      ...(maxFileSize !== undefined ? { maxFileSize } : {}),
      signal: ctx.signal,
      onProgress: ctx.progress,
    }), (o) => ({ status: o.partial ? 'partial' : 'ok', snapshotId: o.snapshot.id, stats: o.snapshot.summary, warnings: o.warnings }));
    catalog?.rememberRepository({ id: repo.id, location: repo.storage.location });
    catalog?.upsertSnapshot(repo.id, snapshotRecord(outcome.snapshot));
    const s = outcome.snapshot.summary;
    ctx.result({ snapshot: outcome.snapshot.id, partial: outcome.partial, ...s, warnings: outcome.warnings });
    for (const w of outcome.warnings) ctx.warn(w);
    ctx.say(
      `Snapshot ${shortId(outcome.snapshot.id)} saved${outcome.partial ? ' (PARTIAL: some files could not be read, see the warnings above)' : ''}.\n` +
        `  files: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unchanged\n` +
        `  read ${formatBytes(s.bytesRead)} of ${formatBytes(s.bytesTotal)}, stored ${formatBytes(s.bytesAdded)} new, in ${formatDuration(s.durationMs)}`,
    );
    return outcome.partial ? exitCodes.partial : exitCodes.ok;
  },
};
