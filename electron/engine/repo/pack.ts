// Pack files: many encrypted blobs followed by an encrypted header that lists them, named by the SHA-256 of their bytes.

import { createHash } from 'node:crypto';
import { AirlockError } from '../errors.ts';
import type { KeyObject } from 'node:crypto';
import { envelopeLength, envelopeOverhead, open, seal, sealInto } from './crypto.ts';

export type BlobType = 'data' | 'tree';

export interface PackedBlob {
  readonly id: string;
  readonly type: BlobType;
  /** Whether the plaintext was zstd-compressed before encryption. */
  readonly compressed: boolean;
  /** Offset of the blob's envelope in the pack. */
  readonly offset: number;
  /** Length of the blob's envelope in the pack. */
  readonly length: number;
  /** Length of the original, uncompressed data. */
  readonly rawLength: number;
}

const HEADER_ENTRY_BYTES = 1 + 1 + 4 + 4 + 32;
const TRAILER_BYTES = 4;

/**
 * Builds a pack in one buffer: each blob is sealed straight into it, so no blob needs an envelope of its own while
 * the pack fills. The buffer is meant to be reused pack after pack (see `buffer`): building packs out of one
 * envelope per blob made a backup of 47,000 small files allocate and free that many buffers, which fragmented
 * malloc's heap by 100+ MB.
 */
export class PackWriter {
  private bytes: Buffer;
  private readonly blobs: PackedBlob[] = [];
  private size = 0;

  /** `storage`: a buffer to fill (the writer grows past it when a blob does not fit). */
  constructor(storage: Buffer = Buffer.allocUnsafeSlow(0)) {
    this.bytes = storage;
  }

  get byteLength(): number {
    return this.size;
  }

  get count(): number {
    return this.blobs.length;
  }

  /** The buffer the pack is built in, to be reused for another pack once this one's bytes were written. */
  get buffer(): Buffer {
    return this.bytes;
  }

  /** Encrypts a blob's (possibly compressed) bytes into the pack. */
  seal(key: KeyObject | Buffer, id: string, type: BlobType, compressed: boolean, rawLength: number, stored: Uint8Array): number {
    const length = envelopeLength(stored.length);
    this.reserve(length);
    sealInto(key, stored, 'blob', this.bytes, this.size);
    this.record(id, type, compressed, rawLength, length);
    return length;
  }

  /** Adds an already sealed blob (prune copies blobs between packs without decrypting them). */
  add(id: string, type: BlobType, compressed: boolean, rawLength: number, envelope: Uint8Array): void {
    this.reserve(envelope.length);
    this.bytes.set(envelope, this.size);
    this.record(id, type, compressed, rawLength, envelope.length);
  }

  private record(id: string, type: BlobType, compressed: boolean, rawLength: number, length: number): void {
    this.blobs.push({ id, type, compressed, offset: this.size, length, rawLength });
    this.size += length;
  }

  /** Grows by half again at least, so that a pack filled by many blobs past the buffer is copied only a few times. */
  private reserve(length: number): void {
    const needed = this.size + length;
    if (needed <= this.bytes.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, Math.floor(this.bytes.length * 1.5)));
    this.bytes.copy(grown, 0, 0, this.size);
    this.bytes = grown;
  }

  /**
   * Seals the header and returns the pack's bytes (as the parts to write, not copied into one buffer), its ID and
   * what it holds. The first part is a view of `buffer`: it must be written before the buffer is reused.
   */
  finish(key: KeyObject | Buffer): { id: string; bytes: readonly Buffer[]; blobs: readonly PackedBlob[] } {
    const header = Buffer.alloc(this.blobs.length * HEADER_ENTRY_BYTES);
    this.blobs.forEach((b, i) => {
      const at = i * HEADER_ENTRY_BYTES;
      header.writeUInt8(b.type === 'tree' ? 1 : 0, at);
      header.writeUInt8(b.compressed ? 1 : 0, at + 1);
      header.writeUInt32LE(b.rawLength, at + 2);
      header.writeUInt32LE(b.length, at + 6);
      header.write(b.id, at + 10, 32, 'hex');
    });
    const sealedHeader = seal(key, header, 'pack-header');
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(sealedHeader.length);
    const body = this.bytes.subarray(0, this.size);
    const id = createHash('sha256').update(body).update(sealedHeader).update(trailer).digest('hex');
    return { id, bytes: [body, sealedHeader, trailer], blobs: this.blobs };
  }
}

/** Reads a pack's header from its last bytes; `readTail(n)` returns the last n bytes of the pack. */
export async function readPackHeader(key: Buffer, packId: string, packSize: number, readTail: (length: number) => Promise<Buffer>): Promise<PackedBlob[]> {
  const what = `Pack ${packId.slice(0, 12)}`;
  if (packSize < TRAILER_BYTES + envelopeOverhead) throw new AirlockError('CORRUPT_DATA', `${what} is truncated (only ${packSize} bytes).`);
  const trailer = await readTail(TRAILER_BYTES);
  const headerLength = trailer.readUInt32LE(0);
  if (headerLength + TRAILER_BYTES > packSize || headerLength < envelopeOverhead) {
    throw new AirlockError('CORRUPT_DATA', `${what} has a damaged header length (truncated or changed).`);
  }
  const tail = await readTail(headerLength + TRAILER_BYTES);
  const header = open(key, tail.subarray(0, headerLength), 'pack-header', `${what}'s header`);
  if (header.length % HEADER_ENTRY_BYTES !== 0) throw new AirlockError('CORRUPT_DATA', `${what}'s header has an invalid size.`);
  const blobs: PackedBlob[] = [];
  let offset = 0;
  for (let at = 0; at < header.length; at += HEADER_ENTRY_BYTES) {
    const length = header.readUInt32LE(at + 6);
    blobs.push({
      type: header.readUInt8(at) === 1 ? 'tree' : 'data',
      compressed: header.readUInt8(at + 1) === 1,
      rawLength: header.readUInt32LE(at + 2),
      length,
      id: header.subarray(at + 10, at + 10 + 32).toString('hex'),
      offset,
    });
    offset += length;
  }
  if (offset + headerLength + TRAILER_BYTES !== packSize) {
    throw new AirlockError('CORRUPT_DATA', `${what}'s header does not match its size (truncated or changed).`);
  }
  return blobs;
}
