import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../electron/engine/repo/local-storage.ts';
import { MemoryStorage } from '../../electron/engine/repo/memory-storage.ts';
import { storageContract } from './storage.contract.ts';

storageContract('memory', () => Promise.resolve(new MemoryStorage()));
storageContract('local directory', async () => new LocalStorage(join(await mkdtemp(join(tmpdir(), 'airlock-storage-')), 'repo')));
