// The system tray icon and menu, redrawn from the engine's status whenever a run moves or the status changes.

import { join } from 'node:path';
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { ShellLanguage } from '../wording/shell-wording.ts';
import { trayView, type TrayAction, type TrayMenuItem, type TrayState, type TrayView } from './tray-model.ts';

export interface AppTrayOptions {
  /** The folder with ok.png, running.png, … (and their @2x versions). */
  readonly iconFolder: string;
  readonly readState: () => Promise<TrayState>;
  readonly language: () => ShellLanguage;
  readonly onAction: (action: TrayAction) => void;
  /** Called when reading the state fails; the tray keeps showing the last good one. */
  readonly onError: (err: unknown) => void;
}

function toTemplate(items: readonly TrayMenuItem[], onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'submenu':
        return { label: item.label, submenu: toTemplate(item.items, onAction) };
      case 'action':
        return {
          label: item.label,
          enabled: item.enabled,
          click: () => {
            onAction(item.action);
          },
        };
    }
  });
}

// Progress events arrive several times a second; the menu is rebuilt at most this often.
const minRefreshMs = 1_000;

export class AppTray {
  private readonly tray: Tray;
  private readonly options: AppTrayOptions;
  private shownIcon: TrayView['icon'] | undefined;
  private pending: NodeJS.Timeout | undefined;
  private lastRefresh = 0;
  private refreshing = false;

  constructor(options: AppTrayOptions) {
    this.options = options;
    this.tray = new Tray(this.icon('ok'));
    this.tray.setToolTip('Airlock');
    // On Windows and Linux a click on the icon should open the window; the menu is on right-click.
    this.tray.on('click', () => {
      options.onAction({ type: 'open' });
    });
  }

  private icon(name: TrayView['icon']): Electron.NativeImage {
    return nativeImage.createFromPath(join(this.options.iconFolder, `${name}.png`));
  }

  /** Asks for a redraw; bursts (progress events) collapse into one per second. */
  refreshSoon(): void {
    if (this.pending !== undefined) return;
    const wait = Math.max(0, this.lastRefresh + minRefreshMs - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.refresh();
    }, wait);
  }

  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshSoon();
      return;
    }
    this.refreshing = true;
    this.lastRefresh = Date.now();
    try {
      const view = trayView(await this.options.readState(), { now: new Date(), language: this.options.language() });
      if (this.tray.isDestroyed()) return;
      if (view.icon !== this.shownIcon) {
        this.tray.setImage(this.icon(view.icon));
        this.shownIcon = view.icon;
      }
      this.tray.setToolTip(view.tooltip);
      this.tray.setContextMenu(Menu.buildFromTemplate(toTemplate(view.menu, this.options.onAction)));
    } catch (err) {
      this.options.onError(err);
    } finally {
      this.refreshing = false;
    }
  }

  destroy(): void {
    if (this.pending !== undefined) clearTimeout(this.pending);
    this.pending = undefined;
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }
}
