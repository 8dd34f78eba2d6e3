// Repository channels: the known list, create/open with a passphrase, forget and lock, check with progress, stats and keys.

import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import { recordRun, refreshSnapshots } from '../../catalog/repository-sync.ts';
import { formatBytes, formatCount, plural } from '../../health/wording.ts';
import type { Engine } from '../../create-engine.ts';
import { addKey, changePassphrase, removeKey } from '../../repo/key-management.ts';
import { listKeys } from '../../repo/keys.ts';
import { LocalStorage } from '../../repo/local-storage.ts';
import type { Repository } from '../../repo/repository.ts';
import { repositoryStats } from '../../repo/stats.ts';
import { checkRepository } from '../../verify/check.ts';
import { iso, type HandlerMap } from '../handler.ts';
import { locationKey } from '../unlocked-repositories.ts';

type RepositoryInfo = ChannelOutput<'repositories.open'>;

function knownAt(catalog: Catalog, location: string): ReturnType<Catalog['listRepositories']>[number] | undefined {
  const key = locationKey(location);
  return catalog.listRepositories().find((r) => locationKey(r.location) === key);
}

async function infoOf(engine: Engine, location: string): Promise<RepositoryInfo> {
  const key = locationKey(location);
  const known = knownAt(engine.catalog, key);
  const available = await new LocalStorage(key).exists().catch(() => false);
  return {
    id: known?.id ?? null,
    location: key,
    lastSeenAt: iso(known?.lastSeenAt),
    available,
    unlocked: engine.repositories.isUnlocked(key),
    passphraseRemembered: await engine.repositories.isRemembered(key),
    snapshotCount: known === undefined || known.snapshotsRefreshedAt === null ? null : engine.catalog.listSnapshots(known.id).length,
  };
}

function audit(engine: Engine, action: string, repo: Repository, details: Record<string, string> = {}): void {
  engine.catalog.appendAudit({ actor: engine.actor, action, target: repo.storage.location, details: { repository: repo.id, ...details } });
}

export const repositoryHandlers: HandlerMap<
  | 'repositories.list'
  | 'repositories.create'
  | 'repositories.open'
  | 'repositories.forget'
  | 'repositories.lock'
  | 'repositories.check'
  | 'repositories.stats'
  | 'repositories.keys.list'
  | 'repositories.keys.add'
  | 'repositories.keys.remove'
  | 'repositories.keys.changePassphrase'
> = {
  async 'repositories.list'(engine) {
    const locations = [...new Set(engine.catalog.listRepositories().map((r) => locationKey(r.location)))];
    return Promise.all(locations.map((l) => infoOf(engine, l)));
  },

  async 'repositories.create'(engine, { path, passphrase, remember }) {
    const repo = await engine.repositories.create(path, passphrase, remember);
    await refreshSnapshots(engine.catalog, repo);
    audit(engine, 'repository.create', repo);
    engine.emit('status.changed', {});
    return infoOf(engine, repo.storage.location);
  },

  async 'repositories.open'(engine, { path, passphrase, remember }) {
    const repo = await engine.repositories.unlock(path, passphrase, remember);
    await refreshSnapshots(engine.catalog, repo);
    engine.emit('status.changed', {});
    return infoOf(engine, repo.storage.location);
  },

  async 'repositories.forget'(engine, { repository }) {
    const known = knownAt(engine.catalog, repository);
    await engine.repositories.lock(repository, true);
    const forgotten = known === undefined ? false : engine.catalog.forgetRepository(known.id);
    engine.emit('status.changed', {});
    return { forgotten };
  },

  async 'repositories.lock'(engine, { repository, forgetPassphrase }) {
    await engine.repositories.lock(repository, forgetPassphrase === true);
    return {};
  },

  async 'repositories.check'(engine, { repository, readDataPercent }) {
    const repo = await engine.repositories.open(repository);
    const readData = (readDataPercent ?? 0) / 100;
    const title = readData > 0 ? `Verify ${readDataPercent ?? 0}% of the data in ${repo.storage.location}` : `Check ${repo.storage.location}`;
    const runId = engine.runs.start('check', title, async ({ signal, progress }) => {
      const lock = await repo.lock('shared', 'check (app)');
      try {
        const report = await recordRun(
          engine.catalog,
          { kind: readData > 0 ? 'verify' : 'check', repositoryLocation: repo.storage.location, repositoryId: repo.id },
          () => checkRepository(repo, { readData, signal, onProgress: progress }),
          (r) => ({
            status: r.errors.length === 0 ? 'ok' : 'failed',
            warnings: r.warnings,
            ...(r.errors.length > 0 ? { error: { code: 'CORRUPT_DATA', message: `${r.errors.length} problem(s): ${r.errors.slice(0, 3).join(' ')}` } } : {}),
          }),
        );
        const counted = `${formatCount(report.snapshots)} ${plural(report.snapshots, 'snapshot', 'snapshots')}, ${formatCount(report.packs)} ${plural(report.packs, 'pack', 'packs')}`;
        const read = readData > 0 ? `; ${formatBytes(report.bytesRead)} read back and verified` : '';
        if (report.errors.length > 0) {
          return {
            state: 'failed',
            summary: `${formatCount(report.errors.length)} ${plural(report.errors.length, 'problem', 'problems')} found`,
            message: `The check found problems: ${report.errors.slice(0, 3).join(' ')} Do not prune; keep the drive as it is and see the recovery guide.`,
          };
        }
        return { state: 'succeeded', summary: `No errors found: ${counted}${read}.` };
      } finally {
        await lock.release();
      }
    });
    return { runId };
  },

  async 'repositories.stats'(engine, { repository }) {
    const stats = await repositoryStats(await engine.repositories.open(repository));
    return { ...stats, freeSpace: stats.freeSpace ?? null };
  },

  async 'repositories.keys.list'(engine, { repository }) {
    const repo = await engine.repositories.open(repository);
    const keys = await listKeys(repo.storage);
    return keys.map((k) => ({ id: k.id, createdAt: k.created, hostname: k.hostname, username: k.username, current: k.id === repo.keyId }));
  },

  async 'repositories.keys.add'(engine, { repository, newPassphrase }) {
    const repo = await engine.repositories.open(repository);
    const id = await addKey(repo, newPassphrase);
    audit(engine, 'key.add', repo, { key: id });
    return { id };
  },

  async 'repositories.keys.remove'(engine, { repository, keyId }) {
    const repo = await engine.repositories.open(repository);
    const removed = await removeKey(repo, keyId);
    audit(engine, 'key.remove', repo, { key: removed.id });
    return {};
  },

  async 'repositories.keys.changePassphrase'(engine, { repository, newPassphrase }) {
    const repo = await engine.repositories.open(repository);
    const id = await changePassphrase(repo, newPassphrase);
    await engine.repositories.replacePassphrase(repo.storage.location, newPassphrase);
    audit(engine, 'key.passwd', repo, { added: id, removed: repo.keyId });
    return { id };
  },
};
