// Temporary folders and file trees for tests, and comparing two trees byte for byte.

import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh folder removed after the test file; `chmod 777` so a test may run the CLI as another user. */
export async function tempDir(prefix = 'airlock-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

export function randomData(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** Every file, folder and link under `root` with its type, mode, size, hash and link target: two equal trees give equal lists. */
export async function describeTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const s = await lstat(path);
      const rel = relative(root, path);
      if (s.isDirectory()) {
        out.push(`d ${rel} ${(s.mode & 0o7777).toString(8)}`);
        await walk(path);
      } else if (s.isSymbolicLink()) {
        out.push(`l ${rel} -> ${await readlink(path)}`);
      } else {
        const hash = createHash('sha256').update(await readFile(path)).digest('hex');
        out.push(`f ${rel} ${(s.mode & 0o7777).toString(8)} ${s.size} ${hash} ${Math.floor(s.mtimeMs)}`);
      }
    }
  };
  await walk(root);
  return out;
}

/** `../shared/` beside the project: the fixtures and comparison tools every checkout has next to it. */
export const sharedDir = join(import.meta.dirname, '..', '..', '..', 'shared');
