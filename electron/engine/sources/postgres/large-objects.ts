// Large objects as one framed stream: 'L' oid, then 'D' length bytes chunks, then 'E' — written and read in bounded memory.

import type pg from 'pg';
import { AirlockError } from '../../errors.ts';

/** Bytes read per lo_get call; also the largest chunk in the stream. */
export const largeObjectChunk = 1024 * 1024;

const tagStart = 0x4c; // 'L'
const tagData = 0x44; // 'D'
const tagEnd = 0x45; // 'E'

/** The frame that opens object `oid`. */
export function frameStart(oid: number): Buffer {
  const head = Buffer.alloc(5);
  head[0] = tagStart;
  head.writeUInt32BE(oid, 1);
  return head;
}

/** The frames that carry one chunk (at most largeObjectChunk bytes) of the current object. */
export function frameData(data: Buffer): Buffer[] {
  const len = Buffer.alloc(5);
  len[0] = tagData;
  len.writeUInt32BE(data.length, 1);
  return [len, data];
}

/** The frame that closes the current object. */
export function frameEnd(): Buffer {
  return Buffer.from([tagEnd]);
}

/** Reads every large object through lo_get (which honours large-object privileges) and frames it. */
export async function* encodeLargeObjects(client: pg.Client, oids: readonly number[], onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for (const oid of oids) {
    yield frameStart(oid);
    for (let offset = 0; ; offset += largeObjectChunk) {
      const r = await client.query<{ data: Buffer }>('SELECT pg_catalog.lo_get($1::oid, $2::int8, $3::int4) AS data', [oid, offset, largeObjectChunk]);
      const data = r.rows[0]?.data ?? Buffer.alloc(0);
      if (data.length > 0) {
        yield* frameData(data);
        onBytes(data.length);
      }
      if (data.length < largeObjectChunk) break;
    }
    yield frameEnd();
  }
}

export type LargeObjectEvent =
  | { readonly type: 'start'; readonly oid: number }
  | { readonly type: 'data'; readonly oid: number; readonly offset: number; readonly data: Buffer }
  | { readonly type: 'end'; readonly oid: number; readonly size: number };

/** Pulls exact byte counts out of a chunked stream. */
class ExactReader {
  private pending: Buffer[] = [];
  private available = 0;
  private done = false;
  private readonly source: AsyncIterator<Buffer | Uint8Array | string>;

  constructor(source: AsyncIterator<Buffer | Uint8Array | string>) {
    this.source = source;
  }

  /** Resolves with exactly n bytes, or null at a clean end of stream (no bytes pending). */
  async read(n: number): Promise<Buffer | null> {
    while (this.available < n && !this.done) {
      const next = await this.source.next();
      if (next.done === true) {
        this.done = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      this.pending.push(chunk);
      this.available += chunk.length;
    }
    if (this.available < n) {
      if (this.available === 0) return null;
      throw new AirlockError('CORRUPT_DATA', 'The large-object stream of this dump ends in the middle of an object; the snapshot is damaged.');
    }
    const all = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.available = rest.length;
    return out;
  }
}

function damaged(what: string): AirlockError {
  return new AirlockError('CORRUPT_DATA', `The large-object stream of this dump is damaged (${what}).`);
}

/** Parses the framed stream back into start/data/end events. */
export async function* decodeLargeObjects(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<LargeObjectEvent> {
  const reader = new ExactReader(source[Symbol.asyncIterator]());
  for (;;) {
    const tag = await reader.read(1);
    if (tag === null) return;
    if (tag[0] !== tagStart) throw damaged('expected the start of an object');
    const oidBytes = await reader.read(4);
    if (oidBytes === null) throw damaged('missing object id');
    const oid = oidBytes.readUInt32BE(0);
    yield { type: 'start', oid };
    let offset = 0;
    for (;;) {
      const t = await reader.read(1);
      if (t === null) throw damaged(`object ${oid} is not terminated`);
      if (t[0] === tagEnd) break;
      if (t[0] !== tagData) throw damaged(`unexpected byte in object ${oid}`);
      const lenBytes = await reader.read(4);
      if (lenBytes === null) throw damaged(`object ${oid} is cut short`);
      const len = lenBytes.readUInt32BE(0);
      if (len === 0 || len > largeObjectChunk) throw damaged(`chunk of ${len} bytes in object ${oid}`);
      const data = await reader.read(len);
      if (data === null) throw damaged(`object ${oid} is cut short`);
      yield { type: 'data', oid, offset, data };
      offset += len;
    }
    yield { type: 'end', oid, size: offset };
  }
}
