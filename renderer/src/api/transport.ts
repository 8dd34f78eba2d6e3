// The two ways a request reaches the engine: Electron's preload bridge (window.airlock) or the dev bridge's WebSocket on 127.0.0.1.
import { wireServerMessage, type WireRequest } from '../../../shared/ipc/wire.ts';
import { ApiError, clientErrorCodes, toApiError } from './errors.ts';

export type Listener = (payload: unknown) => void;

/** Untyped on purpose: the client above it checks every output and payload against the contract. */
export interface Transport {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: string, listener: Listener): () => void;
}

/** What the Electron preload exposes through contextBridge. */
export interface PreloadBridge {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: string, listener: Listener): () => void;
}

declare global {
  interface Window {
    airlock?: PreloadBridge;
  }
}

export function preloadTransport(bridge: PreloadBridge): Transport {
  return {
    invoke: async (channel, input) => {
      try {
        return await bridge.invoke(channel, input);
      } catch (err) {
        throw toApiError(err);
      }
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

interface Pending {
  resolve: (output: unknown) => void;
  reject: (err: ApiError) => void;
}

export interface WebSocketTransport extends Transport {
  readonly state: () => ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

/**
 * Speaks the wire protocol over one WebSocket, reconnecting when it drops. Requests made while it is down wait for the
 * next connection; requests in flight when it drops fail with DISCONNECTED, as the engine may or may not have run them.
 */
export function webSocketTransport(url: string, reconnectMs = 1000): WebSocketTransport {
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<Listener>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const outbox: string[] = [];
  let nextId = 1;
  let state: ConnectionState = 'connecting';
  let socket: WebSocket | undefined;
  let closed = false;

  const setState = (next: ConnectionState): void => {
    state = next;
    for (const l of stateListeners) l(next);
  };

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const message = wireServerMessage.safeParse(parsed);
    if (!message.success) return;
    const m = message.data;
    if ('event' in m) {
      for (const l of listeners.get(m.event) ?? []) l(m.payload);
      return;
    }
    const waiting = pending.get(m.id);
    if (!waiting) return;
    pending.delete(m.id);
    if (m.ok) waiting.resolve(m.output);
    else waiting.reject(new ApiError(m.error.code, m.error.message));
  };

  const connect = (): void => {
    setState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      setState('open');
      for (const text of outbox.splice(0)) ws.send(text);
    });
    ws.addEventListener('message', (e: MessageEvent) => {
      onMessage(e.data);
    });
    ws.addEventListener('close', () => {
      socket = undefined;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new ApiError(clientErrorCodes.disconnected, 'The connection to the Airlock engine was lost before it answered.'));
      }
      setState('closed');
      if (!closed) setTimeout(connect, reconnectMs);
    });
  };
  connect();

  return {
    invoke: (channel, input) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const request: WireRequest = { id, channel, input };
        pending.set(id, { resolve, reject });
        const text = JSON.stringify(request);
        if (socket?.readyState === WebSocket.OPEN) socket.send(text);
        else outbox.push(text);
      }),
    on: (event, listener) => {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    state: () => state,
    onState: (listener) => {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close: () => {
      closed = true;
      socket?.close();
    },
  };
}
