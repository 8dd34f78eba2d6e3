// The dev bridge: the renderer in a plain browser against the real engine — static files and the wire protocol over a WebSocket, on 127.0.0.1 only, behind a random token.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, relative, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createEngine } from '../create-engine.ts';
import { createRouter } from './router.ts';
import { contentTypeFor } from './renderer-file-types.ts';
import { answerRequest, forwardEvents } from './wire-server.ts';

export interface DevBridgeOptions {
  /** The folder of the engine's catalog (AIRLOCK_HOME). */
  readonly home: string;
  /** The built renderer; default renderer/dist. */
  readonly staticDir?: string;
  /** Default 0: a free port the system picks. */
  readonly port?: number;
}

export interface DevBridge {
  /** The page to open, with the token: http://127.0.0.1:PORT/?token=… */
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

const socketPath = '/ws';
/** A request bigger than this is not one the renderer sends. */
const maxMessageBytes = 4 * 1024 * 1024;

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function securityHeaders(port: number): Record<string, string> {
  return {
    // Mantine writes style attributes and <style> elements, hence 'unsafe-inline' for styles only; scripts stay strict.
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; '),
    // The page URL carries the token: it must never leave in a Referer header.
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Airlock</title>
<p>The Airlock window has not been built yet. Stop this and run <code>npm run web -- --build</code>.</p>`;

export async function startDevBridge(options: DevBridgeOptions): Promise<DevBridge> {
  const staticDir = resolve(options.staticDir ?? join('renderer', 'dist'));
  const token = randomBytes(24).toString('base64url');
  const engine = createEngine({ home: options.home });
  const router = createRouter(engine);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void => {
    res.writeHead(status, { ...securityHeaders(port), 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(head ? undefined : body);
  };

  /** A file of the built renderer; anything that is not a file falls back to the page, as a single-page app expects. */
  const serveStatic = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      send(res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD are served here.', false);
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'Bad request.', head);
      return;
    }
    const file = resolve(staticDir, `.${pathname}`);
    const inside = relative(staticDir, file);
    if (inside.startsWith('..') || inside.includes(`..${sep}`) || pathname.includes('\0')) {
      send(res, 404, 'text/plain; charset=utf-8', 'Not found.', head);
      return;
    }
    const isFile = await stat(file).then((s) => s.isFile(), () => false);
    const chosen = isFile ? file : extname(pathname) === '' ? join(staticDir, 'index.html') : undefined;
    if (chosen === undefined) {
      send(res, 404, 'text/plain; charset=utf-8', 'Not found.', head);
      return;
    }
    const body = await readFile(chosen).catch(() => undefined);
    if (body === undefined) {
      send(res, 503, 'text/html; charset=utf-8', notBuilt, head);
      return;
    }
    send(res, 200, contentTypeFor(chosen), body, head);
  };

  const server = createServer((req, res) => {
    // A page on another site can point a name it controls at 127.0.0.1 (DNS rebinding); the Host header tells.
    if (!allowedHosts().includes(req.headers.host ?? '') || !isLoopback(req.socket.remoteAddress)) {
      send(res, 403, 'text/plain; charset=utf-8', 'Only this computer may use the Airlock dev bridge.', false);
      return;
    }
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'The file could not be read.', false);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  /** Why a WebSocket may not open, as an HTTP status line; undefined when it may. */
  const upgradeRefusal = (req: IncomingMessage): string | undefined => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== socketPath) return '404 Not Found';
    if (!isLoopback(req.socket.remoteAddress) || !allowedHosts().includes(req.headers.host ?? '')) return '403 Forbidden';
    // Any page the browser shows could open a socket to 127.0.0.1; only our own page's origin may.
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return '403 Forbidden';
    if (!sameToken(url.searchParams.get('token'), token)) return '401 Unauthorized';
    return undefined;
  };

  server.on('upgrade', (req, socket, head) => {
    const refusal = upgradeRefusal(req);
    if (refusal !== undefined) {
      refuse(socket, refusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, req);
    });
  });

  wss.on('connection', (ws: WebSocket) => {
    const stopEvents = forwardEvents(router, (envelope) => {
      ws.send(JSON.stringify(envelope));
    });
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let message: unknown;
        try {
          const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
          message = isBinary ? undefined : JSON.parse(bytes.toString('utf8'));
        } catch {
          message = undefined;
        }
        const reply = await answerRequest(router, message);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      })();
    });
    ws.on('close', stopEvents);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  engine.start();

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    close() {
      closing ??= (async () => {
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((done) => {
          wss.close(() => {
            done();
          });
        });
        server.closeAllConnections();
        await new Promise<void>((done) => {
          server.close(() => {
            done();
          });
        });
        await engine.close();
      })();
      return closing;
    },
  };
}
