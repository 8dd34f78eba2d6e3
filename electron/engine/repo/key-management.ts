// Adding, removing and changing passphrases: each rewraps the master key in a new slot; data is never rewritten.

import { AirlockError } from '../errors.ts';
import { randomId } from './crypto.ts';
import { createKeyFile, listKeys, serializeKeyFile, type KdfParams, type KeyInfo } from './keys.ts';
import type { Repository } from './repository.ts';

export async function addKey(repo: Repository, newPassphrase: string, kdf?: KdfParams): Promise<string> {
  const lock = await repo.lock('exclusive', 'key add');
  try {
    const raw = Buffer.concat([repo.masterKey.encryption, repo.masterKey.mac]);
    const file = await createKeyFile(raw, newPassphrase, repo.now(), kdf);
    const id = randomId();
    await repo.storage.write('keys', id, serializeKeyFile(file));
    return id;
  } finally {
    await lock.release();
  }
}

export async function removeKey(repo: Repository, keyRef: string): Promise<KeyInfo> {
  const lock = await repo.lock('exclusive', 'key remove');
  try {
    const keys = await listKeys(repo.storage);
    const matches = keys.filter((k) => k.id.startsWith(keyRef));
    const key = matches[0];
    if (!key || keyRef === '') throw new AirlockError('USAGE', `No key "${keyRef}". List them with \`airlock key list\`.`);
    if (matches.length > 1) throw new AirlockError('USAGE', `"${keyRef}" matches ${matches.length} keys; give more characters.`);
    if (key.id === repo.keyId) throw new AirlockError('KEY_IN_USE', 'That is the passphrase you opened the repository with. Open it with another passphrase to remove this one, or use `airlock key passwd` to change it.');
    await repo.storage.remove('keys', key.id);
    return key;
  } finally {
    await lock.release();
  }
}

/** Adds the new passphrase first, then removes the old slot: at every moment at least one passphrase opens the repository. */
export async function changePassphrase(repo: Repository, newPassphrase: string, kdf?: KdfParams): Promise<string> {
  const id = await addKey(repo, newPassphrase, kdf);
  const lock = await repo.lock('exclusive', 'key passwd');
  try {
    await repo.storage.remove('keys', repo.keyId);
  } finally {
    await lock.release();
  }
  return id;
}
