// The benchmark's data: a generated tree deterministic from a seed, a copy of a system folder, a sparse big file, and 1% churn.

import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** Bumped whenever generation changes, so an old tree on disk is regenerated rather than reused. */
const generatorVersion = 1;

export interface TreeSize {
  readonly files: number;
  readonly bytes: number;
}

const units: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses sizes such as `200M`, `1.5G` or `4096` (binary units). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  const unit = units[(match?.[2] ?? '').toUpperCase()];
  if (!match?.[1] || unit === undefined) throw new Error(`"${text}" is not a size (try 200M or 1G)`);
  return Math.round(Number(match[1]) * unit);
}

/** Decimal units, as in the targets. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A small seeded generator (a Weyl sequence through murmur3's finaliser): same seed, same tree, on any machine. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed | 0;
  }

  next(): number {
    this.#state = (this.#state + 0x9e3779b9) | 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  below(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Sizes spread evenly over orders of magnitude, as real file sizes are. */
  logUniform(min: number, max: number): number {
    return Math.round(min * (max / min) ** (this.next() / 2 ** 32));
  }
}

const words = [
  'account', 'buffer', 'cache', 'client', 'config', 'cursor', 'delta', 'entry', 'event', 'field', 'filter', 'frame',
  'handle', 'header', 'index', 'item', 'key', 'layer', 'limit', 'list', 'lock', 'node', 'offset', 'option', 'order',
  'packet', 'parser', 'path', 'queue', 'range', 'record', 'request', 'result', 'row', 'schema', 'session', 'signal',
  'size', 'slot', 'source', 'state', 'stream', 'table', 'task', 'token', 'track', 'user', 'value', 'view', 'window',
];
const verbs = ['apply', 'build', 'check', 'close', 'create', 'decode', 'encode', 'find', 'flush', 'load', 'merge', 'open', 'parse', 'read', 'render', 'reset', 'resolve', 'send', 'store', 'update', 'write'];

function identifier(r: Random): string {
  const noun = r.pick(words);
  return r.below(3) === 0 ? noun : `${r.pick(verbs)}${noun.charAt(0).toUpperCase()}${noun.slice(1)}`;
}

function sourceLine(r: Random): string {
  const a = identifier(r);
  const b = identifier(r);
  switch (r.below(8)) {
    case 0: return `export function ${a}(${b}: ${r.pick(words)}, limit = ${r.below(4096)}) {`;
    case 1: return `  const ${a} = ${b}.${identifier(r)}(${r.below(1000)});`;
    case 2: return `  if (${a} > ${r.below(100)}) return ${b};`;
    case 3: return `  // ${r.pick(verbs)} the ${r.pick(words)} before the ${r.pick(words)} is ${r.pick(verbs)}ed`;
    case 4: return `import { ${a}, ${b} } from './${r.pick(words)}.ts';`;
    case 5: return `  ${a}.${b} = await ${identifier(r)}(${a}, '${r.pick(words)}-${r.below(65536).toString(16)}');`;
    case 6: return '}';
    default: return `  for (const ${a} of ${b}) ${identifier(r)}(${a});`;
  }
}

/** Source-like text: compressible, but not trivially so. */
export function sourceText(r: Random, bytes: number): string {
  const lines: string[] = [];
  let length = 0;
  while (length < bytes) {
    const line = sourceLine(r);
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n').slice(0, bytes);
}

/** Incompressible bytes from AES-CTR keyed by the seed and the file's name: fast and reproducible. */
async function writeRandomFile(path: string, bytes: number, keyMaterial: string): Promise<void> {
  const key = createHash('sha256').update(keyMaterial).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1024 * 1024);
  async function* blocks(): AsyncGenerator<Buffer> {
    for (let left = bytes; left > 0; left -= zeros.length) {
      yield await Promise.resolve(cipher.update(zeros.subarray(0, Math.min(left, zeros.length))));
    }
  }
  await pipeline(blocks(), createWriteStream(path));
}

// Six names a level, one to four levels deep: a few files to a few dozen per folder, as in a real project.
function nestedDir(r: Random, top: string): string {
  const depth = 1 + r.below(4);
  const parts = [top];
  for (let level = 0; level < depth; level++) parts.push(r.pick(words.slice(0, 6)));
  return join(...parts);
}

