// The Electron main process: one engine, the window, the tray, IPC and the OS services (secrets, notifications, login item). Thin by design.

import { dirname, join } from 'node:path';
import { app, dialog } from 'electron';
import { catalogPath } from '../engine/catalog/location.ts';
import { createEngine, type Engine } from '../engine/create-engine.ts';
import { AirlockError } from '../engine/errors.ts';
import { createRouter } from '../engine/ipc/router.ts';
import { registerAppScheme, serveAppProtocol } from './app-protocol.ts';
import { harden } from './harden.ts';
import { wireIpc } from './ipc/ipc-bridge.ts';
import { applyStartAtLogin, startedAtLogin } from './login/login-item.ts';
import { MainWindow } from './main-window.ts';
import { desktopNotifier } from './notifier.ts';
import { quitConfirmation } from './quit-confirmation.ts';
import { createSafeStorageSecretStore } from './secrets/safe-storage.ts';
import { AppTray } from './tray/tray.ts';
import { trayStateFromStatus, type TrayAction } from './tray/tray-model.ts';
import { isShellLanguage, type ShellLanguage } from './wording/shell-wording.ts';

// Both must happen before `ready`: scheme privileges and the sandbox for every renderer are fixed at start-up.
registerAppScheme();
app.enableSandbox();

/** The sentence for a start-up failure: ours as written; anything else with its own message, the only clue there is without a window. */
function startupMessage(err: unknown): string {
  if (err instanceof AirlockError) return err.message;
  return `Airlock could not start: ${err instanceof Error ? err.message : String(err)}`;
}

async function main(): Promise<void> {
  // Windows shows notifications only for an app with this id (the installer's appId).
  if (process.platform === 'win32') app.setAppUserModelId('org.airlock.desktop');
  await app.whenReady();
  // The same home as the CLI and `airlock daemon` (AIRLOCK_HOME or the platform's data folder), so they share the
  // catalog and the scheduler lock.
  const home = dirname(catalogPath());
  const appRoot = app.getAppPath();
  serveAppProtocol(join(appRoot, 'renderer', 'dist'));

  let quitting = false;
  let language: ShellLanguage = 'en';
  let notificationsOn = true;
  let startAtLogin: boolean | undefined;

  const window = new MainWindow({
    preload: join(appRoot, 'out', 'preload', 'index.cjs'),
    icon: join(appRoot, 'resources', 'icon.png'),
    devTools: !app.isPackaged,
    quitting: () => quitting,
  });
  harden({ parentWindow: () => window.current, language: () => language });
  // Registered before the slow part of start-up so that a second launch meanwhile is not lost.
  app.on('second-instance', () => {
    window.show();
  });
  // macOS: a click on the Dock icon with no window open.
  app.on('activate', () => {
    window.show();
  });

  const engine: Engine = createEngine({
    home,
    secrets: await createSafeStorageSecretStore(home),
    notifier: desktopNotifier(() => Promise.resolve(notificationsOn), () => {
      window.show();
    }),
  });
  const router = createRouter(engine);

  const applySettings = (settings: { language: string; notifications: boolean; startAtLogin: boolean }): void => {
    if (isShellLanguage(settings.language)) language = settings.language;
    notificationsOn = settings.notifications;
    if (settings.startAtLogin !== startAtLogin) {
      startAtLogin = settings.startAtLogin;
      applyStartAtLogin(settings.startAtLogin).catch((err: unknown) => {
        engine.log.write('warn', 'app.login-item-failed', { message: err instanceof Error ? err.message : String(err) });
      });
    }
  };
  applySettings(await router.call('settings.get', {}));

  const tray = new AppTray({
    iconFolder: join(appRoot, 'resources', 'tray'),
    readState: async () => trayStateFromStatus(await router.call('app.status', {}), engine.scheduling),
    language: () => language,
    onAction: (action) => {
      void trayAction(action);
    },
    onError: (err) => {
      engine.log.write('warn', 'tray.refresh-failed', { message: err instanceof Error ? err.message : String(err) });
    },
  });

  async function trayAction(action: TrayAction): Promise<void> {
    try {
      switch (action.type) {
        case 'open':
          window.show();
          return;
        case 'backup':
          await router.call('jobs.runNow', { id: action.jobId });
          return;
        case 'pause-all':
        case 'resume-all': {
          const pause = action.type === 'pause-all';
          for (const job of await router.call('jobs.list', {})) {
            if (job.paused !== pause) await router.call(pause ? 'jobs.pause' : 'jobs.resume', { id: job.id });
          }
          tray.refreshSoon();
          return;
        }
        case 'quit':
          app.quit();
          return;
      }
    } catch (err) {
      dialog.showErrorBox('Airlock', router.toWireError(err).message);
    }
  }

  const stopIpc = wireIpc({
    router,
    windowContents: () => window.current?.webContents,
    toWireError: (err) => router.toWireError(err),
    afterCall: (channel, output) => {
      if (channel === 'settings.set' || channel === 'settings.get') applySettings(output as Parameters<typeof applySettings>[0]);
      if (channel.startsWith('jobs.')) tray.refreshSoon();
    },
  });
  const stopTrayEvents = router.onEvent((event) => {
    if (event === 'status.changed' || event === 'run.state' || event === 'run.progress') tray.refreshSoon();
  });
  // Times in the menu ("Next: nightly, 2:00 PM") go stale without any event; look again every minute.
  const minuteTimer = setInterval(() => {
    tray.refreshSoon();
  }, 60_000);

  engine.start();
  await tray.refresh();

  // The window only hides on close; should every window still go, the app lives on in the tray.
  app.on('window-all-closed', () => undefined);

  /** Whether to go ahead with quitting: yes at once when nothing runs, else only if the person says so. */
  async function confirmQuit(): Promise<boolean> {
    let running: number;
    try {
      running = (await router.call('runs.active', {})).filter((r) => r.state === 'running' || r.state === 'queued').length;
    } catch {
      return true;
    }
    const question = quitConfirmation(running, language);
    if (question === undefined) return true;
    const box = { type: 'warning' as const, message: question.message, detail: question.detail, buttons: [...question.buttons], defaultId: 0, cancelId: 0, noLink: true };
    const parent = window.current;
    const { response } = parent === undefined ? await dialog.showMessageBox(box) : await dialog.showMessageBox(parent, box);
    return response === 1;
  }

  let asking = false;
  // Every way out (tray Quit, Cmd+Q, the OS ending the session) passes here: ask, then close the engine cleanly first.
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    if (asking) return;
    asking = true;
    void confirmQuit().then(async (quit) => {
      asking = false;
      if (!quit) return;
      quitting = true;
      clearInterval(minuteTimer);
      stopTrayEvents();
      stopIpc();
      tray.destroy();
      try {
        await engine.close();
      } catch (err) {
        // The log may be closed by now; stderr is the last place left to say it.
        process.stderr.write(`Airlock did not close cleanly: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      app.quit();
    });
  });

  if (!startedAtLogin(process.argv)) window.show();
}

// A second copy of the app only wakes the first (which shows its window) and leaves.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  main().catch((err: unknown) => {
    dialog.showErrorBox('Airlock', startupMessage(err));
    app.exit(1);
  });
}
