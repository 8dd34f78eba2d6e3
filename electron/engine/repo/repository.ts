// An open repository: its keys and config, the blob index, packing new blobs, and snapshot manifests.

import { randomBytes } from 'node:crypto';
import { Semaphore } from '../concurrency.ts';
import { AirlockError, describeIoError } from '../errors.ts';
import { BlobIndex, decodeIndex, encodeIndex, type BlobLocation, type IndexedPack } from './blob-index.ts';
import { decompress, maybeCompress } from './compression.ts';
import { decodeConfig, encodeConfig, newConfig, readConfigHeader, type ConfigOptions, type RepositoryConfig } from './config.ts';
import type { KeyObject } from 'node:crypto';
import { contentId, envelopeOverhead, keyObject, newMasterKey, open, randomId, seal, splitMasterKey, type MasterKey } from './crypto.ts';
import { createKeyFile, defaultKdf, serializeKeyFile, unlockMasterKey, type KdfParams } from './keys.ts';
import { RepositoryLock, type LockKind } from './lock.ts';
import { PackWriter, type BlobType } from './pack.ts';
import { snapshotSchema, type Snapshot, type SnapshotManifest } from './snapshot.ts';
import type { Storage } from './storage.ts';
import { encodeTree, treeSchema, type Tree, type TreeNode } from './tree.ts';

export interface RepositoryOptions {
  /** The clock (tests inject a fake one). */
  readonly now?: () => Date;
}

export interface InitOptions extends RepositoryOptions, ConfigOptions {
  /** scrypt cost; only tests lower it. */
  readonly kdf?: KdfParams;
}

export interface SavedBlob {
  readonly id: string;
  /** Bytes this call added to the repository; 0 when the blob was already there. */
  readonly added: number;
}

export interface SaveOptions {
  /** zstd level for this blob instead of the repository's (database dumps choose their own; see stream-tree.ts). */
  readonly compressionLevel?: number;
}

export interface ReadOptions {
  /**
   * false skips the check that a blob's content matches its keyed ID. Only for a caller that checks the SHA-256 of
   * the whole content, as recorded in its (authenticated) tree, before it uses any of the bytes: the files restore,
   * which writes under a temporary name and renames only a file that matched. AES-GCM still authenticates every
   * blob, so what such a caller gets is what the repository stored; a blob at the wrong place in the index fails
   * the file's checksum instead. It saves hashing every byte twice: about a second per 1.5 GB restored.
   */
  readonly checkId?: boolean;
}

interface PendingBlob {
  readonly type: BlobType;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT';
}

export class Repository {
  readonly storage: Storage;
  readonly config: RepositoryConfig;
  readonly keyId: string;
  readonly now: () => Date;
  private readonly key: MasterKey;
  private readonly sealKey: KeyObject;
  private readonly macKey: KeyObject;
  private indexPromise: Promise<BlobIndex> | undefined;
  private readonly writers = new Map<BlobType, PackWriter>();
  /** Blobs being compressed or sitting in an unfinished pack: saving them again must not store a second copy. */
  private readonly pending = new Map<string, PendingBlob>();
  private readonly flushes = new Set<Promise<void>>();
  /**
   * Pack buffers written out and ready to fill again: the same two or three serve a whole backup. A new buffer per
   * pack (and before that, one per blob) left malloc's heap fragmented by over 100 MB on 47,000 small files.
   */
  private readonly spareBuffers: Buffer[] = [];
  /**
   * One pack written at a time: while it is being written, whoever fills the next pack waits. That keeps memory at
   * about two packs however slow the drive, and keeps what is durable close behind what was read.
   */
  private readonly packWrites = new Semaphore(1);

  private constructor(storage: Storage, key: MasterKey, config: RepositoryConfig, keyId: string, now: () => Date) {
    this.storage = storage;
    this.key = key;
    this.sealKey = keyObject(key.encryption);
    this.macKey = keyObject(key.mac);
    this.config = config;
    this.keyId = keyId;
    this.now = now;
  }

