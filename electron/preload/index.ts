// The sandboxed preload: exposes `window.airlock` (invoke a contract channel, listen to engine events) and nothing else.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelNames, eventNames } from '../../shared/ipc/contract.ts';
import { wireEvent, wireReply } from '../../shared/ipc/wire.ts';
import { eventChannel, type AirlockBridge } from './api.ts';

const knownChannels: ReadonlySet<string> = new Set(channelNames);
const knownEvents: ReadonlySet<string> = new Set(eventNames);

/** Main answers in the wire envelope; the page gets the output, or a rejection carrying the error's code and sentence. */
async function unwrap(reply: Promise<unknown>): Promise<never> {
  const parsed = wireReply.safeParse(await reply);
  if (!parsed.success) throw new Error('The Airlock engine sent a reply this window cannot read.');
  if (parsed.data.ok) return parsed.data.output as never;
  // A plain object survives contextBridge whole, where an Error would lose its code.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw { code: parsed.data.error.code, message: parsed.data.error.message };
}

// The page may call these with anything at all, whatever the types say: every argument is checked as unknown.
const bridge: AirlockBridge = {
  invoke(channel: unknown, input: unknown) {
    // Only the contract's names ever reach ipcRenderer.
    if (typeof channel !== 'string' || !knownChannels.has(channel)) return Promise.reject(new Error(`Unknown Airlock channel: ${String(channel)}`));
    return unwrap(ipcRenderer.invoke(channel, input));
  },
  on(event: unknown, listener: unknown) {
    if (typeof event !== 'string' || !knownEvents.has(event)) throw new Error(`Unknown Airlock event: ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('An Airlock event listener must be a function.');
    // The IPC event object is never handed to the page: it carries `sender`, a way back into ipcRenderer.
    const handler = (_event: IpcRendererEvent, message: unknown): void => {
      const parsed = wireEvent.safeParse(message);
      if (parsed.success && parsed.data.event === event) (listener as (payload: unknown) => void)(parsed.data.payload);
    };
    ipcRenderer.on(eventChannel, handler);
    return () => {
      ipcRenderer.removeListener(eventChannel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('airlock', bridge);
