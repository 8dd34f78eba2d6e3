// A DumpWriter/DumpReader on a plain directory, so that database sources can be tested without a repository.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DumpReader, DumpWriter } from '../../electron/engine/sources/dump-streams.ts';

export function directoryDumpWriter(dir: string): DumpWriter {
  return {
    async write(name, data) {
      const file = join(dir, name);
      await mkdir(dirname(file), { recursive: true });
      await pipeline(data instanceof Readable ? data : Readable.from(data), createWriteStream(file));
    },
  };
}

export async function directoryDumpReader(dir: string): Promise<DumpReader> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const names = entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
  return {
    names: () => names,
    open: (name) => createReadStream(join(dir, name)),
  };
}
