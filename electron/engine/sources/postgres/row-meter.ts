// Measures a COPY text stream on its way through: bytes, a SHA-256 of everything, and a cheap running estimate of rows.

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
  private readonly hash: Hash = createHash('sha256');
  private readonly onChunk: ((meter: StreamMeter) => void) | undefined;

  constructor(onChunk?: (meter: StreamMeter) => void) {
    super();
    this.onChunk = onChunk;
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
    this.hash.update(chunk);
    this.onChunk?.(this);
    callback(null, chunk);
  }

  /** The SHA-256 of everything that passed; call once, after the stream has ended. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
