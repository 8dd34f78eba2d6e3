// What a database source writes and reads: a set of named byte streams that the engine stores as files in a snapshot.

import type { Readable } from 'node:stream';

/** What the writer stored of one stream: its length and SHA-256, which the dump records for verification. */
export interface WrittenStream {
  readonly bytes: number;
  readonly sha256: string;
}

/** A stream's name is a relative POSIX path such as `schema.sql` or `data/film.tsv` (no `..`, no leading `/`). */
export interface DumpWriter {
  /**
   * Stores one stream. May be called concurrently for different names; resolves when the stream is stored. The
   * writer hashes what it stores, so sources need not hash their streams a second time.
   */
  write(name: string, data: Readable | AsyncIterable<Uint8Array>): Promise<WrittenStream>;
}

export interface DumpReader {
  /** Every stream name in the dump. */
  names(): readonly string[];
  /** Reads one stream back, verified against what was stored. */
  open(name: string): Readable;
}
