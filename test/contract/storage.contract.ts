// One conformance suite that every storage backend passes.

import { describe, expect, it } from 'vitest';
import type { Storage } from '../../electron/engine/repo/storage.ts';

export function storageContract(name: string, make: () => Promise<Storage>): void {
  describe(`storage contract: ${name}`, () => {
    const id = (n: number) => n.toString(16).padStart(64, '0');

    it('is not a repository until created and written', async () => {
      const s = await make();
      expect(await s.exists()).toBe(false);
      await s.create();
      await s.write('config', 'config', Buffer.from('{}'));
      expect(await s.exists()).toBe(true);
      await expect(s.create()).rejects.toMatchObject({ code: 'REPO_EXISTS' });
    });

    it('writes, reads, lists and removes files of every type', async () => {
      const s = await make();
      await s.create();
      for (const type of ['keys', 'data', 'index', 'snapshots', 'locks'] as const) {
        await s.write(type, id(1), Buffer.from(`one ${type}`));
        await s.write(type, id(2), Buffer.from(`two ${type}`));
        expect((await s.read(type, id(1))).toString()).toBe(`one ${type}`);
        expect((await s.list(type)).map((f) => f.name).sort()).toEqual([id(1), id(2)]);
        expect(await s.stat(type, id(2))).toEqual({ name: id(2), size: `two ${type}`.length });
        await s.remove(type, id(1));
        await s.remove(type, id(1));
        expect((await s.list(type)).map((f) => f.name)).toEqual([id(2)]);
      }
    });

    it('reads ranges and streams, and reports missing files as ENOENT', async () => {
      const s = await make();
      await s.create();
      const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
      await s.write('data', id(7), bytes);
      expect(await s.readRange('data', id(7), 10, 20)).toEqual(bytes.subarray(10, 30));
      await expect(s.readRange('data', id(7), 990, 20)).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
      const chunks: Buffer[] = [];
      for await (const c of s.stream('data', id(7))) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks)).toEqual(bytes);
      await expect(s.read('data', id(8))).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('replaces a file whole when it is written again', async () => {
      const s = await make();
      await s.create();
      await s.write('locks', id(3), Buffer.from('first version, longer'));
      await s.write('locks', id(3), Buffer.from('second'));
      expect((await s.read('locks', id(3))).toString()).toBe('second');
    });
  });
}
