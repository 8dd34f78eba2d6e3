// Storing a byte stream as deduplicated chunks, and reading it back in order with read-ahead.

import { createHash } from 'node:crypto';
import { Semaphore } from '../concurrency.ts';
import { chunkStream, gearTable } from './chunker.ts';
import type { ReadOptions, Repository, SaveOptions } from './repository.ts';

export interface StoredContent {
  readonly content: string[];
  readonly sha256: string;
  readonly size: number;
  /** Bytes this stream added to the repository. */
  readonly added: number;
  readonly blobsAdded: number;
}

const gearTables = new WeakMap<Repository, Uint32Array>();

function gearFor(repo: Repository): Uint32Array {
  let gear = gearTables.get(repo);
  if (!gear) {
    gear = gearTable(Buffer.from(repo.config.chunker.seed, 'hex'));
    gearTables.set(repo, gear);
  }
  return gear;
}

/**
 * Chunks, hashes and stores a stream. `inFlight` bounds how many chunks are being compressed and packed at once
 * across every stream that shares it, which is what keeps memory bounded whatever the file sizes.
 */
export async function storeStream(repo: Repository, source: AsyncIterable<Uint8Array>, inFlight: Semaphore, onBytes?: (n: number) => void, save?: SaveOptions): Promise<StoredContent> {
  const hash = createHash('sha256');
  const content: string[] = [];
  const saves: Promise<void>[] = [];
  let size = 0;
  let added = 0;
  let blobsAdded = 0;
  let failure: Error | undefined;
  for await (const chunk of chunkStream(source, repo.config.chunker, gearFor(repo))) {
    if (failure !== undefined) break;
    hash.update(chunk);
    size += chunk.length;
    const slot = content.length;
    content.push('');
    await inFlight.acquire();
    saves.push(
      repo
        .saveBlob('data', chunk, save)
        .then((saved) => {
          content[slot] = saved.id;
          added += saved.added;
          if (saved.added > 0) blobsAdded++;
          onBytes?.(chunk.length);
        })
        .catch((err: unknown) => {
          failure ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => {
          inFlight.release();
        }),
    );
  }
  await Promise.all(saves);
  if (failure !== undefined) throw failure;
  return { content, sha256: hash.digest('hex'), size, added, blobsAdded };
}

/** Stores data that fits in one chunk (smaller than the chunker's minimum): no chunker is needed to find a cut. */
export async function storeSmall(repo: Repository, data: Buffer, inFlight: Semaphore): Promise<StoredContent> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (data.length === 0) return { content: [], sha256, size: 0, added: 0, blobsAdded: 0 };
  const saved = await inFlight.run(() => repo.saveBlob('data', data));
  return { content: [saved.id], sha256, size: data.length, added: saved.added, blobsAdded: saved.added > 0 ? 1 : 0 };
}

/** Blobs read ahead of the one being yielded, so decryption overlaps the drive. */
const READ_AHEAD = 4;

/** Yields a file's chunks in order. */
export async function* readContent(repo: Repository, content: readonly string[], options: ReadOptions = {}): AsyncGenerator<Buffer> {
  const queue: Promise<Buffer>[] = [];
  let next = 0;
  let previous: { id: string; data: Promise<Buffer> } | undefined;
  const fill = () => {
    while (queue.length < READ_AHEAD && next < content.length) {
      const id = content[next++] ?? '';
      // A run of one repeated chunk (zeros in a disk image, a sparse file) is read and decrypted once.
      const p = previous?.id === id ? previous.data : repo.loadBlob(id, options);
      previous = { id, data: p };
      // Rejections are handled when awaited below; this only stops an unhandled-rejection crash meanwhile.
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const chunk = await (queue.shift() as Promise<Buffer>);
    fill();
    yield chunk;
  }
}
