// Which blob is in which pack at which offset: index files on disk and their union in memory.

import { AirlockError } from '../errors.ts';
import type { BlobType, PackedBlob } from './pack.ts';

export interface BlobLocation extends PackedBlob {
  readonly packId: string;
}

const ENTRY_BYTES = 1 + 1 + 4 + 4 + 4 + 32;
const MAGIC = Buffer.from('AIX1');

export interface IndexedPack {
  readonly packId: string;
  readonly blobs: readonly PackedBlob[];
}

/** Serialises packs' contents for an index file (before encryption). */
export function encodeIndex(packs: readonly IndexedPack[]): Buffer {
  const total = packs.reduce((n, p) => n + 32 + 4 + p.blobs.length * ENTRY_BYTES, MAGIC.length);
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  let at = MAGIC.length;
  for (const pack of packs) {
    Buffer.from(pack.packId, 'hex').copy(out, at);
    out.writeUInt32LE(pack.blobs.length, at + 32);
    at += 36;
    for (const b of pack.blobs) {
      out.writeUInt8(b.type === 'tree' ? 1 : 0, at);
      out.writeUInt8(b.compressed ? 1 : 0, at + 1);
      out.writeUInt32LE(b.offset, at + 2);
      out.writeUInt32LE(b.length, at + 6);
      out.writeUInt32LE(b.rawLength, at + 10);
      Buffer.from(b.id, 'hex').copy(out, at + 14);
      at += ENTRY_BYTES;
    }
  }
  return out;
}

export function decodeIndex(data: Buffer, name: string): IndexedPack[] {
  const damaged = () => new AirlockError('CORRUPT_DATA', `Index file index/${name.slice(0, 12)} is damaged (its structure is invalid).`);
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged();
  const packs: IndexedPack[] = [];
  let at = MAGIC.length;
  while (at < data.length) {
    if (at + 36 > data.length) throw damaged();
    const packId = data.subarray(at, at + 32).toString('hex');
    const count = data.readUInt32LE(at + 32);
    at += 36;
    if (at + count * ENTRY_BYTES > data.length) throw damaged();
    const blobs: PackedBlob[] = [];
    for (let i = 0; i < count; i++, at += ENTRY_BYTES) {
      blobs.push({
        type: data.readUInt8(at) === 1 ? 'tree' : 'data',
        compressed: data.readUInt8(at + 1) === 1,
        offset: data.readUInt32LE(at + 2),
        length: data.readUInt32LE(at + 6),
        rawLength: data.readUInt32LE(at + 10),
        id: data.subarray(at + 14, at + 46).toString('hex'),
      });
    }
    packs.push({ packId, blobs });
  }
  return packs;
}

interface Slot {
  readonly pack: number;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
  readonly type: BlobType;
  readonly compressed: boolean;
}

/** The union of all index files. Pack IDs are interned so that each entry stays small. */
export class BlobIndex {
  private readonly packIds: string[] = [];
  private readonly packNumbers = new Map<string, number>();
  private readonly slots = new Map<string, Slot>();
  add(pack: IndexedPack): void {
    let number = this.packNumbers.get(pack.packId);
    if (number === undefined) {
      number = this.packIds.length;
      this.packIds.push(pack.packId);
      this.packNumbers.set(pack.packId, number);
    }
    for (const b of pack.blobs) {
      // A blob stored twice (two backups racing) is found through its first pack; prune removes the spare.
      if (!this.slots.has(b.id)) {
        this.slots.set(b.id, { pack: number, offset: b.offset, length: b.length, rawLength: b.rawLength, type: b.type, compressed: b.compressed });
      }
    }
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  get(id: string): BlobLocation | undefined {
    const slot = this.slots.get(id);
    if (!slot) return undefined;
    const packId = this.packIds[slot.pack];
    if (packId === undefined) return undefined;
    return { id, packId, offset: slot.offset, length: slot.length, rawLength: slot.rawLength, type: slot.type, compressed: slot.compressed };
  }

  get size(): number {
    return this.slots.size;
  }

  packs(): string[] {
    return [...this.packIds];
  }

  *entries(): Generator<BlobLocation> {
    for (const id of this.slots.keys()) {
      const loc = this.get(id);
      if (loc) yield loc;
    }
  }
}
