// The shape of a channel handler: the engine and the channel's validated input in, the channel's output out.

import type * as z from 'zod';
import type { ChannelName, ChannelOutput, channels } from '../../../shared/ipc/contract.ts';
import type { Engine } from '../create-engine.ts';

/** The input after the contract's schema parsed it (defaults filled in). */
export type HandlerInput<C extends ChannelName> = z.output<(typeof channels)[C]['input']>;

export type Handler<C extends ChannelName> = (engine: Engine, input: HandlerInput<C>) => Promise<ChannelOutput<C>>;

export type HandlerMap<C extends ChannelName> = { readonly [K in C]: Handler<K> };

export function iso(date: Date): string;
export function iso(date: Date | null | undefined): string | null;
export function iso(date: Date | null | undefined): string | null {
  return date === null || date === undefined ? null : date.toISOString();
}
