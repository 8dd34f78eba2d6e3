// Start at login, opt-in from Settings: Electron's login items on Windows and macOS, an XDG autostart entry on Linux.

import { app } from 'electron';
import { hiddenFlag, setLinuxAutostart } from './linux-autostart.ts';

/** How to start this app again: the installed executable (the AppImage file itself, not its temporary mount), or electron plus the app folder in development. */
function launchCommand(): string[] {
  const executable = process.env.APPIMAGE ?? process.execPath;
  return app.isPackaged ? [executable] : [executable, app.getAppPath()];
}

export async function applyStartAtLogin(enabled: boolean): Promise<void> {
  if (process.platform === 'linux') {
    await setLinuxAutostart(enabled, launchCommand());
    return;
  }
  const [, ...appArgs] = launchCommand();
  app.setLoginItemSettings({ openAtLogin: enabled, args: [...appArgs, hiddenFlag] });
}

/** Whether this start came from the login item, in which case the app stays in the tray. */
export function startedAtLogin(argv: readonly string[]): boolean {
  return argv.includes(hiddenFlag) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
}
