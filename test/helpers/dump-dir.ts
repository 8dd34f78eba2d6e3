// A DumpWriter/DumpReader on a plain directory, so that database sources can be tested without a repository.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DumpReader, DumpWriter } from '../../electron/engine/sources/dump-streams.ts';

export function directoryDumpWriter(dir: string): DumpWriter {
  return {
    async write(name, data) {
      const file = join(dir, name);
      await mkdir(dirname(file), { recursive: true });
      const hash = createHash('sha256');
      let bytes = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(data instanceof Readable ? data : Readable.from(data), measure, createWriteStream(file));
      return { bytes, sha256: hash.digest('hex') };
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
