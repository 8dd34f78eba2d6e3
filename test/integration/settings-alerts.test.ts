// One set of alert settings: what the app's Settings screen saves is what `airlock alerts` shows and uses, and the app's alert center mails through it at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { airlock } from '../helpers/cli.ts';
import { openEngineHome, type EngineHome } from '../helpers/engine-home.ts';
import { TinyRelay } from '../helpers/smtp-relay.ts';

describe('the SMTP relay set in the app is the one alerts use', () => {
  let h: EngineHome;
  let relay: TinyRelay;
  let port: number;
  const cli = (args: string[], env: Record<string, string> = {}) => airlock(args, { env: { AIRLOCK_HOME: h.home, ...env } });

  beforeAll(async () => {
    h = await openEngineHome();
    relay = new TinyRelay({ auth: true });
    port = await relay.listen();
  });

  afterAll(async () => {
    await relay.close();
    await h.close();
  });

  it('saves the relay, escalation and digest where `airlock alerts show` reads them, the password only in the secret store', async () => {
    const saved = await h.client.call('settings.set', {
      smtp: { host: '127.0.0.1', port, secure: false, username: 'airlock', from: 'airlock@clinic.test', to: ['it@clinic.test'] },
      escalateAfter: 2,
      digest: { at: '07:30', timeZone: 'UTC' },
      smtpPassword: 'relay-secret',
    });
    expect(saved).toMatchObject({
      smtp: { host: '127.0.0.1', port, username: 'airlock', from: 'airlock@clinic.test', to: ['it@clinic.test'], minLevel: 'warning' },
      escalateAfter: 2,
      digest: { at: '07:30', timeZone: 'UTC' },
      smtpPasswordSet: true,
    });

    const shown = await cli(['alerts', 'show', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toEqual({
      email: { host: '127.0.0.1', port, secure: false, username: 'airlock', from: 'airlock@clinic.test', to: ['it@clinic.test'], minLevel: 'warning' },
      escalateAfter: 2,
      digest: { at: '07:30', timeZone: 'UTC' },
    });
    expect(shown.stdout).not.toContain('relay-secret');
    const audit = await h.client.call('activity.audit', {});
    expect(JSON.stringify(audit.entries)).not.toContain('relay-secret');
  });

  it('mails an alert through the new relay at once, without a restart, logging in with the stored password', async () => {
    const before = relay.received.length;
    h.engine.alerts.raise({ level: 'critical', kind: 'escalation', jobId: 'office', title: 'Office has failed 2 times in a row', message: 'The disk is full.', time: new Date() });
    await h.engine.alerts.idle();
    expect(relay.received.slice(before)).toMatchObject([{ from: 'airlock@clinic.test', to: ['it@clinic.test'], auth: '\0airlock\0relay-secret' }]);
    expect(relay.received.at(-1)?.data).toContain('Office has failed 2 times in a row');
  });

  it('shows in the app what `airlock alerts set` changed, and `airlock alerts test` reaches the same relay', async () => {
    const set = await cli(['alerts', 'set', '--escalate-after', '5', '--no-digest']);
    expect(set.code, set.stderr).toBe(0);
    expect(await h.client.call('settings.get', {})).toMatchObject({ escalateAfter: 5, digest: null, smtp: { host: '127.0.0.1', port } });

    const before = relay.received.length;
    const tested = await cli(['alerts', 'test'], { AIRLOCK_SMTP_PASSWORD: 'relay-secret' });
    expect(tested.code, tested.stderr).toBe(0);
    expect(relay.received.slice(before)).toMatchObject([{ to: ['it@clinic.test'], auth: '\0airlock\0relay-secret' }]);
  });

  it('turns email off for both when the app clears the relay, keeping the app-only settings apart', async () => {
    const off = await h.client.call('settings.set', { smtp: null, language: 'ar' });
    expect(off).toMatchObject({ smtp: null, language: 'ar', escalateAfter: 5 });
    const shown = (await cli(['alerts', 'show', '--json'])).json<Record<string, unknown>>();
    expect(shown).toEqual({ escalateAfter: 5 });
    const before = relay.received.length;
    h.engine.alerts.raise({ level: 'critical', kind: 'escalation', jobId: 'office', title: 'Office failed again', message: 'm', time: new Date() });
    await h.engine.alerts.idle();
    expect(relay.received.length).toBe(before);
  });

  it('moves a relay an older app kept in its own settings into the shared ones on the next save', async () => {
    h.engine.catalog.setSetting('app.settings', { language: 'ar', smtp: { host: 'relay.lan', port: 2525, secure: false, username: null, from: 'a@office.test', to: ['b@office.test'] } });
    expect(await h.client.call('settings.get', {})).toMatchObject({ smtp: { host: 'relay.lan', port: 2525 } });
    await h.client.call('settings.set', { theme: 'dark' });
    expect(h.engine.catalog.getSetting('app.settings', z.record(z.string(), z.unknown()))).toEqual({ language: 'ar', theme: 'dark', notifications: true, startAtLogin: false });
    const shown = (await cli(['alerts', 'show', '--json'])).json<{ email?: { host: string } }>();
    expect(shown.email?.host).toBe('relay.lan');
  });
});
