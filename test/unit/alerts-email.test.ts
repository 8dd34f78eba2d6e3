// Alert email through a real SMTP conversation with a tiny relay on a local socket (test/helpers/smtp-relay.ts).

import { afterEach, describe, expect, it } from 'vitest';
import { parseAlertSettings, type EmailSettings } from '../../electron/engine/alerts/alert-settings.ts';
import { emailNotifier } from '../../electron/engine/alerts/email-notifier.ts';
import type { Alert } from '../../electron/engine/alerts/notifier.ts';
import { AirlockError } from '../../electron/engine/errors.ts';
import { TinyRelay } from '../helpers/smtp-relay.ts';

const relays: TinyRelay[] = [];
afterEach(async () => {
  for (const r of relays.splice(0)) await r.close();
});

async function relay(options?: ConstructorParameters<typeof TinyRelay>[0]): Promise<{ relay: TinyRelay; settings: EmailSettings }> {
  const r = new TinyRelay(options);
  relays.push(r);
  const port = await r.listen();
  const settings = parseAlertSettings({ email: { host: '127.0.0.1', port, from: 'airlock@office.test', to: ['it@office.test', 'boss@office.test'], ...(options?.auth === true ? { username: 'airlock' } : {}) } }).email;
  if (settings === undefined) throw new Error('no email settings');
  return { relay: r, settings };
}

const failed: Alert = { level: 'warning', kind: 'run-failed', title: 'Backup Office failed', message: 'The backup job Office failed. The disk is full.', time: new Date('2025-06-02T02:00:00Z'), jobId: 'office' };

describe('emailNotifier', () => {
  it('hands an alert to the configured relay, from and to the configured addresses', async () => {
    const { relay: r, settings } = await relay();
    await emailNotifier(settings, { timeoutMs: 5000 }).notify(failed);
    expect(r.received).toHaveLength(1);
    const mail = r.received[0]!;
    expect(mail.from).toBe('airlock@office.test');
    expect(mail.to).toEqual(['it@office.test', 'boss@office.test']);
    expect(mail.data).toMatch(/^Subject: \[Airlock\] Backup Office failed$/m);
    expect(mail.data).toContain('The backup job Office failed. The disk is full.');
  });

  it('marks critical alerts in the subject and leaves out alerts below the configured level', async () => {
    const { relay: r, settings } = await relay();
    const email = emailNotifier({ ...settings, minLevel: 'critical' }, { timeoutMs: 5000 });
    await email.notify(failed);
    expect(r.connections).toBe(0);
    await email.notify({ ...failed, level: 'critical', kind: 'escalation', title: 'Office has failed 3 times in a row' });
    expect(r.received.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1])).toEqual(['[Airlock] ACTION NEEDED: Office has failed 3 times in a row']);
  });

  it('logs in with the password it is given, which goes to the relay and nowhere else', async () => {
    const { relay: r, settings } = await relay({ auth: true });
    await emailNotifier(settings, { password: 'smtp-secret-1', timeoutMs: 5000 }).send({ subject: 'digest', text: 'all good' });
    expect(r.received[0]?.auth).toBe('\0airlock\0smtp-secret-1');
  });

  it('reads a password from the secret store at each send, so a changed password applies to the next mail', async () => {
    const { relay: r, settings } = await relay({ auth: true });
    let stored = 'smtp-secret-1';
    const email = emailNotifier(settings, { password: () => Promise.resolve(stored), timeoutMs: 5000 });
    await email.send({ subject: 'first', text: 'one' });
    stored = 'smtp-secret-2';
    await email.send({ subject: 'second', text: 'two' });
    expect(r.received.map((m) => m.auth)).toEqual(['\0airlock\0smtp-secret-1', '\0airlock\0smtp-secret-2']);
  });

  it('says in a sentence which relay refused the mail or could not be reached', async () => {
    const { settings } = await relay({ reject: true });
    const refused = await emailNotifier(settings, { timeoutMs: 5000 }).notify(failed).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AirlockError);
    expect((refused as AirlockError).message).toMatch(new RegExp(`could not be handed to the SMTP relay 127\\.0\\.0\\.1:${settings.port} \\(.*Relaying denied`));

    const closed = await relay();
    await closed.relay.close();
    relays.splice(relays.indexOf(closed.relay), 1);
    const unreachable = await emailNotifier(closed.settings, { timeoutMs: 5000 }).send({ subject: 's', text: 't' }).catch((e: unknown) => e);
    expect((unreachable as AirlockError).message).toMatch(/ECONNREFUSED/);
  });
});

describe('alert settings', () => {
  it('fills in defaults and refuses what it cannot use, saying where', () => {
    expect(parseAlertSettings({})).toEqual({ escalateAfter: 3 });
    expect(parseAlertSettings({ email: { host: 'relay.lan', from: 'a@b.test', to: ['c@d.test'] } }).email).toEqual({ host: 'relay.lan', port: 25, secure: false, from: 'a@b.test', to: ['c@d.test'], minLevel: 'warning' });
    expect(() => parseAlertSettings({ email: { host: 'relay.lan', from: 'nobody', to: [] } })).toThrow(/email\.from: an email address.*email\.to: give at least one recipient/);
    expect(() => parseAlertSettings({ digest: { at: '25:00', timeZone: 'UTC' } })).toThrow(/digest\.at: the digest time is written HH:MM/);
  });
});
