// An engine on a temporary home folder behind the in-memory transport, with every event recorded so a test can await a run's end.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../../shared/ipc/contract.ts';
import { createEngine, type Engine } from '../../electron/engine/create-engine.ts';
import { createMemoryTransport, type ContractClient } from '../../electron/engine/ipc/memory-transport.ts';
import { createRouter } from '../../electron/engine/ipc/router.ts';

export interface RecordedEvent {
  readonly event: EventName;
  readonly payload: unknown;
}

export interface EngineHome {
  readonly home: string;
  readonly engine: Engine;
  readonly client: ContractClient;
  readonly events: RecordedEvent[];
  /** Resolves with the run's final `run.state` (succeeded, partial, failed or cancelled), even if it came already. */
  finished(runId: string): Promise<EventPayload<'run.state'>>;
  close(): Promise<void>;
}

const finalStates = new Set(['succeeded', 'partial', 'failed', 'cancelled']);

export async function openEngineHome(): Promise<EngineHome> {
  const home = await mkdtemp(join(tmpdir(), 'airlock-engine-'));
  const engine = createEngine({ home, actor: 'test' });
  const client = createMemoryTransport(createRouter(engine));
  const events: RecordedEvent[] = [];
  const waiters = new Map<string, (state: EventPayload<'run.state'>) => void>();
  client.onEvent((event, payload) => {
    events.push({ event, payload });
    if (event !== 'run.state') return;
    const state = payload as EventPayload<'run.state'>;
    if (finalStates.has(state.state)) waiters.get(state.runId)?.(state);
  });
  return {
    home,
    engine,
    client,
    events,
    finished(runId) {
      const done = events.find((e) => e.event === 'run.state' && (e.payload as EventPayload<'run.state'>).runId === runId && finalStates.has((e.payload as EventPayload<'run.state'>).state));
      if (done !== undefined) return Promise.resolve(done.payload as EventPayload<'run.state'>);
      return new Promise((resolve) => waiters.set(runId, resolve));
    },
    async close() {
      client.close();
      await engine.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
