// The contract over an in-memory transport: every request, reply and event goes through JSON and the wire envelope exactly as over a socket. For tests.

import { channels, events, type ChannelInput, type ChannelName, type ChannelOutput, type EventName, type EventPayload } from '../../../shared/ipc/contract.ts';
import { wireEvent, wireReply } from '../../../shared/ipc/wire.ts';
import type { EventListener, Router } from './router.ts';
import { answerRequest, forwardEvents } from './wire-server.ts';

/** A failure reply as the caller sees it: the code and sentence the engine sent, nothing more. */
export class RemoteError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'RemoteError';
    this.code = code;
  }
}

export interface ContractClient {
  call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  /** Sends anything, as a careless or hostile caller could. */
  callRaw(channel: string, input: unknown): Promise<unknown>;
  onEvent(listener: EventListener): () => void;
  close(): void;
}

function overTheWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

export function createMemoryTransport(router: Router): ContractClient {
  const listeners = new Set<EventListener>();
  let nextId = 1;
  const stopEvents = forwardEvents(router, (envelope) => {
    const message = wireEvent.parse(overTheWire(envelope));
    const name = message.event as EventName;
    const payload = events[name].parse(message.payload) as EventPayload<typeof name>;
    for (const listener of listeners) listener(name, payload);
  });

  const callRaw = async (channel: string, input: unknown): Promise<unknown> => {
    const reply = wireReply.parse(overTheWire(await answerRequest(router, overTheWire({ id: nextId++, channel, input }))));
    if (!reply.ok) throw new RemoteError(reply.error.code, reply.error.message);
    return reply.output;
  };

  return {
    async call(channel, input) {
      const output = await callRaw(channel, input);
      // The caller's side checks the answer against the contract too, as the renderer does.
      return channels[channel].output.parse(output) as ChannelOutput<typeof channel>;
    },
    callRaw,
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      stopEvents();
      listeners.clear();
    },
  };
}
