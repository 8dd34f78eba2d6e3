// The typed API generated from the contract: one invoke and one on for every channel and event, outputs and payloads parsed with the contract's schemas.
import { channels, events, type ChannelInput, type ChannelName, type ChannelOutput, type EventName, type EventPayload } from '../../../shared/ipc/contract.ts';
import { ApiError, clientErrorCodes } from './errors.ts';
import type { Transport } from './transport.ts';

export interface AirlockClient {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createClient(transport: Transport): AirlockClient {
  return {
    async invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
      const raw = await transport.invoke(channel, input);
      const parsed = channels[channel].output.safeParse(raw);
      if (!parsed.success) {
        throw new ApiError(clientErrorCodes.badReply, `The engine answered "${channel}" in a form this window does not understand. Restart Airlock; if it keeps happening, reinstall it.`);
      }
      return parsed.data as ChannelOutput<C>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return transport.on(event, (payload) => {
        const parsed = events[event].safeParse(payload);
        // An event this window cannot read is dropped: the next status fetch still tells the truth.
        if (parsed.success) listener(parsed.data as EventPayload<E>);
      });
    },
  };
}
