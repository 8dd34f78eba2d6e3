// Picks the transport for this window: the Electron preload when present, else the dev bridge named by the page URL's token.
import { createClient, type AirlockClient } from './client.ts';
import { preloadTransport, webSocketTransport, type ConnectionState } from './transport.ts';

export interface Connection {
  readonly client: AirlockClient;
  /** Only the WebSocket can drop; the preload bridge is always 'open'. */
  readonly onState: (listener: (state: ConnectionState) => void) => () => void;
}

/** The dev bridge's WebSocket address for a page it served: same host and port, token from the page URL. */
export function bridgeSocketUrl(page: URL): string | undefined {
  const token = page.searchParams.get('token');
  if (token === null || token === '') return undefined;
  const ws = new URL('/ws', page);
  ws.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.search = new URLSearchParams({ token }).toString();
  return ws.toString();
}

export function connect(win: Window): Connection | undefined {
  if (win.airlock) return { client: createClient(preloadTransport(win.airlock)), onState: () => () => undefined };
  const url = bridgeSocketUrl(new URL(win.location.href));
  if (url === undefined) return undefined;
  const transport = webSocketTransport(url);
  return { client: createClient(transport), onState: (l) => transport.onState(l) };
}
