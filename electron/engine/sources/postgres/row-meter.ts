// Counts rows and bytes of a COPY text stream and hashes it on the way through, without holding more than one chunk.

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

export class RowMeter extends Transform {
  rows = 0;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly onChunk: ((meter: RowMeter) => void) | undefined;

  constructor(onChunk?: (meter: RowMeter) => void) {
    super();
    this.onChunk = onChunk;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.rows += countRows(chunk);
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
