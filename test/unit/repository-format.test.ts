// Keeps docs/REPOSITORY.md honest: a reader written only from the document's layouts reads what the engine wrote.

import { createCipheriv, createDecipheriv, createHash, createHmac, scryptSync } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../electron/engine/backup/run-backup.ts';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { Repository } from '../../electron/engine/repo/repository.ts';

// Everything below the imports of the engine uses node:crypto and node:zlib only, as a third-party reader would.

const PASSPHRASE = 'correct horse battery staple é';
const chunker = { minSize: 2048, avgSize: 8192, maxSize: 32768 };
const HEX64 = /^[0-9a-f]{64}$/;

function pseudoRandom(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** Text that zstd shrinks but that still has enough variety for content-defined cuts. */
function compressibleText(length: number): Buffer {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  const noise = pseudoRandom('text', length);
  let out = '';
  for (let i = 0; out.length < length; i++) out += `${words[noise[i]! % words.length]!}${noise[i]! % 7 === 0 ? '\n' : ' '}`;
  return Buffer.from(out.slice(0, length));
}

/** The envelope: version 0x01, 12-byte nonce, ciphertext, 16-byte tag; AES-256-GCM with the context as AAD. */
function openEnvelope(key: Buffer, envelope: Buffer, aad: string): Buffer {
  if (envelope.length < 29 || envelope[0] !== 1) throw new Error('not a version-1 envelope');
  const decipher = createDecipheriv('aes-256-gcm', key, envelope.subarray(1, 13));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(envelope.subarray(envelope.length - 16));
  return Buffer.concat([decipher.update(envelope.subarray(13, envelope.length - 16)), decipher.final()]);
}

interface KeyFileJson {
  version: number;
  kdf: string;
  N: number;
  r: number;
  p: number;
  salt: string;
  wrapped: string;
  created: string;
  hostname: string;
  username: string;
  checksum: string;
}

interface Entry {
  type: number;
  compressed: number;
  offset: number;
  length: number;
  rawLength: number;
  id: string;
}

interface TreeNodeJson {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtimeMs: number;
  size?: number;
  content?: string[];
  sha256?: string;
  subtree?: string;
  linkTarget?: string;
}

/** HKDF-SHA-256 (RFC 5869) with an empty salt, written out so that the test does not trust hkdfSync's defaults. */
function hkdf(ikm: Buffer, info: string, length: number): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Chunk lengths of a whole stream by the document's cut rule. */
function chunkLengths(data: Buffer, gear: readonly number[]): number[] {
  const bits = Math.log2(chunker.avgSize);
  const lengths: number[] = [];
  for (let start = 0; start < data.length; ) {
    const n = data.length - start;
    let cut = Math.min(n, chunker.maxSize);
    if (n > chunker.minSize) {
      let fp = 0;
      for (let k = chunker.minSize; k < Math.min(n, chunker.maxSize); k++) {
        fp = (fp * 2 + gear[data[start + k]!]!) % 2 ** 32;
        const zeroBits = k < chunker.avgSize ? bits + 2 : bits - 2;
        if (fp < 2 ** (32 - zeroBits)) {
          cut = k + 1;
          break;
        }
      }
    }
    lengths.push(cut);
    start += cut;
  }
  return lengths;
}

let work: string;
let repoDir: string;
let srcDir: string;
const files = { text: compressibleText(300_000), random: pseudoRandom('random', 150_000), small: Buffer.from('small file\n') };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'airlock-format-'));
  repoDir = join(work, 'repo');
  srcDir = join(work, 'source');
  await mkdir(join(srcDir, 'sub'), { recursive: true });
  await writeFile(join(srcDir, 'text.txt'), files.text);
  await writeFile(join(srcDir, 'random.bin'), files.random);
  await writeFile(join(srcDir, 'sub', 'small.txt'), files.small);
  await writeFile(join(srcDir, 'empty'), '');
  await symlink('text.txt', join(srcDir, 'link'));
  const repo = await Repository.init(new LocalStorage(repoDir), PASSPHRASE, { kdf: { N: 1024, r: 8, p: 1 }, packSize: 64 * 1024, chunker });
  await runBackup(repo, { source: { kind: 'files', paths: [srcDir] }, tags: ['format'] });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function names(dir: string): Promise<string[]> {
  return (await readdir(join(repoDir, dir))).sort();
}

