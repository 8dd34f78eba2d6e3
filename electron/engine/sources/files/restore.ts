// Restoring a snapshot's files into a folder: never outside it, never over existing files unless asked, every file verified.

import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { chown, link, lstat, mkdir, open, rename, rm, symlink, utimes, chmod } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { mapLimit } from '../../concurrency.ts';
import { AirlockError, describeIoError } from '../../errors.ts';
import type { ProgressListener } from '../../progress.ts';
import { readContent } from '../../repo/content.ts';
import type { Repository } from '../../repo/repository.ts';
import { isSafeName, type TreeNode } from '../../repo/tree.ts';

export interface RestoreFilesOptions {
  readonly target: string;
  /** Snapshot paths to restore (e.g. `docs/report.txt` or `/docs`); everything when empty. */
  readonly include?: readonly string[] | undefined;
  readonly overwrite?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressListener | undefined;
}

export interface RestoreFilesResult {
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  readonly bytes: number;
  /** Files whose SHA-256 was checked against the one recorded at backup (all of them). */
  readonly verified: number;
}

interface PlannedEntry {
  readonly node: TreeNode;
  /** Path inside the target, with forward slashes. */
  readonly path: string;
}

/** Small files are bound by system calls, not bandwidth: several at once keep the drive and the thread pool busy. */
const FILES_IN_PARALLEL = 8;

export function normaliseInclude(path: string): string[] {
  return path.split(/[/\\]+/).filter((p) => p !== '' && p !== '.');
}

/** Walks the snapshot and lists what will be written, refusing any name that could escape the target. */
async function plan(repo: Repository, rootTree: string, include: readonly string[][]): Promise<PlannedEntry[]> {
  const out: PlannedEntry[] = [];
  const walk = async (treeId: string, prefix: string[]): Promise<void> => {
    const seen = new Set<string>();
    for (const node of (await repo.loadTree(treeId)).nodes) {
      if (!isSafeName(node.name) || seen.has(node.name)) {
        throw new AirlockError('UNSAFE_PATH', `The snapshot contains an unsafe entry name ${JSON.stringify(node.name)} under "${prefix.join('/') || '/'}": it was tampered with or damaged. Nothing was restored.`);
      }
      seen.add(node.name);
      const path = [...prefix, node.name];
      const wanted = include.length === 0 || include.some((inc) => inc.every((part, i) => i >= path.length || path[i] === part));
      if (!wanted) continue;
      const inside = include.length === 0 || include.some((inc) => inc.length <= path.length);
      if (inside || node.type === 'dir') out.push({ node, path: path.join('/') });
      if (node.type === 'dir' && node.subtree) await walk(node.subtree, path);
    }
  };
  await walk(rootTree, []);
  return out;
}

export async function restoreFiles(repo: Repository, rootTree: string, options: RestoreFilesOptions): Promise<RestoreFilesResult> {
  const target = resolve(options.target);
  const include = (options.include ?? []).map(normaliseInclude).filter((p) => p.length > 0);
  const entries = await plan(repo, rootTree, include);
  if (include.length > 0 && !entries.some((e) => include.some((inc) => inc.join('/') === e.path))) {
    throw new AirlockError('PATH_NOT_FOUND', `Nothing in the snapshot matches ${include.map((p) => `"/${p.join('/')}"`).join(', ')}. List its contents with \`airlock ls\`.`);
  }
  const toPath = (p: string) => {
    const full = resolve(target, ...p.split('/'));
    const rel = relative(target, full);
    if (rel.startsWith('..') || rel === '' || resolve(target, rel) !== full) {
      throw new AirlockError('UNSAFE_PATH', `Refusing to write ${JSON.stringify(p)}: it would land outside ${target}.`);
    }
    return full;
  };

  // Refuse before writing anything: a restore never silently replaces a file.
  const conflicts: string[] = [];
  for (const e of entries) {
    // lstatSync without throwing: thousands of "not there" answers would otherwise each build an Error.
    if (e.node.type !== 'dir' && lstatSync(toPath(e.path), { throwIfNoEntry: false }) !== undefined) conflicts.push(e.path);
  }
  if (conflicts.length > 0 && !options.overwrite) {
    const shown = conflicts.slice(0, 5).map((c) => `  ${join(target, c)}`).join('\n');
    throw new AirlockError('TARGET_EXISTS', `${conflicts.length} file(s) already exist in ${target}, for example:\n${shown}\nRestore into an empty folder, or pass --overwrite to replace them. Nothing was written.`);
  }

  const bytesTotal = entries.reduce((n, e) => n + (e.node.type === 'file' ? (e.node.size ?? 0) : 0), 0);
  const result = { files: 0, dirs: 0, symlinks: 0, bytes: 0, verified: 0 };
  const report = (current: string) => options.onProgress?.({ phase: 'restore', current, bytesDone: result.bytes, bytesTotal, itemsDone: result.files, itemsTotal: entries.length });

  try {
    await mkdir(target, { recursive: true });
    // Directories first (so files have somewhere to go), each checked to be a real directory, never a symlink.
    for (const e of entries.filter((x) => x.node.type === 'dir')) {
      const dir = toPath(e.path);
      await mkdir(dir, { recursive: true });
      if (!(await lstat(dir)).isDirectory()) throw new AirlockError('UNSAFE_PATH', `Refusing to restore into ${dir}: it is not a real folder (a symlink?).`);
      result.dirs++;
    }
    const hardlinks = new Map<string, Promise<string>>();
    const files = entries.filter((x) => x.node.type === 'file');
    await mapLimit(files, FILES_IN_PARALLEL, async (e) => {
      options.signal?.throwIfAborted();
      const dest = toPath(e.path);
      const key = e.node.hardlink;
      const first = key ? hardlinks.get(key) : undefined;
      if (first) {
        const original = await first;
        if (options.overwrite) await rm(dest, { force: true });
        await link(original, dest);
        result.files++;
        return;
      }
      const writing = writeFile(repo, e.node, dest, options, (n) => {
        result.bytes += n;
        report(e.path);
      }).then(() => dest);
      if (key) hardlinks.set(key, writing);
      await writing;
      result.files++;
      result.verified++;
      report(e.path);
    });
    // Symlinks last: nothing is ever written through a link this restore created.
    for (const e of entries.filter((x) => x.node.type === 'symlink')) {
      const dest = toPath(e.path);
      if (options.overwrite) await rm(dest, { force: true });
      await symlink(e.node.linkTarget ?? '', dest);
      result.symlinks++;
    }
    // Folder times last, as writing into a folder changes its modification time.
    for (const e of entries.filter((x) => x.node.type === 'dir').reverse()) await applyMetadata(folderAt(toPath(e.path)), e.node);
  } catch (err) {
    throw describeIoError(err, `restoring into ${target}`);
  }
  return result;
}

