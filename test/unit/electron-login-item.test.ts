// Start at login on Linux: the XDG autostart entry is written, quoted so that odd install paths still start, and removed when turned off.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autostartEntry, autostartFolder, setLinuxAutostart } from '../../electron/main/login/linux-autostart.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-autostart-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Linux autostart entry', () => {
  it('starts the app hidden in the tray', () => {
    const entry = autostartEntry(['/opt/Airlock/airlock-desktop']);
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Airlock\n');
    expect(entry).toContain('\nExec=/opt/Airlock/airlock-desktop --hidden\n');
  });

  it('quotes paths with spaces and escapes characters the spec reserves', () => {
    const entry = autostartEntry(['/home/ana/My Apps/Airlock.AppImage']);
    expect(entry).toContain('Exec="/home/ana/My Apps/Airlock.AppImage" --hidden');
    expect(autostartEntry(['/x/$HOME`rm`"q"\\/100%'])).toContain('Exec="/x/\\$HOME\\`rm\\`\\"q\\"\\\\/100%%" --hidden');
  });

  it('follows XDG_CONFIG_HOME when it is absolute', () => {
    expect(autostartFolder({ XDG_CONFIG_HOME: '/cfg', HOME: '/home/ana' })).toBe('/cfg/autostart');
    expect(autostartFolder({ XDG_CONFIG_HOME: 'relative', HOME: '/home/ana' })).toBe('/home/ana/.config/autostart');
    expect(autostartFolder({ HOME: '/home/ana' })).toBe('/home/ana/.config/autostart');
  });

  it('writes the entry when turned on and removes it when turned off', async () => {
    const folder = join(dir, 'autostart');
    await setLinuxAutostart(true, ['/usr/bin/airlock-desktop'], folder);
    expect(await readFile(join(folder, 'airlock.desktop'), 'utf8')).toContain('Exec=/usr/bin/airlock-desktop --hidden');
    await setLinuxAutostart(false, ['/usr/bin/airlock-desktop'], folder);
    expect(await readdir(folder)).toEqual([]);
    await setLinuxAutostart(false, ['/usr/bin/airlock-desktop'], folder);
  });
});
