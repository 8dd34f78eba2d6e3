// Start at login on Linux, where Electron's setLoginItemSettings does nothing: an XDG autostart entry — no Electron here.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const autostartFileName = 'airlock.desktop';
/** The flag a login start passes, so the app opens in the tray instead of putting a window in the user's face. */
export const hiddenFlag = '--hidden';

// The Desktop Entry spec: arguments with reserved characters go in double quotes, inside which " ` $ \ are escaped.
function quoteArgument(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The .desktop file that starts `command` (the executable, then its arguments) hidden at login. */
export function autostartEntry(command: readonly string[]): string {
  const exec = [...command, hiddenFlag].map(quoteArgument).join(' ').replace(/%/g, '%%');
  return ['[Desktop Entry]', 'Type=Application', 'Name=Airlock', 'Comment=Offline backups: runs scheduled jobs from the tray', `Exec=${exec}`, 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n');
}

/** `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart` when it is unset or (against the spec) relative. */
export function autostartFolder(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && xdg.startsWith('/') ? xdg : join(env.HOME ?? homedir(), '.config'), 'autostart');
}

export async function setLinuxAutostart(enabled: boolean, command: readonly string[], folder: string = autostartFolder()): Promise<void> {
  const file = join(folder, autostartFileName);
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(folder, { recursive: true });
  await writeFile(file, autostartEntry(command), { mode: 0o644 });
}
