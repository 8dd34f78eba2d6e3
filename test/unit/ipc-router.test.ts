// The router's edges: inputs checked in plain words, keys set to undefined read as absent (as Electron's structured clone sends them), errors as a code and a sentence only.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import { ContractError, createRouter, isChannelName, type Router } from '../../electron/engine/ipc/router.ts';
import { openEngineHome, type EngineHome } from '../helpers/engine-home.ts';

let h: EngineHome;
let router: Router;

beforeAll(async () => {
  h = await openEngineHome();
  router = createRouter(h.engine);
});

afterAll(async () => {
  await h.close();
});

describe('createRouter', () => {
  it('knows the contract channel names and nothing else', () => {
    expect(isChannelName('jobs.list')).toBe(true);
    expect(isChannelName('toString')).toBe(false);
    expect(isChannelName('jobs.launch')).toBe(false);
  });

  it('refuses a bad input with the field and the problem', async () => {
    const err = await router.call('jobs.previewSchedule', { schedule: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT' });
    expect((err as Error).message).toMatch(/^The request to jobs.previewSchedule was not valid: schedule: .*; timeZone: /);
  });

  it('reads keys set to undefined as absent, and a missing input as empty', async () => {
    await expect(router.call('activity.runs', { limit: undefined, jobId: undefined })).resolves.toEqual([]);
    await expect(router.call('runs.active', undefined)).resolves.toEqual([]);
    const job = await router.call('jobs.create', {
      job: { name: 'Cloned', sources: ['/srv/data'], repositories: ['/media/usb/backups'], schedule: 'daily at 01:00', timeZone: 'UTC', retention: undefined, timeoutMs: undefined },
      sourcePasswords: undefined,
    });
    expect(job).toMatchObject({ name: 'Cloned', retention: null, timeoutMs: null });
  });

  it('passes an AirlockError on as its code and sentence', () => {
    expect(router.toWireError(new AirlockError('WRONG_PASSPHRASE', 'Wrong passphrase for the repository at /x. Nothing was changed.'))).toEqual({
      code: 'WRONG_PASSPHRASE',
      message: 'Wrong passphrase for the repository at /x. Nothing was changed.',
    });
  });

  it('hides anything else behind a sentence and logs it instead', () => {
    const wire = router.toWireError(new Error('ECONNRESET at Socket.internal (/srv/app/node_modules/x.js:10)'));
    expect(wire.code).toBe('UNEXPECTED');
    expect(wire.message).not.toContain('ECONNRESET');
    expect(Object.keys(wire)).toEqual(['code', 'message']);
  });
});
