// The main process's security settings, tested under plain Node: webPreferences, the CSP, sender checks, app:// URLs and external links.

import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeFor } from '../../electron/engine/ipc/renderer-file-types.ts';
import { appEntryUrl, isAllowedRequest, isAppUrl, resolveAppAsset } from '../../electron/main/security/app-origin.ts';
import { contentSecurityPolicy, withContentSecurityPolicy } from '../../electron/main/security/content-security-policy.ts';
import { externalLinkQuestion, externalLinkTarget } from '../../electron/main/security/external-links.ts';
import { isTrustedSender } from '../../electron/main/security/trusted-sender.ts';
import { hardenedWebPreferences } from '../../electron/main/security/web-preferences.ts';

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name ?? '', values]));
}

describe('webPreferences', () => {
  const prefs = hardenedWebPreferences('/app/out/preload/index.cjs', { devTools: false });

  it('isolates and sandboxes the renderer, without Node', () => {
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
  });

  it('turns on nothing that loads code or reaches the network on its own', () => {
    expect(prefs.spellcheck).toBe(false);
    expect(prefs.devTools).toBe(false);
    expect(hardenedWebPreferences('/p', { devTools: true }).devTools).toBe(true);
    expect(Object.keys(prefs).sort()).toEqual(
      ['allowRunningInsecureContent', 'contextIsolation', 'devTools', 'experimentalFeatures', 'navigateOnDragDrop', 'nodeIntegration', 'nodeIntegrationInSubFrames', 'nodeIntegrationInWorker', 'preload', 'safeDialogs', 'sandbox', 'spellcheck', 'webSecurity', 'webviewTag'],
    );
  });
});

describe('Content-Security-Policy', () => {
  const csp = directives(contentSecurityPolicy);

  it('denies by default and lets scripts come only from the app itself', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const name of ['object-src', 'frame-src', 'frame-ancestors', 'base-uri', 'form-action', 'worker-src']) expect(csp.get(name), name).toEqual(["'none'"]);
  });

  it('allows no inline or evaluated script and no remote host anywhere', () => {
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
    expect(contentSecurityPolicy).not.toContain("'unsafe-eval'");
    expect(contentSecurityPolicy).not.toMatch(/https?:|ws:|wss:|\*/);
  });

  it('replaces whatever CSP a response brought, in any letter case, and keeps the other headers', () => {
    const headers = withContentSecurityPolicy({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [contentSecurityPolicy] });
    expect(withContentSecurityPolicy(undefined)).toEqual({ 'Content-Security-Policy': [contentSecurityPolicy] });
  });
});

describe('IPC sender check', () => {
  const windowId = 7;
  const ok = { webContentsId: windowId, frameUrl: appEntryUrl, isMainFrame: true };

  it('accepts our window showing our page', () => {
    expect(isTrustedSender(ok, windowId)).toBe(true);
    expect(isTrustedSender({ ...ok, frameUrl: 'app://airlock/index.html#/restore' }, windowId)).toBe(true);
  });

  it('refuses another webContents, a sub-frame, a destroyed frame, or no window at all', () => {
    expect(isTrustedSender({ ...ok, webContentsId: 8 }, windowId)).toBe(false);
    expect(isTrustedSender({ ...ok, isMainFrame: false }, windowId)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: undefined }, windowId)).toBe(false);
    expect(isTrustedSender(ok, undefined)).toBe(false);
  });

  it('refuses our window once it shows any other page', () => {
    for (const frameUrl of ['https://evil.example/', 'file:///app/renderer/dist/index.html', 'app://other/index.html', 'app://airlock.evil/index.html', 'app://user@airlock/index.html', 'about:blank', 'devtools://devtools/bundled/inspector.html', 'not a url']) {
      expect(isTrustedSender({ ...ok, frameUrl }, windowId), frameUrl).toBe(false);
    }
  });
});

describe('app:// assets', () => {
  const root = join(sep, 'opt', 'Airlock', 'renderer', 'dist');

  it('maps our URLs to files under the renderer build', () => {
    expect(resolveAppAsset('app://airlock/', root)).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(appEntryUrl, root)).toBe(join(root, 'index.html'));
    expect(resolveAppAsset('app://airlock/assets/index-abc.js?v=1#x', root)).toBe(join(root, 'assets', 'index-abc.js'));
    expect(resolveAppAsset('app://airlock/fonts/Inter%20Variable.woff2', root)).toBe(join(root, 'fonts', 'Inter Variable.woff2'));
  });

  it('never names a file outside the renderer build', () => {
    for (const url of [
      'app://airlock/../secrets.json',
      'app://airlock/%2e%2e/%2e%2e/etc/passwd',
      'app://airlock/assets/..%2f..%2fcatalog.db',
      'app://airlock/assets%5c..%5c..%5cmain.js',
      'app://airlock/a%00.js',
      'app://airlock/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'https://airlock/index.html',
    ]) {
      const resolved = resolveAppAsset(url, root);
      if (resolved !== undefined) expect(resolved.startsWith(root + sep), `${url} -> ${resolved}`).toBe(true);
      else expect(resolved).toBeUndefined();
    }
        expect(resolveAppAsset('app://airlock/assets/..%2f..%2fcatalog.db', root)).toBeUndefined();
    expect(resolveAppAsset('app://airlock/a%00.js', root)).toBeUndefined();
    expect(resolveAppAsset('app://other/index.html', root)).toBeUndefined();
  });

  it('recognises only its own origin', () => {
    expect(isAppUrl(appEntryUrl)).toBe(true);
    expect(isAppUrl('app://airlock:8080/index.html')).toBe(false);
    expect(isAppUrl('http://airlock/index.html')).toBe(false);
  });

  it('lets the page load its own files and nothing from the network or the disk', () => {
    expect(isAllowedRequest('app://airlock/assets/index.js')).toBe(true);
    expect(isAllowedRequest('data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=')).toBe(true);
    for (const url of ['https://cdn.example/font.woff2', 'http://127.0.0.1:8080/', 'ws://127.0.0.1:9000/', 'file:///etc/passwd', 'blob:https://x/1']) {
      expect(isAllowedRequest(url), url).toBe(false);
    }
  });

  it('serves scripts with a JavaScript type, which module scripts require', () => {
    expect(contentTypeFor('/x/index-abc.js')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('/x/INDEX.HTML')).toMatch(/^text\/html/);
    expect(contentTypeFor('/x/font.woff2')).toBe('font/woff2');
    expect(contentTypeFor('/x/blob')).toBe('application/octet-stream');
  });
});

describe('external links', () => {
  it('asks before leaving, showing the whole address, with staying as the default', () => {
    const q = externalLinkQuestion('https://example.org/a?b=c', 'en');
    expect(q.detail).toBe('https://example.org/a?b=c');
    expect(q.buttons[0]).toBe('Cancel');
    expect(externalLinkQuestion('https://example.org/', 'ar').buttons[0]).toBe('إلغاء');
  });

  it('offers web and mail links', () => {
    expect(externalLinkTarget('https://example.org/help')).toBe('https://example.org/help');
    expect(externalLinkTarget('http://intranet.local/')).toBe('http://intranet.local/');
    expect(externalLinkTarget('mailto:it@example.org')).toBe('mailto:it@example.org');
  });

  it('refuses links that run programs or read local files', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'ms-msdt:/id', 'app://airlock/index.html', 'https://user:pw@example.org/', 'not a url', '']) {
      expect(externalLinkTarget(url), url).toBeUndefined();
    }
  });
});
