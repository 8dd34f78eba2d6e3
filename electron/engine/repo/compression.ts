// zstd from node:zlib (runs on libuv's thread pool, so both cores compress), skipping data that does not shrink.

import { promisify } from 'node:util';
import { constants, createZstdCompress, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync, type ZstdCompress } from 'node:zlib';

const compressAsync = promisify(zstdCompress);
const decompressAsync = promisify(zstdDecompress);

const SAMPLE_BYTES = 64 * 1024;
/**
 * Below this size, compressing on the main thread beats handing the work to the thread pool: the round trip cost
 * about five times the compression itself for small files. Larger chunks go to the pool, where both cores work.
 */
const SYNC_BELOW = 128 * 1024;
/** Stored compressed only when it saves at least this fraction. */
const WORTHWHILE = 0.97;

/** zstd's worst case (ZSTD_COMPRESSBOUND) with room to spare: a frame of `bytes` always fits. */
function bound(bytes: number): number {
  return bytes + (bytes >> 7) + 1024;
}

/**
 * zlib's one-shot calls produce output `chunkSize` bytes (16 KiB by default) per trip to the thread pool; an
 * output buffer as large as zstd's worst case finishes a chunk in one trip.
 */
function oneTrip(bytes: number): number {
  return Math.max(64 * 1024, bound(bytes));
}

/** The parts of node:zlib's ZstdCompress that its own zstdCompressSync uses; not public API, so looked up with care. */
interface ZstdInternals {
  readonly _handle?: { writeSync?: unknown };
  readonly _writeState?: unknown;
}
type WriteSync = (flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number) => void;

/**
 * One zstd context kept for every small compression on the main thread, writing into one reused output buffer.
 * zstdCompressSync builds a stream, a zstd context and a 64 KiB+ output buffer per call: about 30 us and a
 * malloc'd, page-faulted workspace per call (most of a second over 47,000 small files), where a kept context
 * compresses a 3 KB file in 6 us. After a frame ends (ZSTD_e_end), zstd starts the next one on the same context,
 * sized for the next input. Relies on the internals zstdCompressSync itself uses (the handle's writeSync and its
 * state array); where a Node version lacks them, every call falls back to zstdCompressSync.
 */
class KeptCompressor {
  private readonly stream: ZstdCompress;
  private readonly writeSync: WriteSync;
  private readonly state: Uint32Array;
  private out = Buffer.allocUnsafeSlow(0);

  private constructor(stream: ZstdCompress, writeSync: WriteSync, state: Uint32Array) {
    this.stream = stream;
    this.writeSync = writeSync;
    this.state = state;
  }

  static create(level: number): KeptCompressor | undefined {
    const stream = createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: level } });
    const { _handle: handle, _writeState: state } = stream as unknown as ZstdInternals;
    const writeSync = handle?.writeSync;
    if (typeof writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
      stream.destroy();
      return undefined;
    }
    // A failure destroys the stream, which would then emit 'error' with no one listening and end the process;
    // compress() sees the failure at once through `errored`.
    stream.on('error', () => undefined);
    return new KeptCompressor(stream, (writeSync as WriteSync).bind(handle), state);
  }

  /** Compresses `data` into one frame; the result is a view of a buffer the next call overwrites. */
  compress(data: Uint8Array): Buffer | undefined {
    const room = bound(data.length);
    if (this.out.length < room) this.out = Buffer.allocUnsafeSlow(room);
    this.writeSync(constants.ZSTD_e_end, data, 0, data.length, this.out, 0, room);
    const [outLeft = 0, inLeft = 1] = this.state;
    // An error destroys the stream (zstd failed: out of memory); a frame not finished in one call would mean the
    // bound is wrong. Either way this context is not trusted again.
    if (this.stream.errored !== null || inLeft !== 0 || outLeft === 0) return undefined;
    return this.out.subarray(0, room - outLeft);
  }

  close(): void {
    this.stream.destroy();
  }
}

const kept = new Map<number, KeptCompressor | undefined>();

/** zstd of `data` at `level`, made on the main thread; see KeptCompressor for the lifetime of the result. */
function compressHere(data: Uint8Array, level: number): Buffer {
  if (!kept.has(level)) kept.set(level, KeptCompressor.create(level));
  const compressor = kept.get(level);
  const packed = compressor?.compress(data);
  if (packed) return packed;
  if (compressor) {
    compressor.close();
    kept.delete(level);
  }
  return zstdCompressSync(data, { chunkSize: oneTrip(data.length), params: { [constants.ZSTD_c_compressionLevel]: level } });
}

/** A quick look at a sample: JPEGs, zips, videos and encrypted files do not shrink and are stored as they are. */
function looksIncompressible(data: Buffer): boolean {
  if (data.length < 4 * SAMPLE_BYTES) return false;
  return compressHere(data.subarray(0, SAMPLE_BYTES), 1).length > SAMPLE_BYTES * WORTHWHILE;
}

export interface Compressed {
  readonly bytes: Buffer;
  readonly compressed: boolean;
}

function choose(data: Buffer, packed: Buffer): Compressed {
  return packed.length < data.length * WORTHWHILE ? { bytes: packed, compressed: true } : { bytes: data, compressed: false };
}

/**
 * The bytes to store for `data`: compressed when that saves enough. Small data is compressed at once, and then
 * the result may be a view of a buffer the next compression reuses: use it before awaiting anything. Larger
 * data goes to the thread pool and comes back as a promise of bytes of its own.
 */
export function maybeCompress(data: Buffer, level: number): Compressed | Promise<Compressed> {
  if (looksIncompressible(data)) return { bytes: data, compressed: false };
  if (data.length < SYNC_BELOW) return choose(data, compressHere(data, level));
  const options = { chunkSize: oneTrip(data.length), params: { [constants.ZSTD_c_compressionLevel]: level } };
  return compressAsync(data, options).then((packed) => choose(data, packed));
}

export async function decompress(data: Buffer, rawLength: number): Promise<Buffer> {
  const options = { maxOutputLength: Math.max(rawLength, 1), chunkSize: oneTrip(rawLength) };
  return rawLength < SYNC_BELOW ? zstdDecompressSync(data, options) : decompressAsync(data, options);
}