async function writeAt(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

interface Budget {
  readonly bytes: number;
  readonly write: (r: Random, index: number, left: number) => Promise<{ path: string; bytes: number }>;
}

// Shares of the generated tree: many small source files, a few large random binaries, gzip'd text, duplicates.
function budgets(dir: string, total: number, seed: number, written: string[]): Budget[] {
  const textExt = ['ts', 'js', 'md', 'json', 'css', 'txt'];
  return [
    {
      bytes: total * 0.3,
      write: async (r, i) => {
        const path = join(nestedDir(r, join(dir, 'src')), `${identifier(r)}-${i}.${r.pick(textExt)}`);
        const bytes = r.logUniform(256, 64 * 1024);
        await writeAt(path, sourceText(r, bytes));
        return { path, bytes };
      },
    },
    {
      bytes: total * 0.4,
      write: async (r, i, left) => {
        const path = join(nestedDir(r, join(dir, 'media')), `${r.pick(words)}-${i}.bin`);
        const bytes = Math.max(64 * 1024, Math.min(left, r.logUniform(1024 ** 2, 64 * 1024 ** 2)));
        await mkdir(dirname(path), { recursive: true });
        await writeRandomFile(path, bytes, `${seed}:${relative(dir, path)}`);
        return { path, bytes };
      },
    },
    {
      bytes: total * 0.15,
      write: async (r, i) => {
        const path = join(nestedDir(r, join(dir, 'archives')), `${r.pick(words)}-${i}.txt.gz`);
        const packed = await gzipAsync(sourceText(r, r.logUniform(64 * 1024, 16 * 1024 ** 2)));
        await writeAt(path, packed);
        return { path, bytes: packed.length };
      },
    },
    {
      bytes: total * 0.15,
      write: async (r, i) => {
        const original = r.pick(written);
        const path = join(nestedDir(r, join(dir, 'copies')), `${i}-${original.split('/').pop() ?? 'file'}`);
        await mkdir(dirname(path), { recursive: true });
        await copyFile(original, path);
        return { path, bytes: (await lstat(path)).size };
      },
    },
  ];
}

async function generate(dir: string, total: number, seed: number): Promise<TreeSize> {
  const r = new Random(seed);
  const written: string[] = [];
  let bytes = 0;
  for (const budget of budgets(dir, total, seed, written)) {
    for (let spent = 0; spent < budget.bytes; ) {
      const file = await budget.write(r, written.length, budget.bytes - spent);
      written.push(file.path);
      spent += file.bytes;
      bytes += file.bytes;
    }
  }
  return { files: written.length, bytes };
}

interface Marker extends TreeSize {
  readonly key: string;
}

/** Builds `dir` with `make` unless a marker beside it says an identical build already finished there. */
async function reuseOrBuild(dir: string, key: string, make: () => Promise<void>): Promise<TreeSize> {
  const markerPath = `${dir}.done.json`;
  const marker = await readFile(markerPath, 'utf8').then((t) => JSON.parse(t) as Marker, () => undefined);
  if (marker?.key === key) return { files: marker.files, bytes: marker.bytes };
  await rm(markerPath, { force: true });
  await rm(dir, { recursive: true, force: true });
  await make();
  const size = await treeSize(dir);
  await writeFile(markerPath, JSON.stringify({ key, ...size } satisfies Marker));
  return size;
}

export async function generatedTree(root: string, bytes: number, seed: number): Promise<{ dir: string } & TreeSize> {
  const dir = join(root, `generated-${bytes}-seed${seed}`);
  const size = await reuseOrBuild(dir, `v${generatorVersion}`, async () => {
    await mkdir(dir, { recursive: true });
    await generate(dir, bytes, seed);
  });
  return { dir, ...size };
}

/** A copy of a real folder (so 1% of it can be changed): its file sizes, names and nesting are what users have. */
export async function systemCopy(root: string, source: string): Promise<{ dir: string } & TreeSize> {
  const dir = join(root, `system${source.replaceAll('/', '-')}`);
  const size = await reuseOrBuild(dir, source, async () => {
    await mkdir(dir, { recursive: true });
    const cp = spawnSync('cp', ['-a', `${source}/.`, dir], { stdio: 'inherit' });
    if (cp.status !== 0) throw new Error(`cp -a ${source} failed`);
  });
  return { dir, ...size };
}

/** A sparse file: it costs no disk, yet every byte of it still streams through the chunker. */
export async function sparseFileDir(root: string, bytes: number): Promise<{ dir: string } & TreeSize> {
  const dir = join(root, `sparse-${bytes}`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'big.bin');
  await (await open(path, 'a')).close();
  await truncate(path, bytes);
  return { dir, files: 1, bytes };
}

/** Every regular file under `dir`, sorted, symlinks not followed. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function treeSize(dir: string): Promise<TreeSize> {
  let bytes = 0;
  const files = await listFiles(dir);
  for (const file of files) bytes += (await lstat(file)).size;
  return { files: files.length, bytes };
}

interface Change {
  readonly path: string;
  readonly offset: number;
  /** The bytes that were there before, base64: writing them back is idempotent, so a crash mid-change is recoverable. */
  readonly original: string;
  readonly atimeMs: number;
  readonly mtimeMs: number;
}

const changeBytes = 4096;

/** Inverts a 4 KiB window in the middle of a seeded `fraction` of the non-empty files; the journal allows undoing it. */
export async function changeFiles(dirs: readonly string[], fraction: number, seed: number, journal: string): Promise<number> {
  const files: { path: string; size: number }[] = [];
  for (const dir of dirs) {
    for (const path of await listFiles(dir)) {
      const { size } = await lstat(path);
      if (size > 0) files.push({ path, size });
    }
  }
  const r = new Random(seed);
  const chosen = new Map<string, number>();
  const wanted = Math.max(1, Math.round(files.length * fraction));
  while (chosen.size < Math.min(wanted, files.length)) {
    const file = r.pick(files);
    chosen.set(file.path, file.size);
  }
  const changes: Change[] = [];
  for (const [path, size] of chosen) {
    const offset = Math.max(0, Math.floor(size / 2) - changeBytes / 2);
    const window = await readWindow(path, offset, Math.min(changeBytes, size));
    const { atimeMs, mtimeMs } = await lstat(path);
    changes.push({ path, offset, original: Buffer.from(window).toString('base64'), atimeMs, mtimeMs });
  }
  await writeFile(journal, JSON.stringify(changes));
  for (const change of changes) {
    const inverted = Buffer.from(change.original, 'base64').map((b) => b ^ 0xff);
    await writeWindow(change.path, change.offset, inverted);
  }
  return changes.length;
}

/** Puts back what `changeFiles` altered (contents and times); does nothing when there is no journal. */
export async function revertChanges(journal: string): Promise<void> {
  const text = await readFile(journal, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  for (const change of JSON.parse(text) as Change[]) {
    await writeWindow(change.path, change.offset, Buffer.from(change.original, 'base64'));
    await utimes(change.path, change.atimeMs / 1000, change.mtimeMs / 1000);
  }
  await rm(journal);
}

async function readWindow(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function writeWindow(path: string, offset: number, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}
