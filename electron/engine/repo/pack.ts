// Pack files: many encrypted blobs followed by an encrypted header that lists them, named by the SHA-256 of their bytes.

import { createHash } from 'node:crypto';
import { AirlockError } from '../errors.ts';
import { envelopeOverhead, open, seal } from './crypto.ts';

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

export class PackWriter {
  private readonly parts: Buffer[] = [];
  private readonly blobs: PackedBlob[] = [];
  private readonly hash = createHash('sha256');
  private size = 0;

  get byteLength(): number {
    return this.size;
  }

  get count(): number {
    return this.blobs.length;
  }

  add(id: string, type: BlobType, compressed: boolean, rawLength: number, envelope: Buffer): void {
    this.blobs.push({ id, type, compressed, offset: this.size, length: envelope.length, rawLength });
    this.parts.push(envelope);
    this.hash.update(envelope);
    this.size += envelope.length;
  }

  /** Seals the header and returns the pack's bytes (as the parts to write, not copied into one buffer), its ID and what it holds. */
  finish(key: Buffer): { id: string; bytes: readonly Buffer[]; blobs: readonly PackedBlob[] } {
    const header = Buffer.alloc(this.blobs.length * HEADER_ENTRY_BYTES);
    this.blobs.forEach((b, i) => {
      const at = i * HEADER_ENTRY_BYTES;
      header.writeUInt8(b.type === 'tree' ? 1 : 0, at);
      header.writeUInt8(b.compressed ? 1 : 0, at + 1);
      header.writeUInt32LE(b.rawLength, at + 2);
      header.writeUInt32LE(b.length, at + 6);
      Buffer.from(b.id, 'hex').copy(header, at + 10);
    });
    const sealedHeader = seal(key, header, 'pack-header');
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(sealedHeader.length);
    this.hash.update(sealedHeader);
    this.hash.update(trailer);
    return { id: this.hash.digest('hex'), bytes: [...this.parts, sealedHeader, trailer], blobs: this.blobs };
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
