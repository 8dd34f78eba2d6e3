// Carries the contract over Electron IPC: one ipcMain handler per channel, and engine events sent on to the window.

import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { channelNames } from '../../../shared/ipc/contract.ts';
import type { WireError, WireEvent } from '../../../shared/ipc/wire.ts';
import { eventChannel } from '../../preload/api.ts';
import type { IpcSender } from '../security/trusted-sender.ts';
import { handleInvoke, type ContractRouter, type InvokeContext } from './invoke-handler.ts';

export interface IpcBridgeOptions {
  readonly router: ContractRouter;
  /** Our window's webContents while it exists: the only one allowed to call, and where events go. */
  readonly windowContents: () => WebContents | undefined;
  readonly toWireError: (err: unknown) => WireError;
  readonly afterCall?: InvokeContext['afterCall'];
}

function senderOf(event: IpcMainInvokeEvent): IpcSender {
  const frame = event.senderFrame;
  return { webContentsId: event.sender.id, frameUrl: frame?.url, isMainFrame: frame !== null && frame.parent === null };
}

/** Registers every channel; returns the function that removes them and stops forwarding events. */
export function wireIpc(options: IpcBridgeOptions): () => void {
  let nextId = 1;
  for (const channel of channelNames) {
    ipcMain.handle(channel, (event, rawInput: unknown) =>
      handleInvoke(nextId++, senderOf(event), channel, rawInput, {
        router: options.router,
        windowWebContentsId: options.windowContents()?.id,
        toWireError: options.toWireError,
        ...(options.afterCall === undefined ? {} : { afterCall: options.afterCall }),
      }),
    );
  }
  const stopEvents = options.router.onEvent((event, payload) => {
    const contents = options.windowContents();
    if (contents === undefined || contents.isDestroyed()) return;
    const message: WireEvent = { event, payload };
    contents.send(eventChannel, message);
  });
  return () => {
    stopEvents();
    for (const channel of channelNames) ipcMain.removeHandler(channel);
  };
}
