// Storage in memory, for tests and as the smallest proof that the Storage interface is enough.

import { Readable } from 'node:stream';
import { AirlockError } from '../errors.ts';
import type { FileInfo, FileType, Storage } from './storage.ts';

function notFound(type: FileType, name: string): Error {
  return Object.assign(new Error(`${type}/${name} not found`), { code: 'ENOENT' });
}

export class MemoryStorage implements Storage {
  readonly location: string;
  private readonly files = new Map<string, Buffer>();
  private created = false;

  constructor(location = 'memory') {
    this.location = location;
  }

  private key(type: FileType, name: string): string {
    return type === 'config' ? 'config/config' : `${type}/${name}`;
  }

  private get(type: FileType, name: string): Buffer {
    const file = this.files.get(this.key(type, name));
    if (!file) throw notFound(type, name);
    return file;
  }

  exists(): Promise<boolean> {
    return Promise.resolve(this.files.has('config/config'));
  }

  async create(): Promise<void> {
    if (await this.exists()) throw new AirlockError('REPO_EXISTS', `There is already a repository at ${this.location}.`);
    this.created = true;
  }

  write(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (!this.created && type !== 'config') return Promise.reject(new Error('storage not created'));
    this.files.set(this.key(type, name), data instanceof Uint8Array ? Buffer.from(data) : Buffer.concat(data));
    return Promise.resolve();
  }

  async read(type: FileType, name: string): Promise<Buffer> {
    await Promise.resolve();
    return Buffer.from(this.get(type, name));
  }

  async readRange(type: FileType, name: string, offset: number, length: number): Promise<Buffer> {
    const file = await this.read(type, name);
    if (offset + length > file.length) {
      throw new AirlockError('CORRUPT_DATA', `Repository file ${type}/${name} is shorter than expected (truncated?).`);
    }
    return file.subarray(offset, offset + length);
  }

  stream(type: FileType, name: string): Readable {
    try {
      return Readable.from([this.get(type, name)]);
    } catch (err) {
      return new Readable({
        read() {
          this.destroy(err as Error);
        },
      });
    }
  }

  async stat(type: FileType, name: string): Promise<FileInfo> {
    return { name, size: (await this.read(type, name)).length };
  }

  list(type: FileType): Promise<FileInfo[]> {
    const prefix = `${type}/`;
    const out: FileInfo[] = [];
    for (const [key, data] of this.files) if (key.startsWith(prefix)) out.push({ name: key.slice(prefix.length), size: data.length });
    return Promise.resolve(out);
  }

  remove(type: FileType, name: string): Promise<void> {
    this.files.delete(this.key(type, name));
    return Promise.resolve();
  }

  cleanTemporary(): Promise<number> {
    // Memory writes are atomic: there is never a leftover.
    return Promise.resolve(0);
  }

  freeSpace(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

}
