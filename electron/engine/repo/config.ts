// The repository config: a plaintext ID and format version, and the sealed parameters (chunker seed, pack size, compression).

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AirlockError } from '../errors.ts';
import { validateChunkerParams } from './chunker.ts';
import { open, seal } from './crypto.ts';

export const formatVersion = 1;

const outerSchema = z.object({
  format: z.literal('airlock-repository'),
  version: z.number().int(),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  sealed: z.base64(),
});

const sealedSchema = z.object({
  chunker: z.object({
    seed: z.string().regex(/^[0-9a-f]{64}$/),
    minSize: z.number().int().positive(),
    avgSize: z.number().int().positive(),
    maxSize: z.number().int().positive(),
  }),
  compressionLevel: z.number().int().min(-7).max(22),
  packSize: z.number().int().min(1024).max(1024 * 1024 * 1024),
});

export type SealedConfig = z.infer<typeof sealedSchema>;

export interface RepositoryConfig extends SealedConfig {
  readonly id: string;
  readonly version: number;
}

export interface ConfigOptions {
  readonly compressionLevel?: number;
  readonly packSize?: number;
  readonly chunker?: { readonly minSize: number; readonly avgSize: number; readonly maxSize: number };
}

/** zstd level of a new repository unless `airlock init --compression` says otherwise. */
export const defaultCompressionLevel = 3;

export function newConfig(options: ConfigOptions = {}): RepositoryConfig {
  const level = options.compressionLevel ?? defaultCompressionLevel;
  if (!Number.isInteger(level) || level < 1 || level > 19) {
    throw new AirlockError('USAGE', `Compression level must be a whole number from 1 (fastest) to 19 (smallest), not "${String(options.compressionLevel)}".`);
  }
  if (options.chunker) validateChunkerParams(options.chunker);
  return {
    id: randomBytes(32).toString('hex'),
    version: formatVersion,
    chunker: { seed: randomBytes(32).toString('hex'), ...(options.chunker ?? { minSize: 256 * 1024, avgSize: 1024 * 1024, maxSize: 4 * 1024 * 1024 }) },
    compressionLevel: level,
    // 16 MiB packs suit FAT32/exFAT USB drives: few files per folder, no file near the 4 GiB limit.
    packSize: options.packSize ?? 16 * 1024 * 1024,
  };
}

export function encodeConfig(config: RepositoryConfig, key: Buffer): Buffer {
  const { id, version, ...secret } = config;
  const sealed = seal(key, Buffer.from(JSON.stringify(secret)), `config:${id}`);
  return Buffer.from(JSON.stringify({ format: 'airlock-repository', version, id, sealed: sealed.toString('base64') }, null, 2) + '\n');
}

/** Reads the plaintext part: enough to refuse an unknown format before asking for keys. */
export function readConfigHeader(data: Buffer, location: string): { id: string; version: number; sealed: Buffer } {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    throw new AirlockError('CORRUPT_DATA', `The config file of the repository at ${location} is damaged (not valid JSON).`);
  }
  const parsed = outerSchema.safeParse(json);
  if (!parsed.success) throw new AirlockError('CORRUPT_DATA', `The config file of the repository at ${location} is damaged or is not an Airlock repository.`);
  if (parsed.data.version !== formatVersion) {
    throw new AirlockError('REPO_FORMAT_UNSUPPORTED', `The repository at ${location} uses format version ${parsed.data.version}; this Airlock reads version ${formatVersion}. Use the Airlock version that wrote it (or a newer one). Nothing was changed.`);
  }
  return { id: parsed.data.id, version: parsed.data.version, sealed: Buffer.from(parsed.data.sealed, 'base64') };
}

export function decodeConfig(data: Buffer, key: Buffer, location: string): RepositoryConfig {
  const header = readConfigHeader(data, location);
  const plain = open(key, header.sealed, `config:${header.id}`, `The config file of the repository at ${location}`);
  const parsed = sealedSchema.safeParse(JSON.parse(plain.toString('utf8')));
  if (!parsed.success) throw new AirlockError('CORRUPT_DATA', `The config of the repository at ${location} has invalid settings.`);
  return { id: header.id, version: header.version, ...parsed.data };
}
