// The storage backend interface: a flat namespace of immutable files grouped by type. Small enough to implement in memory.

import type { Readable } from 'node:stream';

export type FileType = 'config' | 'keys' | 'data' | 'index' | 'snapshots' | 'locks';

export const fileTypes: readonly FileType[] = ['config', 'keys', 'data', 'index', 'snapshots', 'locks'];

export interface FileInfo {
  readonly name: string;
  readonly size: number;
}

export interface Storage {
  /** A human-readable location for messages, e.g. the directory path. */
  readonly location: string;
  /** Whether a repository has been created here (a config file exists). */
  exists(): Promise<boolean>;
  /** Creates the layout. Fails if a repository already exists. */
  create(): Promise<void>;
  /**
   * Writes a whole file atomically and durably: after it returns, a crash never leaves a partial file under `name`.
   * `data` may come in parts (a pack's blobs), written in order without being copied together first. The caller
   * reuses `data`'s memory once the returned promise settles: keep no reference to it.
   */
  write(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Reads a whole file; rejects with code ENOENT when missing. */
  read(type: FileType, name: string): Promise<Buffer>;
  /** Reads `length` bytes at `offset`. Rejects if the file is shorter. */
  readRange(type: FileType, name: string, offset: number, length: number): Promise<Buffer>;
  /** Streams a whole file (for verifying large packs in bounded memory). */
  stream(type: FileType, name: string): Readable;
  stat(type: FileType, name: string): Promise<FileInfo>;
  list(type: FileType): Promise<FileInfo[]>;
  /** Removes a file; removing a missing file is not an error. */
  remove(type: FileType, name: string): Promise<void>;
  /** Removes leftovers of interrupted writes (temp files). Returns how many. */
  cleanTemporary(): Promise<number>;
  /** Free bytes on the device, when the backend can tell. */
  freeSpace(): Promise<number | undefined>;
  /**
   * Lets go of what the backend keeps open between calls (a local folder's cached pack handles), once no call is in
   * progress. The storage stays usable; a later read opens what it needs again.
   */
  close?(): Promise<void>;
}