async function masterKey(passphrase: string): Promise<Buffer | undefined> {
  for (const name of await names('keys')) {
    const file = JSON.parse(await readFile(join(repoDir, 'keys', name), 'utf8')) as KeyFileJson;
    const kek = scryptSync(Buffer.from(passphrase.normalize('NFC'), 'utf8'), Buffer.from(file.salt, 'base64'), 32, { N: file.N, r: file.r, p: file.p });
    try {
      return openEnvelope(kek, Buffer.from(file.wrapped, 'base64'), 'key');
    } catch {
      // wrong passphrase for this slot: try the next
    }
  }
  return undefined;
}

async function packPath(id: string): Promise<string> {
  const path = join(repoDir, 'data', id.slice(0, 2), id);
  await lstat(path);
  return path;
}

function parseIndex(plain: Buffer): Map<string, Entry[]> {
  expect(plain.subarray(0, 4).toString('latin1')).toBe('AIX1');
  const packs = new Map<string, Entry[]>();
  let at = 4;
  while (at < plain.length) {
    const packId = plain.subarray(at, at + 32).toString('hex');
    const count = plain.readUInt32LE(at + 32);
    at += 36;
    const entries: Entry[] = [];
    for (let i = 0; i < count; i++, at += 46) {
      entries.push({
        type: plain[at]!,
        compressed: plain[at + 1]!,
        offset: plain.readUInt32LE(at + 2),
        length: plain.readUInt32LE(at + 6),
        rawLength: plain.readUInt32LE(at + 10),
        id: plain.subarray(at + 14, at + 46).toString('hex'),
      });
    }
    packs.set(packId, entries);
  }
  expect(at).toBe(plain.length);
  return packs;
}

function parsePackHeader(key: Buffer, pack: Buffer): Entry[] {
  const headerLength = pack.readUInt32LE(pack.length - 4);
  const header = openEnvelope(key, pack.subarray(pack.length - 4 - headerLength, pack.length - 4), 'pack-header');
  expect(header.length % 42).toBe(0);
  const entries: Entry[] = [];
  let offset = 0;
  for (let at = 0; at < header.length; at += 42) {
    const length = header.readUInt32LE(at + 6);
    entries.push({ type: header[at]!, compressed: header[at + 1]!, rawLength: header.readUInt32LE(at + 2), length, offset, id: header.subarray(at + 10, at + 42).toString('hex') });
    offset += length;
  }
  expect(offset + headerLength + 4).toBe(pack.length);
  return entries;
}

async function readIndexes(key: Buffer): Promise<Map<string, Map<string, Entry[]>>> {
  const out = new Map<string, Map<string, Entry[]>>();
  for (const name of await names('index')) out.set(name, parseIndex(openEnvelope(key, await readFile(join(repoDir, 'index', name)), 'index')));
  return out;
}

