// A SecretStore kept in one file of ciphertexts, with the encryption supplied by the OS (safeStorage) — no Electron here.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod';
import type { SecretStore } from '../../engine/ports.ts';

/** The OS-backed encryption: Electron's safeStorage in the app, a stand-in in tests. */
export interface StringCipher {
  encrypt(plain: string): Promise<Buffer>;
  /** `stale` when the OS rotated its key: the text is right, but should be encrypted again under the new key. */
  decrypt(cipher: Buffer): Promise<{ text: string; stale: boolean }>;
}

const fileSchema = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.base64()) });

async function readSecrets(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return new Map();
    throw err;
  }
  // A damaged file loses only the remembered secrets: the app then asks for them again, which is the safe outcome.
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    return new Map(parsed.success ? Object.entries(parsed.data.secrets) : []);
  } catch {
    return new Map();
  }
}

/**
 * Secrets by key in `file`, each encrypted on its own by `cipher`. Writes go to a temporary file that is renamed over
 * the old one, so a crash leaves either the old set or the new, readable only by the user (mode 0600).
 * `encrypted` is what the cipher is worth: false for a fallback that anyone with the file could reverse.
 */
export function createEncryptedFileSecretStore(file: string, cipher: StringCipher, options: { encrypted: boolean }): SecretStore {
  // One write at a time, so two quick `set`s cannot each start from the same old file and lose one another.
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function write(secrets: ReadonlyMap<string, string>): Promise<void> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const aside = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(aside, JSON.stringify({ version: 1, secrets: Object.fromEntries(secrets) }) + '\n', { mode: 0o600 });
      await rename(aside, file);
    } finally {
      await rm(aside, { force: true });
    }
  }

  return {
    encrypted: options.encrypted,
    get: (key) =>
      serialised(async () => {
        const secrets = await readSecrets(file);
        const stored = secrets.get(key);
        if (stored === undefined) return undefined;
        let plain: { text: string; stale: boolean };
        try {
          plain = await cipher.decrypt(Buffer.from(stored, 'base64'));
        } catch {
          // Encrypted under another OS key (a restored home folder, a reset keyring): as good as not remembered.
          return undefined;
        }
        if (plain.stale) {
          secrets.set(key, (await cipher.encrypt(plain.text)).toString('base64'));
          await write(secrets);
        }
        return plain.text;
      }),
    set: (key, value) =>
      serialised(async () => {
        const secrets = await readSecrets(file);
        secrets.set(key, (await cipher.encrypt(value)).toString('base64'));
        await write(secrets);
      }),
    delete: (key) =>
      serialised(async () => {
        const secrets = await readSecrets(file);
        if (!secrets.delete(key)) return false;
        await write(secrets);
        return true;
      }),
  };
}
