// Storage on a local directory (internal disk or USB drive): temp file, fsync, rename, fsync the directory.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { AirlockError, describeIoError } from '../errors.ts';
import { fileTypes, type FileInfo, type FileType, type Storage } from './storage.ts';

const TEMP_PREFIX = '.tmp-';
/** Repository files are named by hexadecimal IDs; anything else (.DS_Store, ._x, Thumbs.db that desktops drop on USB drives) is not ours. */
const ID_NAME = /^[0-9a-f]{2,128}$/;

/** writev in batches: the system caps how many buffers one call takes (IOV_MAX, often 1024). */
async function writeAll(handle: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  for (let i = 0; i < parts.length; i += 512) {
    const batch = parts.slice(i, i + 512);
    const expected = batch.reduce((n, p) => n + p.length, 0);
    const { bytesWritten } = await handle.writev(batch);
    // A short writev (rare: signals, huge batches) falls back to writing the rest plainly.
    if (bytesWritten < expected) await handle.writeFile(Buffer.concat(batch).subarray(bytesWritten));
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; its rename is durable enough there.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT';
}

/** Packs kept open for reading: a restore reads many small blobs from the same few packs. */
const OPEN_PACKS_KEPT = 32;

interface CachedHandle {
  readonly handle: Promise<FileHandle>;
  users: number;
}

export class LocalStorage implements Storage {
  readonly location: string;
  /** In least-recently-used order (a Map iterates in insertion order). */
  private readonly handles = new Map<string, CachedHandle>();

  constructor(root: string) {
    this.location = root;
  }

  private dirOf(type: FileType, name: string): string {
    if (type === 'config') return this.location;
    // Packs are spread over 256 subfolders so that no folder grows too large for FAT32/exFAT and slow drives.
    if (type === 'data') return join(this.location, 'data', name.slice(0, 2));
    return join(this.location, type);
  }

  private pathOf(type: FileType, name: string): string {
    if (!ID_NAME.test(name) && type !== 'config') {
      throw new AirlockError('CORRUPT_DATA', `Refusing the repository file name "${name}": names are hexadecimal IDs.`);
    }
    return join(this.dirOf(type, name), type === 'config' ? 'config' : name);
  }

  async exists(): Promise<boolean> {
    try {
      await stat(join(this.location, 'config'));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw describeIoError(err, `looking for a repository at ${this.location}`);
    }
  }

  async create(): Promise<void> {
    if (await this.exists()) throw new AirlockError('REPO_EXISTS', `There is already a repository at ${this.location}.`);
    try {
      await mkdir(this.location, { recursive: true });
      for (const type of fileTypes) if (type !== 'config') await mkdir(join(this.location, type), { recursive: true });
      for (let i = 0; i < 256; i++) await mkdir(join(this.location, 'data', i.toString(16).padStart(2, '0')), { recursive: true });
    } catch (err) {
      throw describeIoError(err, `creating the repository folders at ${this.location}`);
    }
  }

  async write(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const final = this.pathOf(type, name);
    const dir = this.dirOf(type, name);
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx');
      try {
        if (data instanceof Uint8Array) await handle.writeFile(data);
        else await writeAll(handle, data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, final);
      await fsyncDirectory(dir);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw describeIoError(err, `writing ${type}/${name} to ${this.location}`);
    }
  }

  async read(type: FileType, name: string): Promise<Buffer> {
    return readFile(this.pathOf(type, name));
  }

  async readRange(type: FileType, name: string, offset: number, length: number): Promise<Buffer> {
    const path = this.pathOf(type, name);
    let entry = this.handles.get(path);
    if (entry) this.handles.delete(path);
    else entry = { handle: open(path, 'r'), users: 0 };
    this.handles.set(path, entry);
    entry.users++;
    try {
      const handle = await entry.handle;
      // Not zeroed: every byte is overwritten, or the read is refused as short below.
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      if (bytesRead !== length) {
        throw new AirlockError('CORRUPT_DATA', `Repository file ${type}/${name} is shorter than expected (truncated?).`);
      }
      return buf;
    } catch (err) {
      if (this.handles.get(path) === entry) this.handles.delete(path);
      throw err;
    } finally {
      entry.users--;
      this.closeIdleHandles();
    }
  }

  private closeIdleHandles(): void {
    for (const [path, entry] of this.handles) {
      if (this.handles.size <= OPEN_PACKS_KEPT) return;
      if (entry.users > 0) continue;
      this.handles.delete(path);
      void entry.handle.then((h) => h.close()).catch(() => undefined);
    }
  }

  /** Closes the cached pack handles; left open, they would be closed only by garbage collection, with a warning each. */
  async close(): Promise<void> {
    const cached = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(cached.map((entry) => entry.handle.then((h) => h.close()).catch(() => undefined)));
  }

  stream(type: FileType, name: string): Readable {
    return createReadStream(this.pathOf(type, name));
  }

  async stat(type: FileType, name: string): Promise<FileInfo> {
    const s = await stat(this.pathOf(type, name));
    return { name, size: s.size };
  }

  async list(type: FileType): Promise<FileInfo[]> {
    if (type === 'config') return (await this.exists()) ? [await this.stat('config', 'config')] : [];
    const dirs = type === 'data' ? await this.subdirectories(join(this.location, 'data')) : [join(this.location, type)];
    const out: FileInfo[] = [];
    for (const dir of dirs) {
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw describeIoError(err, `listing ${dir}`);
      }
      for (const name of entries) {
        if (!ID_NAME.test(name)) continue;
        try {
          const s = await stat(join(dir, name));
          if (s.isFile()) out.push({ name, size: s.size });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    return out;
  }

  private async subdirectories(dir: string): Promise<string[]> {
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async remove(type: FileType, name: string): Promise<void> {
    const path = this.pathOf(type, name);
    const cached = this.handles.get(path);
    if (cached) {
      this.handles.delete(path);
      void cached.handle.then((h) => h.close()).catch(() => undefined);
    }
    try {
      await rm(path, { force: true });
    } catch (err) {
      throw describeIoError(err, `removing ${type}/${name}`);
    }
  }

  async cleanTemporary(): Promise<number> {
    let removed = 0;
    const dirs = [this.location, ...fileTypes.filter((t) => t !== 'config' && t !== 'data').map((t) => join(this.location, t)), ...(await this.subdirectories(join(this.location, 'data')))];
    for (const dir of dirs) {
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const name of entries.filter((n) => n.startsWith(TEMP_PREFIX))) {
        await rm(join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  async freeSpace(): Promise<number | undefined> {
    try {
      const s = await statfs(this.location);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }
}
