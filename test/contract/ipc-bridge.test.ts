// The dev bridge: the built page with a strict CSP, and the wire protocol over a WebSocket only for this computer, our page's origin and the token.

import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDevBridge, type DevBridge } from '../../electron/engine/ipc/dev-bridge.ts';
import { tempDir, writeTree } from '../helpers/files.ts';

let bridge: DevBridge;
let work: string;
let origin: string;

beforeAll(async () => {
  work = await tempDir('airlock-bridge-');
  await writeTree(join(work, 'dist'), { 'index.html': '<!doctype html><title>Airlock</title>', 'assets/app.js': 'console.log(1);' });
  await writeTree(work, { 'secret.txt': 'not for the browser' });
  bridge = await startDevBridge({ home: join(work, 'home'), staticDir: join(work, 'dist') });
  origin = new URL(bridge.url).origin;
});

afterAll(async () => {
  await bridge.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, origin), { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket and says how it went: 'open', or the HTTP status the bridge refused with. */
function connect(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; outcome: 'open' } | { outcome: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      resolve({ ws, outcome: 'open' });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ outcome: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err);
    });
  });
}

function socketUrl(token: string | undefined): string {
  const url = new URL('/ws', origin);
  url.protocol = 'ws:';
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}

describe('the dev bridge', () => {
  it('listens on 127.0.0.1 and gives the page URL with its token', () => {
    const url = new URL(bridge.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toBe(bridge.token);
    expect(bridge.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the built renderer with a strict CSP and no referrer, and nothing outside it', async () => {
    const page = await get(bridge.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Airlock</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const script = await get('/assets/app.js');
    expect(script.headers['content-type']).toContain('text/javascript');
    expect((await get('/jobs/new')).body).toContain('<title>Airlock</title>');
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get('/assets/missing.js')).status).toBe(404);
  });

  it('refuses a request for another host name (DNS rebinding)', async () => {
    const port = new URL(origin).port;
    expect((await get('/', { Host: `evil.example:${port}` })).status).toBe(403);
  });

  it('refuses a socket without the token, with a wrong one, or from another origin', async () => {
    expect(await connect(socketUrl(undefined), { Origin: origin })).toEqual({ outcome: 401 });
    expect(await connect(socketUrl('x'.repeat(bridge.token.length)), { Origin: origin })).toEqual({ outcome: 401 });
    expect(await connect(socketUrl(bridge.token), { Origin: 'http://evil.example' })).toEqual({ outcome: 403 });
    expect(await connect(socketUrl(bridge.token), {})).toEqual({ outcome: 403 });
  });

  it('carries a call and its reply, a bad request as an error reply, and events', async () => {
    const opened = await connect(socketUrl(bridge.token), { Origin: origin });
    if (opened.outcome !== 'open') throw new Error(`the socket was refused with ${opened.outcome}`);
    const { ws } = opened;
    const messages: unknown[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (data: Buffer) => {
      messages.push(JSON.parse(data.toString('utf8')));
      for (const w of waiters.splice(0)) w();
    });
    const next = async (match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
      for (;;) {
        const found = messages.find((m) => match(m as Record<string, unknown>));
        if (found !== undefined) return found as Record<string, unknown>;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };

    ws.send(JSON.stringify({ id: 1, channel: 'fs.homeDir', input: {} }));
    expect(await next((m) => m.id === 1)).toMatchObject({ id: 1, ok: true, output: { path: expect.any(String) as string } });

    ws.send(JSON.stringify({ id: 2, channel: 'jobs.get', input: {} }));
    expect(await next((m) => m.id === 2)).toMatchObject({ id: 2, ok: false, error: { code: 'INVALID_INPUT' } });
    ws.send('not json');
    expect(await next((m) => m.id === 0)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });

    ws.send(JSON.stringify({ id: 3, channel: 'repositories.create', input: { path: join(work, 'repo'), passphrase: 'bridge passphrase', remember: false } }));
    expect(await next((m) => m.id === 3)).toMatchObject({ ok: true, output: { unlocked: true } });
    expect(await next((m) => m.event === 'status.changed')).toEqual({ event: 'status.changed', payload: {} });
    expect(JSON.stringify(messages)).not.toContain('bridge passphrase');
    ws.close();
  });
});
