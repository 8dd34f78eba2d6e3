// zstd from node:zlib (runs on libuv's thread pool, so both cores compress), skipping data that does not shrink.

import { promisify } from 'node:util';
import { constants, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';

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

/** A quick look at a sample: JPEGs, zips, videos and encrypted files do not shrink and are stored as they are. */
function looksIncompressible(data: Buffer): boolean {
  if (data.length < 4 * SAMPLE_BYTES) return false;
  const sample = data.subarray(0, SAMPLE_BYTES);
  const packed = zstdCompressSync(sample, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
  return packed.length > sample.length * WORTHWHILE;
}

/**
 * zlib's one-shot calls produce output `chunkSize` bytes (16 KiB by default) per trip to the thread pool; an
 * output buffer as large as zstd's worst case finishes a chunk in one trip.
 */
function oneTrip(bytes: number): number {
  return Math.max(64 * 1024, bytes + (bytes >> 7) + 1024);
}

export async function maybeCompress(data: Buffer, level: number): Promise<{ bytes: Buffer; compressed: boolean }> {
  if (looksIncompressible(data)) return { bytes: data, compressed: false };
  const options = { chunkSize: oneTrip(data.length), params: { [constants.ZSTD_c_compressionLevel]: level } };
  const packed = data.length < SYNC_BELOW ? zstdCompressSync(data, options) : await compressAsync(data, options);
  return packed.length < data.length * WORTHWHILE ? { bytes: packed, compressed: true } : { bytes: data, compressed: false };
}

export async function decompress(data: Buffer, rawLength: number): Promise<Buffer> {
  const options = { maxOutputLength: Math.max(rawLength, 1), chunkSize: oneTrip(rawLength) };
  return rawLength < SYNC_BELOW ? zstdDecompressSync(data, options) : decompressAsync(data, options);
}
