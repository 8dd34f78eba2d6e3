// Database dumps as named streams in a snapshot tree: stored, listed and read back byte for byte.

import { Readable } from 'node:stream';
import { constants, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { envelopeOverhead } from '../../electron/engine/repo/crypto.ts';
import { MemoryStorage } from '../../electron/engine/repo/memory-storage.ts';
import { snapshotDumpReader, TreeDumpWriter } from '../../electron/engine/repo/stream-tree.ts';
import { randomData } from '../helpers/files.ts';
import { createRepository } from '../helpers/repo.ts';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

describe('streams in a snapshot tree', () => {
  it('stores nested names concurrently and reads each back exactly', async () => {
    const repo = await createRepository(new MemoryStorage());
    const writer = new TreeDumpWriter(repo);
    const contents: Record<string, Buffer> = { 'manifest.json': Buffer.from('{"tables":2}'), 'schema/pre-data.sql': Buffer.from('CREATE TABLE t (id int);'), 'data/t.rows': randomData(3_000_000), 'data/empty.rows': Buffer.alloc(0) };
    await Promise.all(Object.entries(contents).map(([name, data]) => writer.write(name, Readable.from([data]))));
    const root = await writer.finish();
    await repo.flush();
    const reader = await snapshotDumpReader(repo, root);
    expect([...reader.names()].sort()).toEqual(Object.keys(contents).sort());
    for (const [name, data] of Object.entries(contents)) expect(await readAll(reader.open(name))).toEqual(data);
  });

  it('compresses dumps at the fastest level unless the repository asks for more than the default', async () => {
    // Compressible text of one chunk (below the chunker's minimum), whose size differs between zstd levels.
    const text = Buffer.from(Array.from({ length: 3000 }, (_, i) => `${i}\t${(i * 7919) % 10007}\tcustomer ${i % 97}\n`).join(''));
    const sizes = new Map([1, 3, 9].map((level) => [level, zstdCompressSync(text, { params: { [constants.ZSTD_c_compressionLevel]: level } }).length]));
    expect(new Set(sizes.values()).size).toBe(3);
    for (const [repositoryLevel, expected] of [[3, 1], [1, 1], [9, 9]] as const) {
      const repo = await createRepository(new MemoryStorage(), { compressionLevel: repositoryLevel });
      const writer = new TreeDumpWriter(repo);
      await writer.write('data/t.rows', Readable.from([text]));
      await repo.flush();
      const stored = [...(await repo.index()).entries()].find((b) => b.type === 'data');
      expect(stored?.compressed).toBe(true);
      expect((stored?.length ?? 0) - envelopeOverhead, `repository level ${repositoryLevel}`).toBe(sizes.get(expected));
    }
  });

  it('refuses unsafe or repeated names', async () => {
    const repo = await createRepository(new MemoryStorage());
    const writer = new TreeDumpWriter(repo);
    await expect(writer.write('../x', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    await expect(writer.write('/abs', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    await writer.write('a', Readable.from([Buffer.from('x')]));
    await expect(writer.write('a', Readable.from([Buffer.from('y')]))).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
  });
});