  get id(): string {
    return this.config.id;
  }

  get masterKey(): MasterKey {
    return this.key;
  }

  static async init(storage: Storage, passphrase: string, options: InitOptions = {}): Promise<Repository> {
    const now = options.now ?? (() => new Date());
    // Settings are checked before anything is written: a bad one must not leave a half-made repository.
    const config = newConfig(options);
    await storage.create();
    const raw = newMasterKey();
    const key = splitMasterKey(raw);
    const keyFile = await createKeyFile(raw, passphrase, now(), options.kdf ?? defaultKdf);
    const keyId = randomId();
    await storage.write('keys', keyId, serializeKeyFile(keyFile));
    // The config is written last: until it exists, the folder is not a repository.
    await storage.write('config', 'config', encodeConfig(config, key.encryption));
    return new Repository(storage, key, config, keyId, now);
  }

  static async open(storage: Storage, passphrase: string, options: RepositoryOptions = {}): Promise<Repository> {
    if (!(await storage.exists())) {
      throw new AirlockError('REPO_NOT_FOUND', `There is no Airlock repository at ${storage.location}. Check the path (is the drive plugged in?) or create one with \`airlock init\`.`);
    }
    const configBytes = await storage.read('config', 'config');
    // Refuse an unknown format before spending half a second on the passphrase.
    readConfigHeader(configBytes, storage.location);
    const { key: raw, keyId } = await unlockMasterKey(storage, passphrase);
    const key = splitMasterKey(raw);
    const config = decodeConfig(configBytes, key.encryption, storage.location);
    return new Repository(storage, key, config, keyId, options.now ?? (() => new Date()));
  }

  lock(kind: LockKind, operation: string): Promise<RepositoryLock> {
    return RepositoryLock.acquire({ storage: this.storage, key: this.key.encryption, now: this.now }, kind, operation);
  }

  // ---- sealed files -------------------------------------------------------------------------

  sealFile(context: string, plaintext: Uint8Array): Buffer {
    return seal(this.sealKey, plaintext, context);
  }

  openFile(context: string, envelope: Uint8Array, what: string): Buffer {
    return open(this.sealKey, envelope, context, what);
  }

  // ---- index ----------------------------------------------------------------------------------

  index(): Promise<BlobIndex> {
    this.indexPromise ??= this.loadIndex();
    return this.indexPromise;
  }

  /** Reads every index file; `onDamaged` lets `check` report a bad one and carry on instead of failing. */
  async readIndexFiles(onDamaged?: (name: string, err: unknown) => void): Promise<Map<string, IndexedPack[]>> {
    const files = new Map<string, IndexedPack[]>();
    for (const { name } of await this.storage.list('index')) {
      try {
        const plain = this.openFile('index', await this.storage.read('index', name), `Index file index/${name.slice(0, 12)}`);
        files.set(name, decodeIndex(plain, name));
      } catch (err) {
        if (!onDamaged || isNotFound(err)) throw err;
        onDamaged(name, err);
      }
    }
    return files;
  }

  private async loadIndex(): Promise<BlobIndex> {
    const index = new BlobIndex();
    for (const packs of (await this.readIndexFiles()).values()) for (const pack of packs) index.add(pack);
    return index;
  }

  async writeIndexFile(packs: readonly IndexedPack[]): Promise<string> {
    const name = randomId();
    await this.storage.write('index', name, this.sealFile('index', encodeIndex(packs)));
    return name;
  }

  // ---- blobs ----------------------------------------------------------------------------------

  blobId(data: Uint8Array): string {
    return contentId(this.macKey, data);
  }

