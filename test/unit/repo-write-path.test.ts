// The repository's write path reuses memory (pack buffers, one zstd context, a batch of nonces): nothing reused may leak into what is stored.

import { createHash, randomBytes } from 'node:crypto';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../electron/engine/concurrency.ts';
import { decompress, maybeCompress } from '../../electron/engine/repo/compression.ts';
import { open, seal } from '../../electron/engine/repo/crypto.ts';
import { MemoryStorage } from '../../electron/engine/repo/memory-storage.ts';
import { PackWriter, readPackHeader } from '../../electron/engine/repo/pack.ts';
import type { Storage } from '../../electron/engine/repo/storage.ts';
import { createRepository } from '../helpers/repo.ts';

const key = randomBytes(32);

function text(seed: number, length: number): Buffer {
  return Buffer.from(`${seed} lorem ipsum dolor sit amet `.repeat(Math.ceil(length / 20)).slice(0, length));
}

function compressedNow(data: Buffer, level = 3): Buffer {
  const result = maybeCompress(data, level);
  if (result instanceof Promise) throw new Error('expected small data to be compressed at once');
  expect(result.compressed).toBe(true);
  return result.bytes;
}

async function readPack(bytes: Buffer, packId: string) {
  const blobs = await readPackHeader(key, packId, bytes.length, (n) => Promise.resolve(bytes.subarray(bytes.length - n)));
  return blobs.map((b) => ({ id: b.id, plain: open(key, bytes.subarray(b.offset, b.offset + b.length), 'blob', b.id) }));
}

describe('nonces', () => {
  it('are never handed out twice, across many batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const envelope = seal(key, Buffer.from([i & 255]), 'blob');
      seen.add(envelope.subarray(1, 13).toString('hex'));
      expect(open(key, envelope, 'blob', 'test')).toEqual(Buffer.from([i & 255]));
    }
    expect(seen.size).toBe(2000);
  });
});

describe('small compressions', () => {
  it('reuse one output buffer, and each result is a whole zstd frame of its input', () => {
    const first = compressedNow(text(1, 5000));
    const firstCopy = Buffer.from(first);
    const second = compressedNow(text(2, 3000));
    // One kept zstd context writes every small result into the same buffer (what makes them cheap)...
    expect(second.buffer).toBe(first.buffer);
    // ...so a result is only good until the next compression, and must be copied (sealed) before it.
    expect(zstdDecompressSync(firstCopy)).toEqual(text(1, 5000));
    expect(zstdDecompressSync(second)).toEqual(text(2, 3000));
    for (const length of [1000, 100_000, 70, 20_000]) expect(zstdDecompressSync(compressedNow(text(length, length)))).toEqual(text(length, length));
  });

  it('keep a context per level', () => {
    const data = text(7, 50_000);
    const fast = Buffer.from(compressedNow(data, 1));
    const small = compressedNow(data, 19);
    expect(zstdDecompressSync(fast)).toEqual(data);
    expect(zstdDecompressSync(small)).toEqual(data);
  });
});

describe('small decompressions', () => {
  it('give each frame back in a buffer of its own, and a damaged frame spoils none after it', async () => {
    const frames = [5000, 300, 100_000, 1].map((length) => ({ data: text(length, length), frame: zstdCompressSync(text(length, length)) }));
    const results: Buffer[] = [];
    for (const { data, frame } of frames) results.push(await decompress(frame, data.length));
    // Each result stays as it was: the kept context writes into a new buffer every time.
    results.forEach((result, i) => {
      expect(result).toEqual(frames[i]?.data);
    });

    const [first, second] = frames as [{ data: Buffer; frame: Buffer }, { data: Buffer; frame: Buffer }];
    // Cut short: the context is left mid-frame and must not be used again.
    expect((await decompress(first.frame.subarray(0, 30), 5000).catch(() => Buffer.alloc(0))).equals(first.data)).toBe(false);
    expect(await decompress(second.frame, 300)).toEqual(second.data);
    // Longer than the stored length says: refused, not cut to size.
    await expect(decompress(first.frame, 4000)).rejects.toThrow();
    expect(await decompress(second.frame, 300)).toEqual(second.data);
    // Shorter than the stored length says: what there is comes back, and the caller's length check catches it.
    expect((await decompress(second.frame, 500)).length).toBe(300);
    expect(await decompress(first.frame, 5000)).toEqual(first.data);
  });
});

