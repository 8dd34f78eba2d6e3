// The app's secret file: values round-trip through the OS cipher, never sit in the file in clear, and survive crashes and damage safely.

import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEncryptedFileSecretStore, type StringCipher } from '../../electron/main/secrets/encrypted-file-store.ts';

// Stands in for safeStorage: a reversible transform keyed per "machine", which is all the store relies on.
function cipherFor(machineKey: number, options: { rotatedFrom?: number } = {}): StringCipher {
  const flip = (b: Buffer, key: number) => Buffer.from(b.map((x) => x ^ key));
  return {
    encrypt: (plain) => Promise.resolve(Buffer.concat([Buffer.from([machineKey]), flip(Buffer.from(plain, 'utf8'), machineKey)])),
    decrypt: (cipher) => {
      const key = cipher[0] ?? -1;
      // After a key rotation the OS still reads the old ciphertexts but asks for them to be encrypted again.
      if (key !== machineKey && key !== options.rotatedFrom) return Promise.reject(new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.'));
      return Promise.resolve({ text: flip(cipher.subarray(1), key).toString('utf8'), stale: key !== machineKey });
    },
  };
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-secrets-'));
  file = join(dir, 'app-data', 'secrets.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encrypted secret file', () => {
  it('remembers, replaces and forgets secrets across restarts', async () => {
    const store = createEncryptedFileSecretStore(file, cipherFor(0x5a), { encrypted: true });
    expect(store.encrypted).toBe(true);
    expect(await store.get('repository:/media/usb/airlock')).toBeUndefined();
    await store.set('repository:/media/usb/airlock', 'correct horse battery staple');
    await store.set('database:mysql://backup@db/shop', 'pä$$wörd');
    await store.set('repository:/media/usb/airlock', 'a newer passphrase');

    const reopened = createEncryptedFileSecretStore(file, cipherFor(0x5a), { encrypted: true });
    expect(await reopened.get('repository:/media/usb/airlock')).toBe('a newer passphrase');
    expect(await reopened.get('database:mysql://backup@db/shop')).toBe('pä$$wörd');
    expect(await reopened.delete('database:mysql://backup@db/shop')).toBe(true);
    expect(await reopened.delete('database:mysql://backup@db/shop')).toBe(false);
    expect(await reopened.get('database:mysql://backup@db/shop')).toBeUndefined();
  });

  it('never writes a secret in clear, and keeps the file private to the user', async () => {
    const store = createEncryptedFileSecretStore(file, cipherFor(0x33), { encrypted: true });
    await store.set('smtp:password', 'hunter2-hunter2');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('hunter2').toString('base64').slice(0, 8));
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'app-data'))).toEqual(['secrets.json']);
  });

  it('keeps every one of many concurrent writes', async () => {
    const store = createEncryptedFileSecretStore(file, cipherFor(1), { encrypted: true });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`database:${i}`, `pw${i}`)));
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => store.get(`database:${i}`)));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `pw${i}`));
  });

  it('treats secrets from another machine key, or a damaged file, as not remembered', async () => {
    await createEncryptedFileSecretStore(file, cipherFor(7), { encrypted: true }).set('k', 'v');
    const otherKey = createEncryptedFileSecretStore(file, cipherFor(8), { encrypted: true });
    expect(await otherKey.get('k')).toBeUndefined();
    await otherKey.set('k2', 'v2');
    expect(await otherKey.get('k2')).toBe('v2');

    await writeFile(file, '{"version":1,"secrets":{"k":');
    const damaged = createEncryptedFileSecretStore(file, cipherFor(7), { encrypted: true });
    expect(await damaged.get('k')).toBeUndefined();
    await damaged.set('k', 'again');
    expect(await damaged.get('k')).toBe('again');
  });

  it('encrypts a secret again under the new key once the OS has rotated it', async () => {
    await createEncryptedFileSecretStore(file, cipherFor(3), { encrypted: true }).set('k', 'value');
    const before = await readFile(file, 'utf8');
    const rotated = createEncryptedFileSecretStore(file, cipherFor(4, { rotatedFrom: 3 }), { encrypted: true });
    expect(await rotated.get('k')).toBe('value');
    expect(await readFile(file, 'utf8')).not.toBe(before);
    expect(await createEncryptedFileSecretStore(file, cipherFor(4), { encrypted: true }).get('k')).toBe('value');
  });

  it('says when its encryption is only the weak fallback', () => {
    expect(createEncryptedFileSecretStore(file, cipherFor(1), { encrypted: false }).encrypted).toBe(false);
  });
});