  /** Stores a blob unless it is already there. Resolves once it is safely in a pack or queued in the open one. */
  async saveBlob(type: BlobType, data: Buffer, options: SaveOptions = {}): Promise<SavedBlob> {
    const id = this.blobId(data);
    const index = await this.index();
    // Checked and claimed with no await in between: of two saves of one blob at the same time, one stores it.
    if (this.pending.has(id) || index.has(id)) return { id, added: 0 };
    this.pending.set(id, { type });
    let added: number;
    try {
      const compressing = maybeCompress(data, options.compressionLevel ?? this.config.compressionLevel);
      const { bytes, compressed } = compressing instanceof Promise ? await compressing : compressing;
      // Sealed with no await since compressing: small data's compressed bytes live in a buffer the next
      // compression reuses.
      const writer = this.writerFor(type);
      added = writer.seal(this.sealKey, id, type, compressed, data.length, bytes);
      if (writer.byteLength >= this.config.packSize) await this.flushPack(type);
    } catch (err) {
      this.pending.delete(id);
      throw err;
    }
    return { id, added };
  }

  private writerFor(type: BlobType): PackWriter {
    let writer = this.writers.get(type);
    if (!writer) {
      const { packSize, chunker } = this.config;
      // Room for a full pack and then one more chunk; a blob larger than that (a big tree) grows the buffer.
      writer = new PackWriter(this.spareBuffers.pop() ?? Buffer.allocUnsafeSlow(packSize + chunker.maxSize + envelopeOverhead));
      this.writers.set(type, writer);
    }
    return writer;
  }

  /**
   * Writes the open pack of `type` once it is full (or, with `force`, whatever it holds). The writer is taken only
   * when this call's turn comes: until then further blobs join the same pack, so memory holds one pack being written
   * and one filling, never a queue of full packs.
   */
  private async flushPack(type: BlobType, force = false): Promise<void> {
    const job = this.packWrites.run(async () => {
      const writer = this.writers.get(type);
      if (!writer || writer.count === 0 || (!force && writer.byteLength < this.config.packSize)) return;
      this.writers.delete(type);
      await this.writePack(writer);
    });
    this.flushes.add(job);
    try {
      await job;
    } finally {
      this.flushes.delete(job);
    }
  }

  private async writePack(writer: PackWriter): Promise<void> {
    const { id: packId, bytes, blobs } = writer.finish(this.sealKey);
    try {
      try {
        await this.storage.write('data', packId, bytes);
      } finally {
        this.spareBuffers.push(writer.buffer);
      }
      // One index file per pack: a backup killed at any moment leaves every finished pack usable by the next run.
      await this.writeIndexFile([{ packId, blobs }]);
    } catch (err) {
      for (const b of blobs) this.pending.delete(b.id);
      throw describeIoError(err, 'writing backup data');
    }
    const index = await this.index();
    index.add({ packId, blobs });
    for (const b of blobs) this.pending.delete(b.id);
  }

  /** Writes out every unfinished pack. Call before saving a snapshot that refers to the blobs. */
  async flush(): Promise<void> {
    await Promise.all([...this.writers.keys()].map((type) => this.flushPack(type, true)));
    await Promise.all([...this.flushes]);
  }

  async locate(id: string): Promise<BlobLocation> {
    let loc = (await this.index()).get(id);
    if (!loc && this.pending.has(id)) {
      await this.flush();
      loc = (await this.index()).get(id);
    }
    if (!loc) throw new AirlockError('CORRUPT_DATA', `Blob ${id.slice(0, 12)} is missing from the repository index. Run \`airlock check\`.`);
    return loc;
  }

  async loadBlob(id: string, options: ReadOptions = {}): Promise<Buffer> {
    return this.readBlobAt(await this.locate(id), options);
  }

  /** Reads, decrypts, decompresses and verifies one blob: a blob whose content does not match its ID is never returned (unless the caller checks; see ReadOptions). */
  async readBlobAt(loc: BlobLocation, options: ReadOptions = {}): Promise<Buffer> {
    const envelope = await this.readPackRange(loc.packId, loc.offset, loc.length);
    return this.decodeBlob(loc, envelope, `Blob ${loc.id.slice(0, 12)} in pack ${loc.packId.slice(0, 12)}`, options);
  }