describe('docs/REPOSITORY.md, format version 1', () => {
  it('lays the repository out as documented, with hex names and no temporary files left', async () => {
    expect(await names('.')).toEqual(['config', 'data', 'index', 'keys', 'locks', 'snapshots']);
    const sub = await names('data');
    expect(sub).toEqual(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')));
    let packs = 0;
    for (const dir of sub) {
      for (const name of await names(join('data', dir))) {
        expect(name).toMatch(HEX64);
        expect(name.slice(0, 2)).toBe(dir);
        packs++;
      }
    }
    expect(packs).toBeGreaterThan(2);
    for (const dir of ['keys', 'index', 'snapshots']) for (const name of await names(dir)) expect(name).toMatch(HEX64);
    expect(await names('locks')).toEqual([]);
  });

  it('derives the master key from the passphrase by the key file, and only from the right one', async () => {
    const [name] = await names('keys');
    const text = await readFile(join(repoDir, 'keys', name!), 'utf8');
    const file = JSON.parse(text) as KeyFileJson;
    expect(Object.keys(file)).toEqual(['version', 'kdf', 'N', 'r', 'p', 'salt', 'wrapped', 'created', 'hostname', 'username', 'checksum']);
    expect(file.version).toBe(1);
    expect(file.kdf).toBe('scrypt');
    expect(Buffer.from(file.salt, 'base64')).toHaveLength(32);
    expect(Buffer.from(file.wrapped, 'base64')).toHaveLength(1 + 12 + 64 + 16);
    const fields = [file.version, file.kdf, file.N, file.r, file.p, file.salt, file.wrapped, file.created, file.hostname, file.username];
    expect(createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex')).toBe(file.checksum);
    expect(await masterKey(PASSPHRASE)).toHaveLength(64);
    // The passphrase is NFC-normalised first: the decomposed spelling opens the slot too.
    expect(await masterKey(PASSPHRASE.normalize('NFD'))).toHaveLength(64);
    expect(await masterKey('wrong')).toBeUndefined();
  });

  it('seals the config under AAD "config:<id>" and keeps only format, version and ID in the clear', async () => {
    const key = (await masterKey(PASSPHRASE))!.subarray(0, 32);
    const outer = JSON.parse(await readFile(join(repoDir, 'config'), 'utf8')) as { format: string; version: number; id: string; sealed: string };
    expect(Object.keys(outer)).toEqual(['format', 'version', 'id', 'sealed']);
    expect(outer.format).toBe('airlock-repository');
    expect(outer.version).toBe(1);
    expect(outer.id).toMatch(HEX64);
    const sealed = Buffer.from(outer.sealed, 'base64');
    expect(() => openEnvelope(key, sealed, 'config')).toThrow();
    const inner = JSON.parse(openEnvelope(key, sealed, `config:${outer.id}`).toString('utf8')) as { chunker: { seed: string }; compressionLevel: number; packSize: number };
    expect(inner).toEqual({ chunker: { seed: expect.stringMatching(HEX64) as unknown, ...chunker }, compressionLevel: 3, packSize: 64 * 1024 });
  });

  it('names each pack by its SHA-256 and lists its blobs in a sealed header that one index file repeats', async () => {
    const key = (await masterKey(PASSPHRASE))!.subarray(0, 32);
    const indexes = await readIndexes(key);
    const packIds = new Set<string>();
    for (const packs of indexes.values()) {
      // A backup writes one index file per pack.
      expect(packs.size).toBe(1);
      for (const [packId, entries] of packs) {
        packIds.add(packId);
        const pack = await readFile(await packPath(packId));
        expect(createHash('sha256').update(pack).digest('hex')).toBe(packId);
        expect(parsePackHeader(key, pack)).toEqual(entries);
        // A backup keeps data and tree blobs in separate packs.
        expect(new Set(entries.map((e) => e.type)).size).toBe(1);
        for (const e of entries) {
          expect([0, 1]).toContain(e.type);
          expect([0, 1]).toContain(e.compressed);
          expect(e.length).toBe(pack.subarray(e.offset, e.offset + e.length).length);
        }
      }
    }
    let onDisk = 0;
    for (const dir of await names('data')) onDisk += (await names(join('data', dir))).length;
    expect(packIds.size).toBe(onDisk);
  });

  it('leads from a snapshot through trees to file contents that match their recorded SHA-256', async () => {
    const master = (await masterKey(PASSPHRASE))!;
    const key = master.subarray(0, 32);
    const mac = master.subarray(32, 64);
    const where = new Map<string, Entry & { packId: string }>();
    for (const packs of (await readIndexes(key)).values()) for (const [packId, entries] of packs) for (const e of entries) where.set(e.id, { ...e, packId });

    const readBlob = async (id: string, type: number): Promise<Buffer> => {
      const loc = where.get(id)!;
      expect(loc.type).toBe(type);
      const pack = await readFile(await packPath(loc.packId));
      const plain = openEnvelope(key, pack.subarray(loc.offset, loc.offset + loc.length), 'blob');
      if (loc.compressed === 1) expect(plain.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
      const data = loc.compressed === 1 ? zstdDecompressSync(plain) : plain;
      expect(data.length).toBe(loc.rawLength);
      expect(createHmac('sha256', mac).update(data).digest('hex')).toBe(id);
      return data;
    };
    const readTree = async (id: string): Promise<TreeNodeJson[]> => {
      const tree = JSON.parse((await readBlob(id, 1)).toString('utf8')) as { nodes: TreeNodeJson[] };
      const sorted = [...tree.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      expect(tree.nodes).toEqual(sorted);
      return tree.nodes;
    };
    const readFileContent = async (node: TreeNodeJson): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for (const id of node.content ?? []) parts.push(await readBlob(id, 0));
      const whole = Buffer.concat(parts);
      expect(whole.length).toBe(node.size);
      expect(createHash('sha256').update(whole).digest('hex')).toBe(node.sha256);
      return whole;
    };

    const [snapName] = await names('snapshots');
    const manifest = JSON.parse(openEnvelope(key, await readFile(join(repoDir, 'snapshots', snapName!)), 'snapshot').toString('utf8')) as Record<string, unknown> & { tree: string; summary: Record<string, number> };
    expect(manifest).toMatchObject({ version: 1, kind: 'files', sources: [srcDir], tags: ['format'], partial: false, warnings: [] });
    expect(manifest.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Object.keys(manifest.summary).sort()).toEqual(['blobsAdded', 'bytesAdded', 'bytesRead', 'bytesTotal', 'dirs', 'durationMs', 'filesChanged', 'filesNew', 'filesUnmodified']);

    const root = await readTree(manifest.tree);
    expect(root.map((n) => [n.name, n.type])).toEqual([[basename(srcDir), 'dir']]);
    const top = await readTree(root[0]!.subtree!);
    expect(top.map((n) => n.name)).toEqual(['empty', 'link', 'random.bin', 'sub', 'text.txt']);
    const byName = new Map(top.map((n) => [n.name, n]));
    expect(await readFileContent(byName.get('text.txt')!)).toEqual(files.text);
    expect(await readFileContent(byName.get('random.bin')!)).toEqual(files.random);
    expect(byName.get('empty')!.content).toEqual([]);
    expect(await readFileContent(byName.get('empty')!)).toEqual(Buffer.alloc(0));
    expect(byName.get('link')).toMatchObject({ type: 'symlink', linkTarget: 'text.txt' });
    expect(byName.get('text.txt')!.mode).toBe((await lstat(join(srcDir, 'text.txt'))).mode & 0o7777);
    const sub = await readTree(byName.get('sub')!.subtree!);
    expect(await readFileContent(sub.find((n) => n.name === 'small.txt')!)).toEqual(files.small);

    // Compression: text chunks are stored zstd-compressed, random ones as they are.
    const flags = (name: string) => new Set(byName.get(name)!.content!.map((id) => where.get(id)!.compressed));
    expect(flags('text.txt')).toEqual(new Set([1]));
    expect(flags('random.bin')).toEqual(new Set([0]));
  });

  it('cuts chunks where the documented FastCDC rule with the HKDF gear table says', async () => {
    const master = (await masterKey(PASSPHRASE))!;
    const key = master.subarray(0, 32);
    const outer = JSON.parse(await readFile(join(repoDir, 'config'), 'utf8')) as { id: string; sealed: string };
    const inner = JSON.parse(openEnvelope(key, Buffer.from(outer.sealed, 'base64'), `config:${outer.id}`).toString('utf8')) as { chunker: { seed: string } };
    const bytes = hkdf(Buffer.from(inner.chunker.seed, 'hex'), 'airlock/chunker/gear/v1', 1024);
    const gear = Array.from({ length: 256 }, (_, i) => bytes.readUInt32LE(i * 4));

    const rawLengths = new Map<string, number>();
    for (const packs of (await readIndexes(key)).values()) for (const entries of packs.values()) for (const e of entries) rawLengths.set(e.id, e.rawLength);
    const mac = master.subarray(32, 64);
    for (const data of [files.text, files.random]) {
      const expected = chunkLengths(data, gear);
      expect(expected.length).toBeGreaterThan(5);
      let at = 0;
      for (const length of expected) {
        const id = createHmac('sha256', mac).update(data.subarray(at, at + length)).digest('hex');
        expect(rawLengths.get(id)).toBe(length);
        at += length;
      }
    }
  });

  it('writes a sealed lock file while a lock is held and removes it on release', async () => {
    const repo = await Repository.open(new LocalStorage(repoDir), PASSPHRASE);
    const lock = await repo.lock('exclusive', 'format test');
    const [name] = await names('locks');
    expect(name).toMatch(HEX64);
    const key = (await masterKey(PASSPHRASE))!.subarray(0, 32);
    const body = JSON.parse(openEnvelope(key, await readFile(join(repoDir, 'locks', name!)), 'lock').toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ exclusive: true, pid: process.pid, operation: 'format test' });
    expect(Object.keys(body)).toEqual(['exclusive', 'hostname', 'pid', 'time', 'operation']);
    await lock.release();
    expect(await names('locks')).toEqual([]);
  });

  it('refuses an unknown format version before trying the passphrase, and an unknown envelope version', async () => {
    const configPath = join(repoDir, 'config');
    const original = await readFile(configPath);
    try {
      const outer = JSON.parse(original.toString('utf8')) as Record<string, unknown>;
      await writeFile(configPath, JSON.stringify({ ...outer, version: 2 }));
      await expect(Repository.open(new LocalStorage(repoDir), 'not even the passphrase')).rejects.toMatchObject({ code: 'REPO_FORMAT_UNSUPPORTED' });
      const sealed = Buffer.from(outer.sealed as string, 'base64');
      sealed[0] = 2;
      await writeFile(configPath, JSON.stringify({ ...outer, sealed: sealed.toString('base64') }));
      await expect(Repository.open(new LocalStorage(repoDir), PASSPHRASE)).rejects.toMatchObject({ code: 'CORRUPT_DATA' });
    } finally {
      await writeFile(configPath, original);
    }
  });
});
