// The repositories this session may read and write: unlocked with a passphrase (kept in memory, and in the secret store when asked to remember).

import { resolve } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { AirlockError } from '../errors.ts';
import { LocalStorage } from '../repo/local-storage.ts';
import { Repository } from '../repo/repository.ts';
import { secretKeys, type SecretStore } from '../ports.ts';

interface Unlocked {
  passphrase: string;
  repo: Repository;
  /** The index files the open repository has read; a backup since adds one, and the copy is opened afresh. */
  indexNames: string;
}

async function indexNamesOf(repo: Repository): Promise<string> {
  return (await repo.storage.list('index')).map((f) => f.name).sort().join(',');
}

/** Repository locations are compared as absolute paths, so "./backups" and its full path are one repository. */
export function locationKey(location: string): string {
  return resolve(location);
}

export class UnlockedRepositories {
  private readonly catalog: Catalog;
  private readonly secrets: SecretStore;
  private readonly now: () => Date;
  private readonly session = new Map<string, Unlocked>();

  constructor(catalog: Catalog, secrets: SecretStore, now: () => Date) {
    this.catalog = catalog;
    this.secrets = secrets;
    this.now = now;
  }

  isUnlocked(location: string): boolean {
    return this.session.has(locationKey(location));
  }

  async isRemembered(location: string): Promise<boolean> {
    return (await this.secrets.get(secretKeys.repositoryPassphrase(locationKey(location)))) !== undefined;
  }

  /** Creates a new repository and unlocks it for this session. */
  async create(location: string, passphrase: string, remember: boolean): Promise<Repository> {
    const key = locationKey(location);
    const repo = await Repository.init(new LocalStorage(key), passphrase, { now: this.now });
    return this.keep(key, repo, passphrase, remember);
  }

  /** Opens an existing repository with its passphrase; WRONG_PASSPHRASE or REPO_NOT_FOUND in words otherwise. */
  async unlock(location: string, passphrase: string, remember: boolean): Promise<Repository> {
    const key = locationKey(location);
    const repo = await Repository.open(new LocalStorage(key), passphrase, { now: this.now });
    return this.keep(key, repo, passphrase, remember);
  }

  /**
   * The repository, ready to read: from this session, else with its remembered passphrase. REPO_LOCKED when neither
   * has it. The copy is opened again when another writer added index files since, so new snapshots can be read.
   */
  async open(location: string): Promise<Repository> {
    const key = locationKey(location);
    const unlocked = this.session.get(key);
    if (unlocked !== undefined) {
      const names = await indexNamesOf(unlocked.repo);
      if (names === unlocked.indexNames) return unlocked.repo;
      const fresh = await Repository.open(new LocalStorage(key), unlocked.passphrase, { now: this.now });
      unlocked.repo = fresh;
      unlocked.indexNames = names;
      return fresh;
    }
    const passphrase = await this.passphraseOf(key);
    if (passphrase === undefined) {
      throw new AirlockError('REPO_LOCKED', `The repository at ${key} is locked. Open it with its passphrase first.`);
    }
    return this.keep(key, await Repository.open(new LocalStorage(key), passphrase, { now: this.now }), passphrase, 'unchanged');
  }

  /** The passphrase this session or the secret store has for the location; undefined when neither does. */
  async passphraseOf(location: string): Promise<string | undefined> {
    const key = locationKey(location);
    return this.session.get(key)?.passphrase ?? (await this.secrets.get(secretKeys.repositoryPassphrase(key)));
  }

  /** After a passphrase change: the session and the remembered copy follow the new one. */
  async replacePassphrase(location: string, passphrase: string): Promise<Repository> {
    const key = locationKey(location);
    const remembered = await this.isRemembered(key);
    const repo = await Repository.open(new LocalStorage(key), passphrase, { now: this.now });
    return this.keep(key, repo, passphrase, remembered);
  }

  async lock(location: string, forgetPassphrase: boolean): Promise<void> {
    const key = locationKey(location);
    this.session.delete(key);
    if (forgetPassphrase) await this.secrets.delete(secretKeys.repositoryPassphrase(key));
  }

  lockAll(): void {
    this.session.clear();
  }

  /** `remember` false also drops a passphrase remembered before: the person chose not to keep it. */
  private async keep(key: string, repo: Repository, passphrase: string, remember: boolean | 'unchanged'): Promise<Repository> {
    if (remember === true) await this.secrets.set(secretKeys.repositoryPassphrase(key), passphrase);
    else if (remember === false) await this.secrets.delete(secretKeys.repositoryPassphrase(key));
    this.session.set(key, { passphrase, repo, indexNames: await indexNamesOf(repo) });
    this.catalog.rememberRepository({ id: repo.id, location: key });
    return repo;
  }
}
