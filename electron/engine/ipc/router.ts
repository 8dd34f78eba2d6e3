// Maps the contract's channels to engine calls: input checked with the channel's schema, output shaped by it, errors as a code and a sentence. Knows nothing of Electron.

import { channels, eventNames, type ChannelName, type ChannelOutput, type EventName, type EventPayload } from '../../../shared/ipc/contract.ts';
import type { WireError } from '../../../shared/ipc/wire.ts';
import type { Engine } from '../create-engine.ts';
import { AirlockError } from '../errors.ts';
import type { Handler, HandlerMap } from './handler.ts';
import { activityHandlers } from './handlers/activity.ts';
import { fileHandlers } from './handlers/files.ts';
import { jobHandlers } from './handlers/jobs.ts';
import { repositoryHandlers } from './handlers/repositories.ts';
import { restoreHandlers } from './handlers/restore.ts';
import { runHandlers } from './handlers/runs.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { snapshotHandlers } from './handlers/snapshots.ts';
import { sourceHandlers } from './handlers/sources.ts';
import { statusHandlers } from './handlers/status.ts';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface Router {
  /** Calls a channel with input from outside (not yet validated); rejects with an error `toWireError` can carry. */
  call<C extends ChannelName>(channel: C, rawInput: unknown): Promise<ChannelOutput<C>>;
  /** Every engine event, as the contract names it; returns the function that stops listening. */
  onEvent(listener: EventListener): () => void;
  /** The code and sentence a caller may see: never a stack, never internals. */
  toWireError(err: unknown): WireError;
}

/** Problems with a request itself rather than with what it asked for. */
export class ContractError extends Error {
  readonly code: 'INVALID_INPUT' | 'UNKNOWN_CHANNEL' | 'INTERNAL';

  constructor(code: ContractError['code'], message: string) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
  }
}

export function isChannelName(name: string): name is ChannelName {
  return Object.hasOwn(channels, name);
}

const handlers: HandlerMap<ChannelName> = {
  ...statusHandlers,
  ...repositoryHandlers,
  ...fileHandlers,
  ...sourceHandlers,
  ...jobHandlers,
  ...runHandlers,
  ...snapshotHandlers,
  ...restoreHandlers,
  ...activityHandlers,
  ...settingsHandlers,
};

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function describeIssues(issues: readonly Issue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      return where === '' ? issue.message : `${where}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * The input as JSON would carry it: Electron's structured clone keeps keys set to undefined (which the engine's
 * exact optional fields refuse) and class instances, a socket never does; every transport then means the same.
 */
function asJson(rawInput: unknown): unknown {
  if (rawInput === undefined) return {};
  try {
    return JSON.parse(JSON.stringify(rawInput)) as unknown;
  } catch {
    throw new ContractError('INVALID_INPUT', 'The request could not be read as JSON.');
  }
}

const unexpected: WireError = {
  code: 'UNEXPECTED',
  message: 'Something unexpected went wrong. Nothing already stored was harmed; try again, and if it repeats, look at the log in the Airlock data folder.',
};

export function createRouter(engine: Engine): Router {
  const call = async <C extends ChannelName>(channel: C, rawInput: unknown): Promise<ChannelOutput<C>> => {
    if (!isChannelName(channel)) throw new ContractError('UNKNOWN_CHANNEL', `There is no channel "${String(channel)}".`);
    const contract = channels[channel];
    const input = contract.input.safeParse(asJson(rawInput));
    if (!input.success) throw new ContractError('INVALID_INPUT', `The request to ${channel} was not valid: ${describeIssues(input.error.issues)}.`);
    // TypeScript cannot tie `handlers[channel]` to the input parsed for the same `channel`; the map's type does.
    const handler = handlers[channel] as Handler<C>;
    const output = contract.output.safeParse(await handler(engine, input.data as Parameters<Handler<C>>[1]));
    if (!output.success) {
      // The engine broke its own contract: a bug to log in full, not a sentence for the person.
      engine.log.write('error', 'ipc.bad-output', { channel, issues: describeIssues(output.error.issues) });
      throw new ContractError('INTERNAL', unexpected.message);
    }
    return output.data as ChannelOutput<C>;
  };

  return {
    call,
    onEvent(listener) {
      const stops = eventNames.map((name) =>
        engine.on(name, (payload) => {
          listener(name, payload);
        }),
      );
      return () => {
        for (const stop of stops) stop();
      };
    },
    toWireError(err) {
      if (err instanceof AirlockError) return { code: err.code, message: err.message };
      if (err instanceof ContractError) return { code: err.code, message: err.message };
      engine.log.write('error', 'ipc.unexpected', { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
      return unexpected;
    },
  };
}