/** All-zero chunks of at least this size become holes: a sparse disk image restores sparse, and fast. */
const HOLE_MIN = 4096;
let zeros = Buffer.alloc(0);

function isAllZero(chunk: Buffer): boolean {
  if (chunk.length < HOLE_MIN) return false;
  if (zeros.length < chunk.length) zeros = Buffer.alloc(chunk.length);
  return chunk.equals(zeros.subarray(0, chunk.length));
}

async function writeFile(repo: Repository, node: TreeNode, dest: string, options: RestoreFilesOptions, onBytes: (n: number) => void): Promise<void> {
  const partial = `${dest}.airlock-partial`;
  const hash = createHash('sha256');
  // O_EXCL: never follow or reuse whatever is at the temporary name.
  const handle = await open(partial, 'wx', 0o600);
  try {
    let position = 0;
    for await (const chunk of readContent(repo, node.content ?? [])) {
      options.signal?.throwIfAborted();
      hash.update(chunk);
      if (!isAllZero(chunk)) await handle.write(chunk, 0, chunk.length, position);
      position += chunk.length;
      onBytes(chunk.length);
    }
    // Sets the length a trailing hole would otherwise leave short.
    if (position > 0) await handle.truncate(position);
    const digest = hash.digest('hex');
    if (node.sha256 !== undefined && digest !== node.sha256) {
      throw new AirlockError('VERIFY_FAILED', `${dest} did not match the checksum recorded at backup time; it was not restored. Run \`airlock check --read-data\`.`);
    }
    // Through the open handle: no path lookups, and nothing can swap the file in between.
    await applyMetadata(handle, node);
  } catch (err) {
    await handle.close();
    await rm(partial, { force: true });
    throw err;
  }
  await handle.close();
  // A file that appeared since the conflict check is not replaced.
  if (!options.overwrite && lstatSync(dest, { throwIfNoEntry: false }) !== undefined) {
    await rm(partial, { force: true });
    throw new AirlockError('TARGET_EXISTS', `${dest} appeared while restoring; it was left as it is.`);
  }
  await rename(partial, dest);
}

/** What metadata is set on: an open file (FileHandle has these methods) or a folder, by its path. */
interface MetadataTarget {
  chown(uid: number, gid: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  utimes(atime: Date, mtime: Date): Promise<void>;
}

function folderAt(path: string): MetadataTarget {
  return {
    chown: (uid, gid) => chown(path, uid, gid),
    chmod: (mode) => chmod(path, mode),
    utimes: (atime, mtime) => utimes(path, atime, mtime),
  };
}

async function applyMetadata(target: MetadataTarget, node: TreeNode): Promise<void> {
  if (node.uid !== undefined && node.gid !== undefined && process.getuid?.() === 0) {
    await target.chown(node.uid, node.gid).catch(() => undefined);
  }
  await target.chmod(node.mode);
  const mtime = new Date(node.mtimeMs);
  await target.utimes(mtime, mtime);
}
