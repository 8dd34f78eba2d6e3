// The real main-process bundle, run under plain Node with a stand-in for the electron module: startup, IPC, protocol, hardening, tray and quit wired together.

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShell } from '../../electron/build-shell.ts';
import { acquireInstanceLock, currentHolder } from '../../electron/engine/jobs/instance-lock.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/**
 * Records what the main process asks of Electron and plays a scenario once the app is up: calls over IPC from our
 * window and from a stranger, app:// requests, a pop-up, a permission, the tray menu, then Quit. The Electron binary
 * cannot run here; this proves the wiring around it. The real thing is test/e2e/electron-smoke.test.ts.
 */
const standIn = String.raw`
import { EventEmitter } from 'node:events';
const projectRoot = process.env.STANDIN_APP_PATH;
const log = (key, value) => process.stdout.write('@@' + JSON.stringify([key, value]) + '\n');
const ipcHandlers = new Map();
const windows = [];
let protocolHandler, beforeRequest, headersReceived, permissionRequest, permissionCheck, trayMenu;
const trayStates = [];
const appEvents = new EventEmitter();
let quitCalls = 0;
let nextId = 1;
class FakeContents extends EventEmitter {
  constructor() { super(); this.id = nextId++; this.sent = []; }
  send(channel, message) { this.sent.push([channel, message]); }
  isDestroyed() { return false; }
  setWindowOpenHandler(fn) { this.openHandler = fn; }
  getURL() { return 'app://airlock/index.html'; }
}
export class BrowserWindow extends EventEmitter {
  constructor(options) { super(); this.options = options; this.webContents = new FakeContents(); this.visible = false; windows.push(this); appEvents.emit('web-contents-created', {}, this.webContents); }
  loadURL(url) { this.url = url; setImmediate(() => this.emit('ready-to-show')); return Promise.resolve(); }
  isDestroyed() { return false; }
  isMinimized() { return false; }
  show() { this.visible = true; }
  hide() { this.visible = false; }
  focus() {}
  restore() {}
}
export const app = {
  isPackaged: false,
  whenReady: () => Promise.resolve(),
  enableSandbox: () => log('sandbox', true),
  requestSingleInstanceLock: () => true,
  getAppPath: () => projectRoot,
  setAppUserModelId() {},
  getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
  setLoginItemSettings() {},
  on: (name, fn) => { appEvents.on(name, fn); return app; },
  quit: () => {
    quitCalls++;
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    appEvents.emit('before-quit', event);
    if (!event.defaultPrevented) { log('tray', trayStates); log('quit', { quitCalls, windowsVisible: windows.map((w) => w.visible) }); process.exit(0); }
  },
  exit: (code) => { log('exit', code); process.exit(code); },
};
export const protocol = {
  registerSchemesAsPrivileged: (schemes) => log('schemes', schemes),
  handle: (scheme, fn) => { protocolHandler = fn; log('protocol', scheme); },
};
export const session = { defaultSession: {
  setPermissionRequestHandler: (fn) => { permissionRequest = fn; },
  setPermissionCheckHandler: (fn) => { permissionCheck = fn; },
  setDevicePermissionHandler() {},
  webRequest: { onBeforeRequest: (fn) => { beforeRequest = fn; }, onHeadersReceived: (fn) => { headersReceived = fn; } },
  on() {},
} };
export const ipcMain = { handle: (channel, fn) => ipcHandlers.set(channel, fn), removeHandler: (channel) => ipcHandlers.delete(channel) };
export const nativeTheme = { shouldUseDarkColors: false };
export const dialog = { showMessageBox: () => Promise.resolve({ response: 0 }), showErrorBox: (title, message) => log('error-box', message) };
export const shell = { openExternal: (url) => log('open-external', url) };
export const Menu = { buildFromTemplate: (template) => template };
export const nativeImage = { createFromPath: (path) => ({ path }) };
export class Tray extends EventEmitter {
  setToolTip(text) { this.tooltip = text; }
  setImage(image) { this.image = image; }
  setContextMenu(menu) { trayMenu = menu; trayStates.push({ tooltip: this.tooltip, image: this.image?.path.split('/').pop(), labels: menu.map((i) => i.label ?? '---') }); }
  isDestroyed() { return false; }
  destroy() {}
}
export class Notification extends EventEmitter { static isSupported() { return false; } show() {} }
export const safeStorage = {
  isAsyncEncryptionAvailable: () => Promise.resolve(true),
  getSelectedStorageBackend: () => 'basic_text',
  encryptStringAsync: (s) => Promise.resolve(Buffer.from(s).reverse()),
  decryptStringAsync: (b) => Promise.resolve({ result: Buffer.from(b).reverse().toString(), shouldReEncrypt: false }),
};

async function scenario() {
  const win = windows[0];
  if (process.env.STANDIN_SHORT === '1') return trayMenu.find((i) => i.label === 'Quit Airlock').click();
  log('window', { url: win.url, visible: win.visible, webPreferences: win.options.webPreferences });
  const ours = { sender: win.webContents, senderFrame: { url: 'app://airlock/index.html', parent: null } };
  const stranger = { sender: new FakeContents(), senderFrame: { url: 'app://airlock/index.html', parent: null } };
  log('channels', [...ipcHandlers.keys()].length);
  log('settings', await ipcHandlers.get('settings.get')(ours, {}));
  log('stranger', await ipcHandlers.get('settings.get')(stranger, {}));
  log('bad-input', await ipcHandlers.get('jobs.get')(ours, { id: 42 }));
  const page = await protocolHandler(new Request('app://airlock/index.html'));
  log('page', { status: page.status, csp: page.headers.get('content-security-policy'), type: page.headers.get('content-type') });
  const escape = await protocolHandler(new Request('app://airlock/..%2f..%2fpackage.json'));
  log('escape', escape.status);
  const cancelled = (url) => new Promise((resolve) => beforeRequest({ url }, (r) => resolve(r.cancel)));
  log('requests', { remote: await cancelled('https://example.org/'), own: await cancelled('app://airlock/assets/x.js') });
  log('headers', await new Promise((resolve) => headersReceived({ responseHeaders: { 'content-security-policy': ['default-src *'] } }, (r) => resolve(r.responseHeaders))));
  log('permission', await new Promise((resolve) => permissionRequest(win.webContents, 'media', resolve)) || permissionCheck());
  log('popup', win.webContents.openHandler({ url: 'https://example.org/' }));
  const navigation = { prevented: false, preventDefault() { this.prevented = true; } };
  win.webContents.emit('will-navigate', navigation, 'https://evil.example/');
  log('navigation-blocked', navigation.prevented);
  const closing = { prevented: false, preventDefault() { this.prevented = true; } };
  win.emit('close', closing);
  log('close-hides', { prevented: closing.prevented, visible: win.visible });
  // A real backup, started from the tray: the repository and job are made over IPC as the window would.
  const work = process.env.STANDIN_WORK;
  log('repository', await ipcHandlers.get('repositories.create')(ours, { path: work + '/repo', passphrase: 'correct horse battery staple', remember: true }));
  const job = await ipcHandlers.get('jobs.create')(ours, { job: { name: 'documents', sources: [work + '/documents'], repositories: [work + '/repo'], schedule: 'every day at 02:00', timeZone: 'UTC' } });
  log('job', job.ok);
  const backUp = await until(() => trayMenu.find((i) => i.label === 'Back up now')?.submenu?.find((i) => i.label === 'documents'));
  backUp.click();
  const finished = await until(() => win.webContents.sent.find(([, m]) => m.event === 'run.state' && ['succeeded', 'partial', 'failed'].includes(m.payload.state)));
  log('run-finished', { channel: finished[0], state: finished[1].payload.state, message: finished[1].payload.message ?? null, progressEvents: win.webContents.sent.filter(([, m]) => m.event === 'run.progress').length });
  log('snapshots', (await ipcHandlers.get('snapshots.list')(ours, { repository: work + '/repo' })).output?.length);
  // The tray redraws at most once a second; give it the chance to show the state after the run.
  await until(() => (trayStates.at(-1)?.image === 'ok.png' && trayStates.at(-1)?.labels[1]?.startsWith('Next: documents') ? true : undefined));
  trayMenu.find((i) => i.label === 'Pause all jobs').click();
  await until(() => trayMenu.find((i) => i.label === 'Resume all jobs'));
  log('paused', { jobs: (await ipcHandlers.get('jobs.list')(ours, {})).output.map((j) => j.paused), tray: trayStates.at(-1) });
  trayMenu.find((i) => i.label === 'Quit Airlock').click();
}

function until(find) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const found = find();
      if (found !== undefined) { clearInterval(timer); resolve(found); }
      else if (Date.now() - started > 30000) { clearInterval(timer); reject(new Error('timed out waiting: ' + find)); }
    }, 20);
  });
}

// Start the scenario once main has finished starting: the tray shows its first real state.
const started = setInterval(() => {
  if (trayMenu !== undefined && windows[0]?.visible) { clearInterval(started); scenario().catch((err) => { log('scenario-failed', String(err?.stack ?? err)); process.exit(1); }); }
}, 20);
`;

