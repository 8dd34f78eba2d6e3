// The app's SecretStore: secrets encrypted with Electron's safeStorage (the OS keychain, DPAPI, or the desktop keyring) in the app-data folder.

import { join } from 'node:path';
import { safeStorage } from 'electron';
import { AirlockError } from '../../engine/errors.ts';
import type { SecretStore } from '../../engine/ports.ts';
import { createEncryptedFileSecretStore } from './encrypted-file-store.ts';

export const secretsFileName = 'secrets.json';

/**
 * Linux without a keyring (no GNOME Keyring / KWallet) makes safeStorage fall back to 'basic_text': a key built
 * into Chromium, so anyone with the file can decrypt it. The store then reports `encrypted: false` and the UI warns.
 * Call after the app's `ready` event, before which safeStorage cannot tell which backend it has.
 */
export async function createSafeStorageSecretStore(dataFolder: string): Promise<SecretStore> {
  const available = await safeStorage.isAsyncEncryptionAvailable();
  const weak = process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  return createEncryptedFileSecretStore(
    join(dataFolder, secretsFileName),
    {
      encrypt: (plain) => {
        if (!available) {
          return Promise.reject(
            new AirlockError('IO_ERROR', 'This computer offers Airlock no safe place to keep passwords, so it cannot remember this one. Turn off "Remember" and enter it when Airlock asks.'),
          );
        }
        return safeStorage.encryptStringAsync(plain);
      },
      decrypt: async (cipher) => {
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(cipher);
        return { text: result, stale: shouldReEncrypt };
      },
    },
    { encrypted: available && !weak },
  );
}
