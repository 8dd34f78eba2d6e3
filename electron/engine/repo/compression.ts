// zstd from node:zlib (runs on libuv's thread pool, so both cores compress), skipping data that does not shrink.

import { promisify } from 'node:util';
import { constants, createZstdCompress, createZstdDecompress, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync, type ZstdCompress, type ZstdDecompress } from 'node:zlib';

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

/** The parts of node:zlib's zstd streams that its own one-shot calls use; not public API, so looked up with care. */
interface ZstdInternals {
  readonly _handle?: { writeSync?: unknown };
  readonly _writeState?: unknown;
}
type WriteSync = (flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number) => void;

/**
 * One zstd context kept for every small (de)compression on the main thread. The one-shot calls build a stream, a
 * zstd context and a 64 KiB+ output buffer per call: about 30 us and a malloc'd, page-faulted workspace per call
 * (most of a second over 47,000 small files), where a kept context compresses a 3 KB file in 6 us. After a frame
 * ends (ZSTD_e_end), zstd starts the next one on the same context. Relies on the internals the one-shot calls use
 * (the handle's writeSync and its state array); where a Node version lacks them, or a call goes wrong, the
 * context is dropped and the one-shot call does the work.
 */
class KeptContext {
  private readonly stream: ZstdCompress | ZstdDecompress;
  private readonly writeSync: WriteSync;
  private readonly state: Uint32Array;

  private constructor(stream: ZstdCompress | ZstdDecompress, writeSync: WriteSync, state: Uint32Array) {
    this.stream = stream;
    this.writeSync = writeSync;
    this.state = state;
  }

  static create(stream: ZstdCompress | ZstdDecompress): KeptContext | undefined {
    const { _handle: handle, _writeState: state } = stream as unknown as ZstdInternals;
    const writeSync = handle?.writeSync;
    if (typeof writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
      stream.destroy();
      return undefined;
    }
    // A failure destroys the stream, which would then emit 'error' with no one listening and end the process;
    // run() sees the failure at once through `errored`.
    stream.on('error', () => undefined);
    return new KeptContext(stream, (writeSync as WriteSync).bind(handle), state);
  }

  /** Runs all of `input` through as one frame into `out`; the bytes of `out` left unused, or undefined on failure. */
  run(input: Uint8Array, out: Buffer): number | undefined {
    this.writeSync(constants.ZSTD_e_end, input, 0, input.length, out, 0, out.length);
    const [outLeft = 0, inLeft = 1] = this.state;
    return this.stream.errored === null && inLeft === 0 ? outLeft : undefined;
  }

  close(): void {
    this.stream.destroy();
  }
}

/** Contexts by use: compression per level, and one for decompression. */
const kept = new Map<string, KeptContext | undefined>();

/** Runs `work` on the kept context of `key`; a failed or unusable context is dropped and `work` gets none. */
function withKept<T>(key: string, create: () => ZstdCompress | ZstdDecompress, work: (context: KeptContext | undefined) => T | undefined, fallback: () => T): T {
  if (!kept.has(key)) kept.set(key, KeptContext.create(create()));
  const context = kept.get(key);
  const result = context ? work(context) : undefined;
  if (result !== undefined) return result;
  if (context) {
    context.close();
    kept.delete(key);
  }
  return fallback();
}

let compressOut = Buffer.allocUnsafeSlow(0);

/** zstd of `data` at `level`, made on the main thread: a view of a buffer the next call overwrites. */
function compressHere(data: Uint8Array, level: number): Buffer {
  const params = { [constants.ZSTD_c_compressionLevel]: level };
  return withKept(`compress ${level}`, () => createZstdCompress({ params }), (context) => {
    const room = bound(data.length);
    if (compressOut.length < room) compressOut = Buffer.allocUnsafeSlow(room);
    const left = context?.run(data, compressOut.subarray(0, room));
    // No room left would mean the frame did not fit the bound and is unfinished: the context is not trusted again.
    return left === undefined || left === 0 ? undefined : compressOut.subarray(0, room - left);
  }, () => zstdCompressSync(data, { chunkSize: oneTrip(data.length), params }));
}

/** The `rawLength` bytes a frame decompresses to, in a buffer of their own, made on the main thread. */
function decompressHere(data: Buffer, rawLength: number): Buffer {
  return withKept('decompress', () => createZstdDecompress(), (context) => {
    // One byte of room more than expected: a frame that decodes to more fills it, and is not taken as finished.
    const out = Buffer.allocUnsafe(rawLength + 1);
    return context?.run(data, out) === 1 ? out.subarray(0, rawLength) : undefined;
  }, () => zstdDecompressSync(data, { maxOutputLength: Math.max(rawLength, 1), chunkSize: oneTrip(rawLength) }));
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
  if (rawLength < SYNC_BELOW) return decompressHere(data, rawLength);
  return decompressAsync(data, { maxOutputLength: Math.max(rawLength, 1), chunkSize: oneTrip(rawLength) });
}
