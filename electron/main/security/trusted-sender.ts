// Whether an IPC message comes from our own window's top frame showing our own page — checked before any payload is read.

import { isAppUrl } from './app-origin.ts';

/** What Electron tells us about the sender of an IPC message, reduced to plain values. */
export interface IpcSender {
  /** `event.sender.id`: the webContents that sent it. */
  readonly webContentsId: number;
  /** `event.senderFrame?.url`; undefined when the frame is gone (navigated away or destroyed). */
  readonly frameUrl: string | undefined;
  /** Whether `event.senderFrame` is the top frame (its `parent` is null). */
  readonly isMainFrame: boolean;
}

/**
 * True only for our main window's top frame on an app:// page. A sub-frame, another webContents (a devtools page, a
 * window that somehow opened) or a page on any other origin is refused even if it learned the channel names.
 */
export function isTrustedSender(sender: IpcSender, windowWebContentsId: number | undefined): boolean {
  if (windowWebContentsId === undefined || sender.webContentsId !== windowWebContentsId) return false;
  if (!sender.isMainFrame || sender.frameUrl === undefined) return false;
  return isAppUrl(sender.frameUrl);
}
