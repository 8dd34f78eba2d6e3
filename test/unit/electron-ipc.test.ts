// The IPC request path: a foreign sender is refused before the router sees its payload; ours gets the router's answer in the wire envelope.

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { wireReply } from '../../shared/ipc/wire.ts';
import { handleInvoke, refusedSender, type ContractRouter } from '../../electron/main/ipc/invoke-handler.ts';
import { appEntryUrl } from '../../electron/main/security/app-origin.ts';

function recordingRouter(answer: (channel: string, input: unknown) => unknown): ContractRouter & { calls: { channel: string; input: unknown }[] } {
  const calls: { channel: string; input: unknown }[] = [];
  return {
    calls,
    call: (channel, input) => {
      calls.push({ channel, input });
      return Promise.resolve().then(() => answer(channel, input));
    },
    onEvent: () => () => undefined,
  };
}

const ours = { webContentsId: 5, frameUrl: appEntryUrl, isMainFrame: true };
const toWireError = (err: unknown) => ({ code: err instanceof z.ZodError ? 'INVALID_INPUT' : 'INTERNAL', message: 'Something went wrong.' });

describe('IPC invoke', () => {
  it('refuses a foreign sender without handing its payload to the router', async () => {
    const router = recordingRouter(() => ({}));
    for (const sender of [{ ...ours, webContentsId: 6 }, { ...ours, frameUrl: 'https://evil.example/' }, { ...ours, isMainFrame: false }]) {
      const reply = await handleInvoke(1, sender, 'repositories.open', { path: '/x', passphrase: 'p', remember: true }, { router, windowWebContentsId: 5, toWireError });
      expect(reply).toEqual({ id: 1, ok: false, error: refusedSender });
    }
    expect(await handleInvoke(2, ours, 'app.status', {}, { router, windowWebContentsId: undefined, toWireError })).toMatchObject({ ok: false, error: refusedSender });
    expect(router.calls).toEqual([]);
  });

  it("answers our window with the router's output in the wire envelope", async () => {
    const router = recordingRouter(() => ({ path: '/home/ana' }));
    const seen: unknown[] = [];
    const reply = await handleInvoke(7, ours, 'fs.homeDir', {}, { router, windowWebContentsId: 5, toWireError, afterCall: (channel, output) => seen.push([channel, output]) });
    expect(wireReply.parse(reply)).toEqual({ id: 7, ok: true, output: { path: '/home/ana' } });
    expect(router.calls).toEqual([{ channel: 'fs.homeDir', input: {} }]);
    expect(seen).toEqual([['fs.homeDir', { path: '/home/ana' }]]);
  });

  it("turns the router's failures into a code and a sentence, and skips the after-call hook", async () => {
    const router = recordingRouter(() => {
      throw new z.ZodError([]);
    });
    const seen: unknown[] = [];
    const reply = await handleInvoke(8, ours, 'jobs.get', { id: 42 }, { router, windowWebContentsId: 5, toWireError, afterCall: () => seen.push(1) });
    expect(wireReply.parse(reply)).toEqual({ id: 8, ok: false, error: { code: 'INVALID_INPUT', message: 'Something went wrong.' } });
    expect(seen).toEqual([]);
  });
});