  /** Bytes of a pack as stored (one blob's envelope, or several side by side), with a missing pack named as such. */
  async readPackRange(packId: string, offset: number, length: number): Promise<Buffer> {
    try {
      return await this.storage.readRange('data', packId, offset, length);
    } catch (err) {
      if (isNotFound(err)) throw new AirlockError('CORRUPT_DATA', `Pack ${packId.slice(0, 12)} is missing from the repository. Run \`airlock check\`.`);
      throw describeIoError(err, `reading pack ${packId.slice(0, 12)}`);
    }
  }

  async decodeBlob(loc: BlobLocation, envelope: Buffer, what: string, options: ReadOptions = {}): Promise<Buffer> {
    const plain = open(this.sealKey, envelope, 'blob', what);
    const data = loc.compressed ? await decompress(plain, loc.rawLength).catch((cause: unknown) => {
      throw new AirlockError('CORRUPT_DATA', `${what} could not be decompressed.`, { cause });
    }) : plain;
    if (data.length !== loc.rawLength || (options.checkId !== false && this.blobId(data) !== loc.id)) {
      throw new AirlockError('CORRUPT_DATA', `${what} does not match its ID: the data is damaged.`);
    }
    return data;
  }

  // ---- trees ----------------------------------------------------------------------------------

  async saveTree(nodes: readonly TreeNode[]): Promise<SavedBlob> {
    return this.saveBlob('tree', encodeTree(nodes));
  }

  /** `at` skips the index lookup, for `check` which builds its own view of the index. */
  async loadTree(id: string, at?: BlobLocation): Promise<Tree> {
    const data = at ? await this.readBlobAt(at) : await this.loadBlob(id);
    const parsed = treeSchema.safeParse(JSON.parse(data.toString('utf8')));
    if (!parsed.success) throw new AirlockError('CORRUPT_DATA', `Tree ${id.slice(0, 12)} has an invalid structure.`);
    return parsed.data;
  }

  // ---- snapshots ------------------------------------------------------------------------------

  /** Written last, after every blob it refers to is in a finished pack and indexed. */
  async saveSnapshot(manifest: SnapshotManifest): Promise<string> {
    await this.flush();
    const id = randomBytes(32).toString('hex');
    await this.storage.write('snapshots', id, this.sealFile('snapshot', Buffer.from(JSON.stringify(manifest))));
    return id;
  }

  async loadSnapshot(id: string): Promise<Snapshot> {
    const plain = this.openFile('snapshot', await this.storage.read('snapshots', id), `Snapshot ${id.slice(0, 8)}`);
    const parsed = snapshotSchema.safeParse(JSON.parse(plain.toString('utf8')));
    if (!parsed.success) throw new AirlockError('CORRUPT_DATA', `Snapshot ${id.slice(0, 8)} has an invalid structure.`);
    return { ...parsed.data, id };
  }

  /** Every snapshot, oldest first. */
  async listSnapshots(): Promise<Snapshot[]> {
    const out: Snapshot[] = [];
    for (const { name } of await this.storage.list('snapshots')) out.push(await this.loadSnapshot(name));
    return out.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  }

  /** Finds a snapshot by full ID, unique prefix, or `latest`. */
  async resolveSnapshot(ref: string): Promise<Snapshot> {
    const names = (await this.storage.list('snapshots')).map((f) => f.name);
    if (ref === 'latest') {
      const all = await this.listSnapshots();
      const last = all.at(-1);
      if (!last) throw new AirlockError('SNAPSHOT_NOT_FOUND', 'The repository has no snapshots yet.');
      return last;
    }
    const matches = names.filter((n) => n.startsWith(ref.toLowerCase()));
    if (matches.length === 0 || ref.length === 0) throw new AirlockError('SNAPSHOT_NOT_FOUND', `No snapshot "${ref}". List them with \`airlock snapshots\`.`);
    if (matches.length > 1) throw new AirlockError('SNAPSHOT_AMBIGUOUS', `"${ref}" matches ${matches.length} snapshots; give more characters of the ID.`);
    return this.loadSnapshot(matches[0] ?? '');
  }

  async removeSnapshot(id: string): Promise<void> {
    await this.storage.remove('snapshots', id);
  }
}
