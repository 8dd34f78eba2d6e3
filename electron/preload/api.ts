// The typed `window.airlock` API the preload exposes to the renderer, and the one IPC channel engine events arrive on.

import type { ChannelInput, ChannelName, ChannelOutput, EventName, EventPayload } from '../../shared/ipc/contract.ts';

export interface AirlockBridge {
  /**
   * Calls an engine channel and resolves with its output. A failure rejects with a plain `{ code, message }` (the
   * wire's error), not an Error: contextBridge would keep only an Error's message and drop its code. A channel
   * name that is not in the contract rejects with an Error.
   */
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  /** Listens to an engine event; returns the function that stops listening. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Main sends every engine event on this channel as a wire event `{ event, payload }`. */
export const eventChannel = 'airlock:event';
