// The one Airlock window: hardened, shown on demand, hidden (not destroyed) on close so the app lives on in the tray.

import { BrowserWindow, nativeTheme } from 'electron';
import { appEntryUrl } from './security/app-origin.ts';
import { hardenedWebPreferences } from './security/web-preferences.ts';

export interface MainWindowOptions {
  readonly preload: string;
  readonly icon: string;
  readonly devTools: boolean;
  /** True once the user chose Quit: then closing really closes. */
  readonly quitting: () => boolean;
}

export class MainWindow {
  private window: BrowserWindow | undefined;
  private readonly options: MainWindowOptions;

  constructor(options: MainWindowOptions) {
    this.options = options;
  }

  /** The window while it exists, for IPC sender checks and dialogs. */
  get current(): BrowserWindow | undefined {
    return this.window !== undefined && !this.window.isDestroyed() ? this.window : undefined;
  }

  /** Creates the window if needed, then brings it to the front. */
  show(): void {
    const existing = this.current;
    if (existing !== undefined) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return;
    }
    const window = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 760,
      minHeight: 520,
      show: false,
      title: 'Airlock',
      icon: this.options.icon,
      // Avoids a white flash before the dark theme paints.
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#1a1b1e' : '#ffffff',
      autoHideMenuBar: true,
      webPreferences: hardenedWebPreferences(this.options.preload, { devTools: this.options.devTools }),
    });
    window.once('ready-to-show', () => {
      window.show();
    });
    // Scheduled backups must go on with no window: closing hides it, and the tray brings it back.
    window.on('close', (event) => {
      if (this.options.quitting()) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      this.window = undefined;
    });
    this.window = window;
    void window.loadURL(appEntryUrl);
  }
}
