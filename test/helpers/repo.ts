// Repositories for engine-level tests: a cheap KDF so that each test does not spend half a second per key.

import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { Repository } from '../../electron/engine/repo/repository.ts';
import type { Storage } from '../../electron/engine/repo/storage.ts';

export const testPassphrase = 'correct horse battery staple';
/** Only for tests: production key slots use defaultKdf (keys.ts). */
export const cheapKdf = { N: 2 ** 10, r: 8, p: 1 };

export function createRepository(storage: Storage | string, options: { packSize?: number; compressionLevel?: number } = {}): Promise<Repository> {
  const s = typeof storage === 'string' ? new LocalStorage(storage) : storage;
  return Repository.init(s, testPassphrase, { kdf: cheapKdf, ...options });
}

export function reopen(storage: Storage | string): Promise<Repository> {
  return Repository.open(typeof storage === 'string' ? new LocalStorage(storage) : storage, testPassphrase);
}
