// Authenticated encryption (AES-256-GCM), keyed content IDs (HMAC-SHA-256) and the master key's layout.

import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, randomFillSync, type KeyObject } from 'node:crypto';
import { AirlockError } from '../errors.ts';

const ENVELOPE_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes an envelope adds to its plaintext: version, nonce and tag. */
export const envelopeOverhead = 1 + NONCE_BYTES + TAG_BYTES;

/** The repository's secrets, unwrapped from a key slot. */
export interface MasterKey {
  /** AES-256-GCM key for everything the repository stores. */
  readonly encryption: Buffer;
  /** HMAC-SHA-256 key for content IDs, so equal data in two repositories gets different names. */
  readonly mac: Buffer;
}

export const masterKeyBytes = 64;

export function newMasterKey(): Buffer {
  return randomBytes(masterKeyBytes);
}

export function splitMasterKey(raw: Buffer): MasterKey {
  if (raw.length !== masterKeyBytes) throw new Error('master key has the wrong length');
  return { encryption: raw.subarray(0, 32), mac: raw.subarray(32, 64) };
}

/**
 * Keys are turned into KeyObjects once: handing a raw Buffer to every createCipheriv/createHmac call built a new
 * key object each time, and that alone cost a second per few thousand small files.
 */
export function keyObject(key: Buffer): KeyObject {
  return createSecretKey(key);
}

type Key = Buffer | KeyObject;

/**
 * Nonces are cut from a batch of random bytes: one randomFillSync per 4 KiB instead of one randomBytes per blob,
 * which cost 0.4-1 s of the main thread over 47,000 small files. Each nonce is handed out once and never again.
 */
const NONCE_BATCH = 4096 - (4096 % NONCE_BYTES);
let nonces = Buffer.alloc(0);
let nonceAt = 0;

function nextNonce(): Buffer {
  if (nonceAt === nonces.length) {
    nonces = randomFillSync(Buffer.allocUnsafeSlow(NONCE_BATCH));
    nonceAt = 0;
  }
  nonceAt += NONCE_BYTES;
  return nonces.subarray(nonceAt - NONCE_BYTES, nonceAt);
}

/** The few contexts as bytes, made once rather than per envelope. */
const contextBytes = new Map<string, Buffer>();

function aad(context: string): Buffer {
  let bytes = contextBytes.get(context);
  if (!bytes) {
    bytes = Buffer.from(context);
    contextBytes.set(context, bytes);
  }
  return bytes;
}

const CIPHER_PIECE = 64 * 1024;

/** Bytes of the envelope that `sealInto` makes of `plaintextLength` bytes. */
export function envelopeLength(plaintextLength: number): number {
  return envelopeOverhead + plaintextLength;
}

/**
 * Encrypts `plaintext` into `out` at `at` (which must have room for `envelopeLength` bytes) and returns the
 * envelope's length. `context` is authenticated but not stored, so a blob cannot pass for an index or a snapshot.
 */
export function sealInto(key: Key, plaintext: Uint8Array, context: string, out: Buffer, at: number): number {
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(context));
  out[at] = ENVELOPE_VERSION;
  nonce.copy(out, at + 1);
  // GCM's ciphertext is as long as the plaintext. It is made a piece at a time because cipher.update returns a
  // new buffer: piece-sized ones die young and their memory serves the next, where chunk-sized ones (up to 4 MiB)
  // lingered until a full collection (measured: peak RSS about 10 MB lower).
  let to = at + 1 + NONCE_BYTES;
  for (let from = 0; from < plaintext.length; from += CIPHER_PIECE) {
    to += cipher.update(plaintext.subarray(from, from + CIPHER_PIECE)).copy(out, to);
  }
  // GCM's final() yields no bytes; it completes the tag.
  cipher.final();
  cipher.getAuthTag().copy(out, to);
  return envelopeOverhead + plaintext.length;
}

/** Encrypts `plaintext` into an envelope of its own (see sealInto). */
export function seal(key: Key, plaintext: Uint8Array, context: string): Buffer {
  // Not a slice of Node's shared 64 KiB buffer pool: an envelope kept for long would keep the pool's whole slab alive.
  const envelope = Buffer.allocUnsafeSlow(envelopeLength(plaintext.length));
  sealInto(key, plaintext, context, envelope, 0);
  return envelope;
}

/** Decrypts and authenticates; throws CORRUPT_DATA naming `what` when anything was changed. */
export function open(key: Key, envelope: Uint8Array, context: string, what: string): Buffer {
  if (envelope.length < envelopeOverhead || envelope[0] !== ENVELOPE_VERSION) {
    throw new AirlockError('CORRUPT_DATA', `${what} is damaged (too short or of an unknown version).`);
  }
  const nonce = envelope.subarray(1, 1 + NONCE_BYTES);
  const tag = envelope.subarray(envelope.length - TAG_BYTES);
  const body = envelope.subarray(1 + NONCE_BYTES, envelope.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad(context));
    decipher.setAuthTag(tag);
    const plain = decipher.update(body);
    // GCM's final() yields no bytes; it only checks the tag (throwing when it does not match).
    decipher.final();
    return plain;
  } catch (cause) {
    throw new AirlockError('CORRUPT_DATA', `${what} failed its integrity check: it was changed or damaged on the drive.`, { cause });
  }
}

/** The content ID of a blob: HMAC-SHA-256 under the repository's MAC key, as 64 hex digits. */
export function contentId(macKey: Key, data: Uint8Array): string {
  return createHmac('sha256', macKey).update(data).digest('hex');
}

export function randomId(): string {
  return randomBytes(32).toString('hex');
}
