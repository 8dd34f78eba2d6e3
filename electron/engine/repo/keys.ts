// Passphrase slots: each wraps the master key under a key derived from a passphrase with scrypt.

import { createHash, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import { AirlockError } from '../errors.ts';
import { masterKeyBytes, open, seal } from './crypto.ts';
import type { Storage } from './storage.ts';

export interface KdfParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * scrypt cost for new key slots: N = 2^16, r = 8, p = 2 takes about 0.3 s, like N = 2^17 with p = 1 (OWASP's
 * password-storage guidance lists the two as equal in strength), but needs 64 MiB instead of 128 MiB. That memory
 * is held while a repository opens, and was the largest part of every command's peak memory (measured: 174 MB
 * peak RSS for the derivation alone, 110 MB with these settings). Slots made with other settings stay readable:
 * each key file records its own.
 */
export const defaultKdf: KdfParams = { N: 2 ** 16, r: 8, p: 2 };

const keyFileSchema = z.object({
  version: z.literal(1),
  kdf: z.literal('scrypt'),
  N: z.number().int().min(2).max(2 ** 24),
  r: z.number().int().min(1).max(64),
  p: z.number().int().min(1).max(16),
  salt: z.base64(),
  wrapped: z.base64(),
  created: z.string(),
  hostname: z.string(),
  username: z.string(),
  /** SHA-256 of the other fields: tells a damaged key file apart from a wrong passphrase. */
  checksum: z.string(),
});

export type KeyFile = z.infer<typeof keyFileSchema>;

export interface KeyInfo {
  readonly id: string;
  readonly created: string;
  readonly hostname: string;
  readonly username: string;
}

function deriveKey(passphrase: string, salt: Buffer, params: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r or scrypt refuses.
    scryptCallback(passphrase.normalize('NFC'), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

function keyFileChecksum(file: Omit<KeyFile, 'checksum'>): string {
  const fields = [file.version, file.kdf, file.N, file.r, file.p, file.salt, file.wrapped, file.created, file.hostname, file.username];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export async function createKeyFile(masterKey: Buffer, passphrase: string, now: Date, kdf: KdfParams = defaultKdf): Promise<KeyFile> {
  if (passphrase.length === 0) throw new AirlockError('USAGE', 'The passphrase is empty. Choose a passphrase (a few random words is a good one).');
  const salt = randomBytes(32);
  const kek = await deriveKey(passphrase, salt, kdf);
  const file = {
    version: 1 as const,
    kdf: 'scrypt' as const,
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    salt: salt.toString('base64'),
    wrapped: seal(kek, masterKey, 'key').toString('base64'),
    created: now.toISOString(),
    hostname: hostname(),
    username: currentUser(),
  };
  return { ...file, checksum: keyFileChecksum(file) };
}

export function parseKeyFile(data: Buffer, name: string): KeyFile {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    throw new AirlockError('CORRUPT_DATA', `Key file keys/${name} is damaged (not valid JSON).`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) throw new AirlockError('CORRUPT_DATA', `Key file keys/${name} is damaged or of an unknown kind.`);
  if (keyFileChecksum(parsed.data) !== parsed.data.checksum) throw new AirlockError('CORRUPT_DATA', `Key file keys/${name} is damaged (its checksum does not match).`);
  return parsed.data;
}

/** Returns the master key if `passphrase` opens this slot, undefined if it is the wrong passphrase. */
export async function unwrapKeyFile(file: KeyFile, passphrase: string): Promise<Buffer | undefined> {
  const kek = await deriveKey(passphrase, Buffer.from(file.salt, 'base64'), file);
  try {
    const key = open(kek, Buffer.from(file.wrapped, 'base64'), 'key', 'key');
    return key.length === masterKeyBytes ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Tries every slot; the passphrase opens at most one in practice, but any will do. */
export async function unlockMasterKey(storage: Storage, passphrase: string): Promise<{ key: Buffer; keyId: string }> {
  const files = await storage.list('keys');
  if (files.length === 0) throw new AirlockError('CORRUPT_DATA', `The repository at ${storage.location} has no key files: it cannot be opened.`);
  let damaged = 0;
  for (const { name } of files) {
    let file: KeyFile;
    try {
      file = parseKeyFile(await storage.read('keys', name), name);
    } catch (err) {
      if (err instanceof AirlockError && files.length > 1) {
        damaged++;
        continue;
      }
      throw err;
    }
    const key = await unwrapKeyFile(file, passphrase);
    if (key) return { key, keyId: name };
  }
  const note = damaged > 0 ? ` (${damaged} key file(s) are damaged and were skipped)` : '';
  throw new AirlockError('WRONG_PASSPHRASE', `Wrong passphrase for the repository at ${storage.location}${note}. Nothing was changed.`);
}

export async function listKeys(storage: Storage): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for (const { name } of await storage.list('keys')) {
    const file = parseKeyFile(await storage.read('keys', name), name);
    out.push({ id: name, created: file.created, hostname: file.hostname, username: file.username });
  }
  return out.sort((a, b) => a.created.localeCompare(b.created));
}

export function serializeKeyFile(file: KeyFile): Buffer {
  return Buffer.from(JSON.stringify(file, null, 2) + '\n');
}