const hooks = String.raw`
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: process.env.STANDIN_ELECTRON_URL, shortCircuit: true };
  return next(specifier, context);
}
`;

let dir: string;
let outDir: string;

interface MainRun {
  readonly events: Map<string, unknown>;
  readonly exitCode: number | null;
  readonly stderr: string;
}

/** Runs the built main process in a child Node with the stand-in electron and returns what it logged. */
async function runMain(home: string, extraEnv: Record<string, string> = {}): Promise<MainRun> {
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(outDir, 'main', 'index.js')], {
    env: { ...process.env, AIRLOCK_HOME: home, STANDIN_APP_PATH: projectRoot, STANDIN_WORK: dir, STANDIN_ELECTRON_URL: pathToFileURL(join(dir, 'electron.mjs')).href, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const events = new Map<string, unknown>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('@@')) continue;
    const [key, value] = JSON.parse(line.slice(2)) as [string, unknown];
    events.set(key, value);
  }
  return { events, exitCode, stderr };
}

let events: Map<string, unknown>;
let exitCode: number | null;
let stderr: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-main-'));
  outDir = join(dir, 'out');
  await buildShell({ outDir });
  await mkdir(join(dir, 'home'));
  await mkdir(join(dir, 'documents'));
  await writeFile(join(dir, 'documents', 'letter.txt'), 'Dear Ana, the backup works.\n');
  await writeFile(join(dir, 'electron.mjs'), standIn);
  await writeFile(join(dir, 'hooks.mjs'), hooks);
  await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  // The bundle finds better-sqlite3 and the other dependencies the way the installed app does: in node_modules above it.
  await symlink(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'junction');
  ({ events, exitCode, stderr } = await runMain(join(dir, 'home')));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('main process wiring', () => {
  it('starts, runs the scenario and quits cleanly', () => {
    expect(events.get('scenario-failed'), stderr).toBeUndefined();
    expect(exitCode, stderr).toBe(0);
    expect(events.get('quit')).toEqual({ quitCalls: 2, windowsVisible: [false] });
  });

  it('sandboxes every renderer, registers app:// before ready and opens a hardened window on it', () => {
    expect(events.get('sandbox')).toBe(true);
    expect(events.get('schemes')).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } }]);
    expect(events.get('window')).toMatchObject({
      url: 'app://airlock/index.html',
      visible: true,
      webPreferences: { preload: join(projectRoot, 'out', 'preload', 'index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
    });
  });

  it('answers every contract channel for our window, and refuses a stranger', () => {
    expect(events.get('channels')).toBeGreaterThan(40);
    expect(events.get('settings')).toMatchObject({ ok: true, output: { language: 'en', dataFolder: join(dir, 'home') } });
    expect(events.get('stranger')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(events.get('bad-input')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('serves the page with the CSP and refuses to climb out of the renderer folder', () => {
    expect(events.get('page')).toMatchObject({ csp: expect.stringContaining("default-src 'none'") as unknown });
    expect(events.get('escape')).toBe(404);
    expect(events.get('requests')).toEqual({ remote: true, own: false });
    expect(events.get('headers')).toEqual({ 'Content-Security-Policy': [expect.stringContaining("script-src 'self'")] });
  });

  it('denies permissions, pop-ups and navigation, and hides the window on close', () => {
    expect(events.get('permission')).toBe(false);
    expect(events.get('popup')).toEqual({ action: 'deny' });
    expect(events.get('navigation-blocked')).toBe(true);
    // The stand-in's dialog answers "Cancel" to "Open this link outside Airlock?": nothing may have been opened.
    expect(events.has('open-external')).toBe(false);
    expect(events.get('close-hides')).toEqual({ prevented: true, visible: false });
  });

  it('runs a backup from the tray and forwards its progress and end to the window', () => {
    expect(events.get('repository')).toMatchObject({ ok: true, output: { passphraseRemembered: true } });
    expect(events.get('job')).toBe(true);
    expect(events.get('run-finished')).toMatchObject({ channel: 'airlock:event', state: 'succeeded', message: null });
    expect(events.get('snapshots')).toBe(1);
  });

  it('pauses every job from the tray, and then offers to resume them', () => {
    expect(events.get('paused')).toMatchObject({ jobs: [true], tray: { image: 'paused.png', labels: expect.arrayContaining(['All jobs are paused', 'No backup scheduled', 'Resume all jobs']) as unknown } });
  });

  it('keeps the remembered passphrase only in encrypted form', async () => {
    const file = await readFile(join(dir, 'home', 'secrets.json'), 'utf8');
    expect(file).toContain('repository:');
    expect(file).not.toContain('correct horse');
  });

  it('shows the state in the tray: all good, then the new job and its next run', () => {
    const states = events.get('tray') as { tooltip: string; image: string; labels: string[] }[];
    expect(states[0]).toEqual({ image: 'ok.png', tooltip: 'Airlock — All backups are OK', labels: ['All backups are OK', 'No backup scheduled', '---', 'Open Airlock', 'Back up now', 'Pause all jobs', '---', 'Quit Airlock'] });
    // The exact wording of the time depends on the zone the test runs in; the tray-model test pins it down.
    const afterRun = states.findLast((state) => state.labels[1]?.startsWith('Next: documents, '));
    expect(afterRun).toMatchObject({ image: 'ok.png', tooltip: 'Airlock — All backups are OK' });
    expect(afterRun?.labels).toContain('Back up now');
  });
});


describe('alongside airlock daemon', () => {
  it('leaves scheduling to the daemon that holds the lock, and says so in the tray', async () => {
    const home = join(dir, 'daemon-home');
    const lock = acquireInstanceLock(home, 'daemon');
    try {
      const run = await runMain(home, { STANDIN_SHORT: '1' });
      expect(run.exitCode, run.stderr).toBe(0);
      const states = run.events.get('tray') as { labels: string[] }[];
      expect(states.at(-1)?.labels).toContain('Scheduled by airlock daemon');
      // The app did not take the lock from the daemon, nor remove it on the way out.
      expect(currentHolder(home)?.role).toBe('daemon');
    } finally {
      lock.release();
    }
  }, 120_000);
});
