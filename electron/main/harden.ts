// Applies the security settings to the session and to every webContents: CSP, no remote requests, no permissions, no navigation or pop-ups.

import { app, dialog, session, shell, type BrowserWindow, type WebContents } from 'electron';
import { isAllowedRequest, isAppUrl } from './security/app-origin.ts';
import { withContentSecurityPolicy } from './security/content-security-policy.ts';
import { externalLinkQuestion, externalLinkTarget } from './security/external-links.ts';
import type { ShellLanguage } from './wording/shell-wording.ts';

export interface HardenOptions {
  /** The window a "leave Airlock?" question is attached to. */
  readonly parentWindow: () => BrowserWindow | undefined;
  readonly language: () => ShellLanguage;
}

/** Opens a web or mail link in the user's own program, but only after they said yes to the full address. */
async function offerExternal(url: string, options: HardenOptions): Promise<void> {
  const target = externalLinkTarget(url);
  if (target === undefined) return;
  const question = externalLinkQuestion(target, options.language());
  const box = { type: 'question' as const, message: question.message, detail: question.detail, buttons: [...question.buttons], defaultId: 0, cancelId: 0, noLink: true };
  const parent = options.parentWindow();
  const { response } = parent === undefined ? await dialog.showMessageBox(box) : await dialog.showMessageBox(parent, box);
  if (response === 1) await shell.openExternal(target);
}

function hardenContents(contents: WebContents, options: HardenOptions): void {
  // The page is a single-page app: it never navigates its top frame, so any attempt is a link to offer or an attack.
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url) && isAppUrl(contents.getURL())) return;
    event.preventDefault();
    void offerExternal(url, options);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    void offerExternal(url, options);
    return { action: 'deny' };
  });
}

export function harden(options: HardenOptions): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url) });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
  // No proxy auto-detection or downloads: nothing the page could trigger should touch the network or the disk.
  ses.on('will-download', (event) => {
    event.preventDefault();
  });
  app.on('web-contents-created', (_event, contents) => {
    hardenContents(contents, options);
  });
}
