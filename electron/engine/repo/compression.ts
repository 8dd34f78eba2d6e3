// zstd from node:zlib (runs on libuv's thread pool, so both cores compress), skipping data that does not shrink.

import { promisify } from 'node:util';
import { constants, zstdCompress, zstdCompressSync, zstdDecompress } from 'node:zlib';

const compressAsync = promisify(zstdCompress);
const decompressAsync = promisify(zstdDecompress);

const SAMPLE_BYTES = 64 * 1024;
/** Stored compressed only when it saves at least this fraction. */
const WORTHWHILE = 0.97;

/** A quick look at a sample: JPEGs, zips, videos and encrypted files do not shrink and are stored as they are. */
function looksIncompressible(data: Buffer): boolean {
  if (data.length < 4 * SAMPLE_BYTES) return false;
  const sample = data.subarray(0, SAMPLE_BYTES);
  const packed = zstdCompressSync(sample, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
  return packed.length > sample.length * WORTHWHILE;
}

export async function maybeCompress(data: Buffer, level: number): Promise<{ bytes: Buffer; compressed: boolean }> {
  if (looksIncompressible(data)) return { bytes: data, compressed: false };
  const packed = await compressAsync(data, { params: { [constants.ZSTD_c_compressionLevel]: level } });
  return packed.length < data.length * WORTHWHILE ? { bytes: packed, compressed: true } : { bytes: data, compressed: false };
}

export async function decompress(data: Buffer, rawLength: number): Promise<Buffer> {
  return decompressAsync(data, { maxOutputLength: Math.max(rawLength, 1) });
}
