import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import { restoreFiles } from '../../electron/engine/sources/files/restore.ts';
import { tempDir } from '../helpers/files.ts';
import { createRepository } from '../helpers/repo.ts';

describe('restoring files with long runs of zeros', () => {
  it('gives back the same bytes, with the zeros left as holes, and a trailing hole keeps the length', async () => {
    const work = await tempDir();
    const src = join(work, 'src');
    await mkdir(src);
    const image = join(src, 'disk.img');
    // 64 MiB: data at 1 MiB and at 40 MiB, zeros everywhere else, ending in a hole.
    await truncate(await createEmpty(image), 64 << 20);
    const data = randomBytes(300_000);
    const fh = await open(image, 'r+');
    await fh.write(data, 0, data.length, 1 << 20);
    await fh.write(data, 0, data.length, 40 << 20);
    await fh.close();
    await writeFile(join(src, 'small-zeros.bin'), Buffer.alloc(1000));

    const repo = await createRepository(join(work, 'repo'));
    const outcome = await runBackup(repo, { source: { kind: 'files', paths: [src] } });
    const target = join(work, 'out');
    const result = await restoreFiles(repo, outcome.snapshot.tree, { target });
    expect(result.verified).toBe(2);

    const restored = join(target, 'src', 'disk.img');
    expect((await readFile(restored)).equals(await readFile(image))).toBe(true);
    const st = await stat(restored);
    expect(st.size).toBe(64 << 20);
    // Only the two data regions (plus chunk edges) take space on disk.
    expect(st.blocks * 512).toBeLessThan(16 << 20);
    expect((await readFile(join(target, 'src', 'small-zeros.bin'))).equals(Buffer.alloc(1000))).toBe(true);
  });
});

async function createEmpty(path: string): Promise<string> {
  await writeFile(path, '');
  return path;
}
