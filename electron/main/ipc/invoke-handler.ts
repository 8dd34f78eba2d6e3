// One IPC request, start to finish, without Electron: check the sender, let the router validate and run it, answer in the wire envelope.

import type { ChannelName, EventName, EventPayload } from '../../../shared/ipc/contract.ts';
import type { WireError, WireReply } from '../../../shared/ipc/wire.ts';
import { isTrustedSender, type IpcSender } from '../security/trusted-sender.ts';

/** What the shell needs of the engine's router (electron/engine/ipc/router.ts). */
export interface ContractRouter {
  call(channel: ChannelName, rawInput: unknown): Promise<unknown>;
  onEvent(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void;
}

export interface InvokeContext {
  readonly router: ContractRouter;
  /** Our window's webContents id while it exists: the only sender allowed. */
  readonly windowWebContentsId: number | undefined;
  /** Turns a thrown error into the code and sentence the page may see. */
  readonly toWireError: (err: unknown) => WireError;
  /** Runs after a channel answered successfully (the shell reacts to settings it owns, such as start at login). */
  readonly afterCall?: (channel: ChannelName, output: unknown) => void;
}

export const refusedSender: WireError = {
  code: 'FORBIDDEN',
  message: 'This request did not come from the Airlock window, so it was refused.',
};

export async function handleInvoke(id: number, sender: IpcSender, channel: ChannelName, rawInput: unknown, context: InvokeContext): Promise<WireReply> {
  // Checked before the payload is so much as parsed: a foreign frame learns nothing, not even validation errors.
  if (!isTrustedSender(sender, context.windowWebContentsId)) return { id, ok: false, error: refusedSender };
  try {
    const output = await context.router.call(channel, rawInput);
    context.afterCall?.(channel, output);
    return { id, ok: true, output };
  } catch (err) {
    return { id, ok: false, error: context.toWireError(err) };
  }
}
