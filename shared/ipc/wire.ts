// The envelope every transport carries (dev-bridge WebSocket, Electron IPC): requests, replies and events, as zod schemas.

import * as z from 'zod';

export const wireRequest = z.object({ id: z.number().int().nonnegative(), channel: z.string().min(1), input: z.unknown() });

/** Errors cross as a stable code and a plain sentence only: never a stack, never a secret. */
export const wireError = z.object({ code: z.string(), message: z.string() });

export const wireReply = z.discriminatedUnion('ok', [
  z.object({ id: z.number().int().nonnegative(), ok: z.literal(true), output: z.unknown() }),
  z.object({ id: z.number().int().nonnegative(), ok: z.literal(false), error: wireError }),
]);

export const wireEvent = z.object({ event: z.string().min(1), payload: z.unknown() });

/** What the engine side sends: a reply to one request, or an event for everyone. */
export const wireServerMessage = z.union([wireReply, wireEvent]);

export type WireRequest = z.output<typeof wireRequest>;
export type WireError = z.output<typeof wireError>;
export type WireReply = z.output<typeof wireReply>;
export type WireEvent = z.output<typeof wireEvent>;
export type WireServerMessage = z.output<typeof wireServerMessage>;
