// The engine side of the wire protocol, for any transport that carries text: one request in, one reply out; events as envelopes.

import { wireRequest, type WireEvent, type WireReply } from '../../../shared/ipc/wire.ts';
import type { Router } from './router.ts';

/** Answers one request envelope (already JSON-parsed); never throws, every failure is a reply. */
export async function answerRequest(router: Router, message: unknown): Promise<WireReply> {
  const request = wireRequest.safeParse(message);
  if (!request.success) {
    const id = typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'number' ? message.id : 0;
    return { id, ok: false, error: { code: 'INVALID_INPUT', message: 'The request was not in the form { id, channel, input }.' } };
  }
  const { id, channel, input } = request.data;
  try {
    // The channel name is checked by the router; a name it does not know is an error reply like any other.
    const output: unknown = await router.call(channel as Parameters<Router['call']>[0], input);
    return { id, ok: true, output };
  } catch (err) {
    return { id, ok: false, error: router.toWireError(err) };
  }
}

/** Sends every engine event through `send` as an envelope; returns the function that stops. */
export function forwardEvents(router: Router, send: (event: WireEvent) => void): () => void {
  return router.onEvent((event, payload) => {
    send({ event, payload });
  });
}
