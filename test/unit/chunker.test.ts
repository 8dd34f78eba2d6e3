// The content-defined chunker: lossless, bounded, keyed, stable under edits, and independent of how input arrives.

import { createCipheriv, createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import type { ChunkerParams } from '../../electron/engine/repo/chunker.ts';
import {
  chunkStream,
  defaultChunkerParams,
  findCut,
  gearTable,
  validateChunkerParams,
} from '../../electron/engine/repo/chunker.ts';

const small: ChunkerParams = { minSize: 2 * 1024, avgSize: 8 * 1024, maxSize: 32 * 1024 };

/** Reproducible pseudo-random bytes (AES-256-CTR keystream), so a failure can be replayed exactly. */
function randomData(seed: number, length: number): Buffer {
  const key = createHash('sha256').update(`chunker test data ${seed}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

function seedOf(n: number): Uint8Array {
  return createHash('sha256').update(`chunker test seed ${n}`).digest();
}

/**
 * FastCDC as the format describes it, written for clarity with plain arithmetic instead of int32 tricks: the hash
 * is fp = (2·fp + gear[byte]) mod 2^32 from offset minSize on, and a cut follows the byte where fp < 2^(32 − k),
 * with k = log2(avg) + 2 before offset avgSize and log2(avg) − 2 from there on.
 */
function referenceCut(data: Uint8Array, start: number, end: number, eof: boolean, p: ChunkerParams, gear: Uint32Array): number {
  const n = end - start;
  if (n <= p.minSize) return eof || n === p.maxSize ? n : -1;
  const bits = Math.log2(p.avgSize);
  let fp = 0;
  for (let k = p.minSize; k < Math.min(n, p.maxSize); k++) {
    fp = (fp * 2 + gear[data[start + k]!]!) % 2 ** 32;
    const maskBits = k < p.avgSize ? bits + 2 : bits - 2;
    if (fp < 2 ** (32 - maskBits)) return k + 1;
  }
  if (n >= p.maxSize) return p.maxSize;
  return eof ? n : -1;
}

function referenceChunks(data: Uint8Array, p: ChunkerParams, gear: Uint32Array): number[] {
  const lengths: number[] = [];
  for (let start = 0; start < data.length; ) {
    const cut = referenceCut(data, start, data.length, true, p, gear);
    lengths.push(cut);
    start += cut;
  }
  return lengths;
}

/** Feeds a synchronous source to chunkStream one awaited piece at a time, as a file stream would. */
async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

function* piecesOf(data: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let i = 0;
  for (let offset = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length]!;
    // Fresh copies, as a file stream would give: the chunker must not rely on pieces sharing memory with the input.
    yield Uint8Array.from(data.subarray(offset, offset + size));
    offset += size;
  }
}

async function chunksOf(data: Uint8Array, p: ChunkerParams, gear: Uint32Array, sizes: readonly number[] = [data.length || 1]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunkStream(asAsync(piecesOf(data, sizes)), p, gear)) out.push(chunk);
  return out;
}

const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Valid parameter sets around the small test sizes, including the degenerate min = avg = max. */
const paramsArb: fc.Arbitrary<ChunkerParams> = fc
  .record({ avgBits: fc.integer({ min: 8, max: 13 }), minPart: fc.double({ min: 0, max: 1, noNaN: true }), maxFactor: fc.integer({ min: 1, max: 8 }) })
  .map(({ avgBits, minPart, maxFactor }) => {
    const avgSize = 2 ** avgBits;
    return validateChunkerParams({ minSize: 64 + Math.floor(minPart * (avgSize - 64)), avgSize, maxSize: avgSize * maxFactor });
  });

describe('gearTable', () => {
  it('is fixed by the seed alone, and another seed gives another table', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        const ta = gearTable(a);
        expect(ta).toHaveLength(256);
        expect(gearTable(Uint8Array.from(a))).toEqual(ta);
        if (digest(a) !== digest(b)) expect(gearTable(b)).not.toEqual(ta);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps its derivation, which is part of the repository format (HKDF-SHA-256, info "airlock/chunker/gear/v1")', () => {
    const table = gearTable(new Uint8Array(32).map((_, i) => i));
    expect(Array.from(table.subarray(0, 4))).toEqual(pinnedGear);
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => gearTable(new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('validateChunkerParams', () => {
  it('accepts the defaults and rejects sizes that cannot work, with a sentence saying why', () => {
    expect(validateChunkerParams(defaultChunkerParams)).toBe(defaultChunkerParams);
    const bad: ChunkerParams[] = [
      { minSize: 1024, avgSize: 3000, maxSize: 8192 },
      { minSize: 4096, avgSize: 2048, maxSize: 8192 },
      { minSize: 1024, avgSize: 4096, maxSize: 2048 },
      { minSize: 10, avgSize: 4096, maxSize: 8192 },
      { minSize: 1024.5, avgSize: 4096, maxSize: 8192 },
      { minSize: 1024, avgSize: 2 ** 30, maxSize: 2 ** 31 },
    ];
    for (const p of bad) {
      expect(() => validateChunkerParams(p)).toThrow(AirlockError);
      expect(() => validateChunkerParams(p)).toThrow(/cannot be used: \w/);
    }
  });
});

describe('findCut', () => {
  const gear = gearTable(seedOf(1));

  it('agrees with the reference FastCDC on any buffer, window and parameters', () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 70_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.boolean(),
        (p, seed, length, startRaw, eof) => {
          const data = randomData(seed, length);
          const start = Math.min(startRaw, length);
          expect(findCut(data, start, length, eof, p, gear)).toBe(referenceCut(data, start, length, eof, p, gear));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('asks for more data only when it has less than maxSize bytes without a cut, and a cut it finds is final', () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (p, seed, part) => {
        const data = randomData(seed, 3 * p.maxSize);
        const whole = findCut(data, 0, data.length, false, p, gear);
        expect(whole).toBeGreaterThan(0);
        expect(whole).toBeLessThanOrEqual(p.maxSize);
        const prefix = Math.floor(part * p.maxSize);
        const partial = findCut(data, 0, prefix, false, p, gear);
        expect(partial).toBe(whole > prefix ? -1 : whole);
        expect(findCut(data, 0, prefix, true, p, gear)).toBe(whole <= prefix ? whole : prefix);
      }),
      { numRuns: 200 },
    );
  });

  it('takes a tail no longer than minSize whole at the end of the stream, and waits for more before it', () => {
    expect(findCut(new Uint8Array(10), 0, 10, true, small, gear)).toBe(10);
    expect(findCut(new Uint8Array(10), 0, 0, true, small, gear)).toBe(0);
    expect(findCut(new Uint8Array(10), 0, 10, false, small, gear)).toBe(-1);
  });
});

describe('chunkStream', () => {
  it('gives back exactly its input, in chunks within [min, max] except a shorter last one', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 200_000 }), async (p, seed, length) => {
        const gear = gearTable(seedOf(seed));
        const data = randomData(seed, length);
        const chunks = await chunksOf(data, p, gear, [4096, 65_536, 1]);
        // Compared only after all chunks are out: a chunk that were a view of a reused buffer would be overwritten.
        expect(Buffer.concat(chunks).equals(data)).toBe(true);
        chunks.forEach((c, i) => {
          expect(c.length).toBeLessThanOrEqual(p.maxSize);
          expect(c.length).toBeGreaterThanOrEqual(i === chunks.length - 1 ? 1 : p.minSize);
        });
        expect(chunks.map((c) => c.length)).toEqual(referenceChunks(data, p, gear));
      }),
      { numRuns: 60 },
    );
  });

  it('yields nothing for an empty stream', async () => {
    expect(await chunksOf(new Uint8Array(0), small, gearTable(seedOf(1)))).toEqual([]);
  });

  it('gives the same chunks however the input is split into pieces', async () => {
    const gear = gearTable(seedOf(2));
    const data = randomData(2, 200_000);
    const expected = (await chunksOf(data, small, gear)).map(digest);
    expect(expected.length).toBeGreaterThan(15);
    expect((await chunksOf(data, small, gear, [1])).map(digest)).toEqual(expected);
    expect((await chunksOf(data, small, gear, [data.length * 4])).map(digest)).toEqual(expected);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
        expect((await chunksOf(data, small, gear, sizes)).map(digest)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('is deterministic for a seed, and another seed moves the boundaries', async () => {
    const data = randomData(3, 1 << 20);
    const lengths = async (seed: Uint8Array): Promise<number[]> => (await chunksOf(data, small, gearTable(seed), [65_536])).map((c) => c.length);
    const a = await lengths(seedOf(10));
    expect(await lengths(seedOf(10))).toEqual(a);
    const b = await lengths(seedOf(11));
    expect(b).not.toEqual(a);
    // Not just a shifted first cut: almost no boundary is shared, so sizes reveal nothing across repositories.
    const offsets = (ls: number[]): Set<number> => new Set(ls.map((_, i) => ls.slice(0, i + 1).reduce((x, y) => x + y, 0)));
    const shared = [...offsets(a)].filter((o) => offsets(b).has(o)).length;
    expect(shared / a.length).toBeLessThan(0.2);
  });

  it('re-synchronises after bytes are inserted or deleted near the start', async () => {
    const gear = gearTable(seedOf(4));
    const data = randomData(4, 1 << 20);
    const before = await chunksOf(data, small, gear, [65_536]);
    const starts = before.map((_, i) => before.slice(0, i).reduce((n, c) => n + c.length, 0));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 64 * 1024 }),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.integer({ min: 0, max: 64 }),
        async (at, inserted, deleted) => {
          const edited = Buffer.concat([data.subarray(0, at), inserted, data.subarray(at + deleted)]);
          const after = new Set((await chunksOf(edited, small, gear, [65_536])).map(digest));
          const later = before.filter((_, i) => starts[i]! >= at);
          const kept = later.filter((c) => after.has(digest(c))).length;
          expect(later.length).toBeGreaterThan(100);
          expect(kept / later.length).toBeGreaterThan(0.95);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('averages close to avgSize on random data (normalized chunking keeps it within ~25% above)', async () => {
    const lengths = (await chunksOf(randomData(5, 8 << 20), small, gearTable(seedOf(5)), [1 << 20])).map((c) => c.length);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(mean / small.avgSize).toBeGreaterThan(1.0);
    expect(mean / small.avgSize).toBeLessThan(1.3);
    // Normalization narrows the spread: few chunks are cut at the maximum.
    expect(lengths.filter((l) => l === small.maxSize).length / lengths.length).toBeLessThan(0.01);

    const big = (await chunksOf(randomData(6, 48 << 20), defaultChunkerParams, gearTable(seedOf(6)), [1 << 20])).map((c) => c.length);
    const bigMean = big.reduce((a, b) => a + b, 0) / big.length;
    expect(bigMean / defaultChunkerParams.avgSize).toBeGreaterThan(0.9);
    expect(bigMean / defaultChunkerParams.avgSize).toBeLessThan(1.5);
  });

  it('keeps its boundaries for a given seed and input, which dedup against older snapshots depends on', async () => {
    const gear = gearTable(new Uint8Array(32).map((_, i) => i));
    const data = randomData(7, 200_000);
    const lengths = (await chunksOf(data, small, gear)).map((c) => c.length);
    expect(lengths).toEqual(referenceChunks(data, small, gear));
    expect(lengths).toEqual(pinnedLengths);
  });

  it('passes on a failure of its source and stops reading when the consumer stops', async () => {
    const gear = gearTable(seedOf(8));
    function* failing(): Generator<Uint8Array> {
      yield randomData(8, 100_000);
      throw new Error('disk went away');
    }
    const seen: number[] = [];
    await expect(async () => {
      for await (const c of chunkStream(asAsync(failing()), small, gear)) seen.push(c.length);
    }).rejects.toThrow('disk went away');
    expect(seen.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100_000);

    let closed = false;
    function* endless(): Generator<Uint8Array> {
      try {
        for (let i = 0; ; i++) yield randomData(i, 10_000);
      } finally {
        closed = true;
      }
    }
    for await (const c of chunkStream(asAsync(endless()), small, gear)) {
      expect(c.length).toBeGreaterThan(0);
      break;
    }
    expect(closed).toBe(true);
  });
});

const pinnedGear = [1460371818, 1105659838, 2764120786, 1819331299];
const pinnedLengths = [
  2468, 9802, 8449, 9746, 11921, 9031, 9235, 8930, 11036, 10777, 9507, 9443, 12061, 6322, 5018, 8946, 8312, 10380, 8196, 6499, 9547, 8689, 5685,
];
