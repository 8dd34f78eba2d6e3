// The real desktop app, launched where Electron's binary exists: the hardened window loads the renderer and `window.airlock` answers.

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShell } from '../../electron/build-shell.ts';
import { buildRenderer } from '../../scripts/build-app.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/**
 * Where the Electron binary is, found the way the electron package's own index.js finds it, but without its side effect: loading
 * the package on a machine without the binary starts a download.
 */
function electronBinary(): string | undefined {
  const pkg = join(projectRoot, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override !== undefined && override !== '' ? join(override, relative) : join(pkg, 'dist', relative);
  return existsSync(binary) ? binary : undefined;
}

const binary = electronBinary();

if (binary === undefined) {
  describe('Electron smoke test', () => {
    it.skip('Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD; it cannot be downloaded on this machine)', () => undefined);
  });
} else {
  describe('Electron smoke test', () => {
    let home = '';
    let app: ElectronApplication | undefined;

    beforeAll(async () => {
      // What `npm start` builds: the renderer into renderer/dist and the shell into out/, where `electron .` looks.
      await buildRenderer();
      await buildShell();
      home = await mkdtemp(join(tmpdir(), 'airlock-electron-'));
      const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
      app = await _electron.launch({
        executablePath: binary,
        args: [projectRoot, ...(headless ? ['--ozone-platform=headless'] : [])],
        env: { ...(process.env as Record<string, string>), AIRLOCK_HOME: home, ELECTRON_ENABLE_LOGGING: '1' },
        timeout: 60_000,
      });
    }, 300_000);

    afterAll(async () => {
      await app?.close();
      if (home !== '') await rm(home, { recursive: true, force: true });
    });

    it('shows the renderer from app:// in a window that has the bridge and no Node', async () => {
      const page = await app!.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(page.url()).toBe('app://airlock/index.html');
      expect(await page.evaluate('typeof window.airlock?.invoke')).toBe('function');
      expect(await page.evaluate('typeof window.airlock?.on')).toBe('function');
      expect(await page.evaluate('typeof require + typeof process')).toBe('undefinedundefined');
    });

    it('answers a contract call through IPC with the engine behind it, and rejects bad input with a code', async () => {
      const page = await app!.firstWindow();
      const settings = await page.evaluate<{ dataFolder: string }>("window.airlock.invoke('settings.get', {})");
      expect(settings.dataFolder).toBe(home);
      const error = await page.evaluate<{ code: string; message: string }>("window.airlock.invoke('jobs.get', { id: 42 }).then(() => null, (e) => e)");
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(/jobs\.get/);
      await expect(page.evaluate("window.airlock.invoke('no.such.channel', {})")).rejects.toThrow(/Unknown Airlock channel/);
    });

    it('keeps the page off the network', async () => {
      const page = await app!.firstWindow();
      const outcome = await page.evaluate("fetch('https://example.org/').then(() => 'reached', () => 'blocked')");
      expect(outcome).toBe('blocked');
      const headers = await page.evaluate("fetch('app://airlock/index.html').then((r) => r.headers.get('content-security-policy'))");
      expect(headers).toContain("default-src 'none'");
    });
  });
}
