// Measures a COPY text stream on its way through: bytes, a SHA-256 of everything (unless asked not to), and a cheap running estimate of rows.

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** In COPY text format every row ends with a newline byte and no value contains one (it is written as \n). */
export function countRows(chunk: Uint8Array): number {
  let rows = 0;
  let i = chunk.indexOf(10);
  while (i !== -1) {
    rows++;
    i = chunk.indexOf(10, i + 1);
  }
  return rows;
}

/** Counting every newline costs more than hashing; one chunk in this many is counted, for progress only. */
const sampleEvery = 8;

export class StreamMeter extends Transform {
  bytes = 0;
  private chunks = 0;
  private sampledRows = 0;
  private sampledBytes = 0;
  /** Absent when whoever consumes the stream hashes it anyway, as a dump's writer does: one pass over the data less. */
  private readonly hash: Hash | undefined;
  private readonly onChunk: ((meter: StreamMeter) => void) | undefined;

  constructor(onChunk?: (meter: StreamMeter) => void, { sha256 = true }: { readonly sha256?: boolean } = {}) {
    super();
    this.onChunk = onChunk;
    this.hash = sha256 ? createHash('sha256') : undefined;
  }

  /** Rows so far, extrapolated from the sampled chunks. Exact counts come from the server's COPY result. */
  get approximateRows(): number {
    return this.sampledBytes === 0 ? 0 : Math.round((this.bytes * this.sampledRows) / this.sampledBytes);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.chunks++ % sampleEvery === 0) {
      this.sampledRows += countRows(chunk);
      this.sampledBytes += chunk.length;
    }
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.onChunk?.(this);
    callback(null, chunk);
  }

  /** The SHA-256 of everything that passed; call once, after the stream has ended. */
  digest(): string {
    if (!this.hash) throw new Error('this StreamMeter was made without a SHA-256');
    return this.hash.digest('hex');
  }
}
