// buildShell's bundles: an ESM main process that leaves npm dependencies and electron outside, and a preload that runs as one sandboxed CommonJS file.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildShell } from '../../electron/build-shell.ts';
import { channelNames } from '../../shared/ipc/contract.ts';
import { eventChannel, type AirlockBridge } from '../../electron/preload/api.ts';

let outDir: string;
let main: string;
let preload: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'airlock-shell-'));
  await buildShell({ outDir });
  main = await readFile(join(outDir, 'main', 'index.js'), 'utf8');
  preload = await readFile(join(outDir, 'preload', 'index.cjs'), 'utf8');
}, 240_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** Module names a bundle loads at run time, by static import or require. */
function loadedModules(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm)) names.add(m[1]!);
  for (const m of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) names.add(m[1]!);
  return [...names].sort();
}

describe('main bundle', () => {
  it('is one ES module at out/main/index.js, as package.json "main" says', async () => {
    expect(await readdir(join(outDir, 'main'))).toEqual(['index.js']);
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { main: string; type: string };
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.type).toBe('module');
    expect(main).toMatch(/^\s*import\s.*["']electron["'];?$/m);
  });

  it('bundles our TypeScript but loads electron, Node built-ins and npm dependencies from outside', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const allowed = new Set(['electron', ...Object.keys(pkg.dependencies)]);
    const outside = loadedModules(main).filter((name) => !name.startsWith('node:') && !allowed.has(name) && !allowed.has(name.split('/')[0]!));
    expect(outside).toEqual([]);
    expect(loadedModules(main)).toContain('better-sqlite3');
    expect(main).not.toMatch(/["']electron\/(main|renderer|common)["']/);
    expect(main).not.toMatch(/\.ts["']/);
  });
});

describe('preload bundle', () => {
  it('is a single CommonJS file that loads nothing but electron', async () => {
    expect(await readdir(join(outDir, 'preload'))).toEqual(['index.cjs']);
    expect(loadedModules(preload)).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
  });

  // Runs the real bundle the way a sandboxed preload runs: a bare context whose `require` knows only 'electron'.
  function loadPreload() {
    let exposed: { key: string; api: AirlockBridge } | undefined;
    const invoked: { channel: string; input: unknown }[] = [];
    let reply: unknown = { id: 1, ok: true, output: { echoed: 'x' } };
    const listeners = new Map<string, Set<(event: unknown, message: unknown) => void>>();
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: AirlockBridge) => {
          exposed = { key, api };
        },
      },
      ipcRenderer: {
        invoke: (channel: string, input: unknown) => {
          invoked.push({ channel, input });
          return Promise.resolve(reply);
        },
        on: (channel: string, fn: (event: unknown, message: unknown) => void) => {
          const set = listeners.get(channel) ?? new Set();
          set.add(fn);
          listeners.set(channel, set);
        },
        removeListener: (channel: string, fn: (event: unknown, message: unknown) => void) => {
          listeners.get(channel)?.delete(fn);
        },
      },
    };
    const module = { exports: {} };
    runInNewContext(preload, {
      module,
      exports: module.exports,
      require: (name: string) => {
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      },
    });
    if (exposed === undefined) throw new Error('the preload exposed nothing');
    const send = (message: unknown) => {
      for (const fn of listeners.get(eventChannel) ?? []) fn({ sender: 'ipc internals' }, message);
    };
    return {
      exposed,
      invoked,
      listeners,
      send,
      replyWith: (next: unknown) => {
        reply = next;
      },
    };
  }

  it('exposes window.airlock, passing contract channels through and refusing others', async () => {
    const { exposed, invoked } = loadPreload();
    expect(exposed.key).toBe('airlock');
    for (const channel of channelNames) await exposed.api.invoke(channel, {});
    expect(invoked.map((i) => i.channel)).toEqual(channelNames);
    await expect(exposed.api.invoke('shell.openExternal' as never, {} as never)).rejects.toThrow(/Unknown Airlock channel/);
    expect(invoked).toHaveLength(channelNames.length);
  });

  it('unwraps the wire reply: the output, or a rejection with the code and sentence intact', async () => {
    const { exposed, replyWith } = loadPreload();
    replyWith({ id: 3, ok: true, output: { path: '/home/ana' } });
    expect(await exposed.api.invoke('fs.homeDir', {})).toEqual({ path: '/home/ana' });
    replyWith({ id: 4, ok: false, error: { code: 'WRONG_PASSPHRASE', message: 'The passphrase is wrong.' } });
    await expect(exposed.api.invoke('app.status', {})).rejects.toEqual({ code: 'WRONG_PASSPHRASE', message: 'The passphrase is wrong.' });
    replyWith('not an envelope');
    await expect(exposed.api.invoke('app.status', {})).rejects.toThrow(/cannot read/);
  });

  it('delivers only the asked-for event, without the IPC event object, until unsubscribed', () => {
    const { exposed, listeners, send } = loadPreload();
    const seen: unknown[] = [];
    const stop = exposed.api.on('status.changed', (payload) => {
      seen.push(payload);
    });
    send({ event: 'run.progress', payload: { runId: 'r' } });
    send({ event: 'status.changed', payload: {} });
    send('garbage');
    expect(seen).toEqual([{}]);
    stop();
    expect(listeners.get(eventChannel)?.size).toBe(0);
    send({ event: 'status.changed', payload: {} });
    expect(seen).toHaveLength(1);
    expect(() => exposed.api.on('no.such.event' as never, () => undefined)).toThrow(/Unknown Airlock event/);
  });
});