describe('a pack writer on a reused buffer', () => {
  it('builds a second pack in the first one\'s buffer, growing it for a blob that does not fit', async () => {
    const first = new PackWriter(Buffer.allocUnsafeSlow(1000));
    first.seal(key, 'aa'.repeat(32), 'data', false, 300, text(1, 300));
    first.seal(key, 'bb'.repeat(32), 'data', false, 400, text(2, 400));
    const a = first.finish(key);
    const packA = Buffer.concat(a.bytes);
    expect(a.id).toBe(createHash('sha256').update(packA).digest('hex'));
    expect(first.buffer.length).toBe(1000);

    const second = new PackWriter(first.buffer);
    second.seal(key, 'cc'.repeat(32), 'data', false, 200, text(3, 200));
    second.add('dd'.repeat(32), 'tree', false, 2000, seal(key, text(4, 2000), 'blob'));
    expect(second.buffer.length).toBeGreaterThanOrEqual(200 + 2000 + 2 * 29);
    const b = second.finish(key);
    const packB = Buffer.concat(b.bytes);
    expect(b.id).toBe(createHash('sha256').update(packB).digest('hex'));

    expect(await readPack(packA, a.id)).toEqual([{ id: 'aa'.repeat(32), plain: text(1, 300) }, { id: 'bb'.repeat(32), plain: text(2, 400) }]);
    expect(await readPack(packB, b.id)).toEqual([{ id: 'cc'.repeat(32), plain: text(3, 200) }, { id: 'dd'.repeat(32), plain: text(4, 2000) }]);
  });
});

describe('a repository filling packs while the drive is slow', () => {
  it('stores every pack as it was when its write began, though pack buffers are reused', async () => {
    const memory = new MemoryStorage();
    // Each pack reaches the drive only some time after write() was called, while the next pack fills.
    const slow: Storage = new Proxy(memory, {
      get(target, prop, receiver) {
        if (prop === 'write') {
          return async (...args: Parameters<Storage['write']>) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            return target.write(...args);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const repo = await createRepository(slow, { packSize: 8 * 1024 });
    // Mostly incompressible, so that even packs overfilled while the drive is busy number well over ten.
    const blobs = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? text(i, 700 + i * 3) : randomBytes(1000 + i * 3)));
    // A few at a time, as a backup's in-flight limit has them: the next pack fills while one is being written.
    const inFlight = new Semaphore(6);
    const saved = await Promise.all(blobs.map((data) => inFlight.run(() => repo.saveBlob('data', data))));
    await repo.flush();

    const packs = await memory.list('data');
    expect(packs.length).toBeGreaterThan(10);
    for (const { name } of packs) expect(createHash('sha256').update(await memory.read('data', name)).digest('hex')).toBe(name);
    for (const [i, { id }] of saved.entries()) expect(await repo.loadBlob(id)).toEqual(blobs[i]);
  });
});

describe('one blob saved several times at once', () => {
  it('is stored once, small or large', async () => {
    const repo = await createRepository(new MemoryStorage());
    for (const size of [1000, 1024 * 1024]) {
      const data = randomBytes(size);
      const saves = await Promise.all(Array.from({ length: 6 }, () => repo.saveBlob('data', data)));
      expect(new Set(saves.map((s) => s.id)).size).toBe(1);
      expect(saves.filter((s) => s.added > 0), `${size} bytes`).toHaveLength(1);
      expect(saves[0]?.id).toBe(repo.blobId(data));
    }
    await repo.flush();
    expect((await repo.index()).size).toBe(2);
  });
});
