// Local folders and drives for the pickers (a browser has no native dialog): listing a folder, the home folder, mounted drives with their space.

import type { Dirent } from 'node:fs';
import { lstat, readdir, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ChannelOutput } from '../../../../shared/ipc/contract.ts';
import { AirlockError, describeIoError } from '../../errors.ts';
import { iso, type HandlerMap } from '../handler.ts';

type FsEntry = ChannelOutput<'fs.browse'>['entries'][number];
type DriveInfo = ChannelOutput<'drives.list'>[number];

/** A folder with more entries than this is cut short; a picker of a hundred thousand names helps no one. */
const maxEntries = 5000;

function kindOf(entry: Dirent): FsEntry['kind'] {
  if (entry.isDirectory()) return 'directory';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) return 'symlink';
  return 'other';
}

function codeOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

async function listFolder(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOENT') throw new AirlockError('PATH_NOT_FOUND', `There is no folder at ${path}. Check the path, or whether its drive is plugged in.`, { cause: err });
    if (code === 'ENOTDIR') throw new AirlockError('PATH_NOT_FOUND', `${path} is a file, not a folder.`, { cause: err });
    const described = describeIoError(err, `listing ${path}`);
    if (described instanceof AirlockError) throw described;
    throw new AirlockError('IO_ERROR', `The folder ${path} cannot be listed. Check that it is readable.`, { cause: err });
  }
}

async function spaceOf(path: string): Promise<{ freeBytes: number | null; totalBytes: number | null }> {
  try {
    const fs = await statfs(path);
    return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  } catch {
    return { freeBytes: null, totalBytes: null };
  }
}

// Desktops mount USB drives and cards under these folders; that is the best hint a plain read has.
const removableRoots = ['/media/', '/run/media/', '/mnt/', '/Volumes/'];

export const fileHandlers: HandlerMap<'fs.browse' | 'fs.homeDir' | 'drives.list'> = {
  async 'fs.browse'(_engine, { path, showHidden }) {
    if (!isAbsolute(path)) throw new AirlockError('USAGE', `"${path}" is not a full path. Start from the home folder or a drive.`);
    const folder = resolve(path);
    const dirents = (await listFolder(folder)).filter((d) => showHidden === true || !d.name.startsWith('.'));
    dirents.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
    const entries = await Promise.all(
      dirents.slice(0, maxEntries).map(async (d): Promise<FsEntry> => {
        const full = join(folder, d.name);
        const kind = kindOf(d);
        // A file that vanished or cannot be stat'ed still shows by name; the picker needs no more.
        const info = await lstat(full).catch(() => undefined);
        return { name: d.name, path: full, kind, size: kind === 'file' && info !== undefined ? info.size : null, modifiedAt: iso(info?.mtime) };
      }),
    );
    const parent = dirname(folder);
    return { path: folder, parent: parent === folder ? null : parent, entries };
  },

  'fs.homeDir'() {
    return Promise.resolve({ path: homedir() });
  },

  async 'drives.list'(engine) {
    const home = homedir();
    const listed = engine.drives.list();
    const drives = await Promise.all(
      listed.map(async (d): Promise<DriveInfo> => ({
        mountPath: d.mountPoint,
        label: d.label ?? null,
        uuid: d.uuid ?? null,
        device: null,
        fsType: null,
        ...(await spaceOf(d.mountPoint)),
        removable: removableRoots.some((root) => `${d.mountPoint}/`.startsWith(root)),
      })),
    );
    // The home folder is always offered, so that a computer whose drives the system does not name still has a choice.
    if (!drives.some((d) => d.mountPath === home)) {
      drives.unshift({ mountPath: home, label: null, uuid: null, device: null, fsType: null, ...(await spaceOf(home)), removable: false });
    }
    return drives;
  },
};
