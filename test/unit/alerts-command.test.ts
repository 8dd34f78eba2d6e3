// `airlock alerts set|show` over a real catalog: only the options given change, bad values change nothing, every change is audited.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertsSet, alertsShow } from '../../electron/cli/commands/alerts.ts';
import type { CommandContext, OptionValues } from '../../electron/cli/command.ts';
import { loadAlertSettings } from '../../electron/engine/alerts/alert-settings.ts';
import { desktopNotifier } from '../../electron/engine/alerts/desktop-notifier.ts';
import { openCatalog, type Catalog } from '../../electron/engine/catalog/catalog.ts';

let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:');
});
afterEach(() => {
  catalog.close();
});

function context(values: OptionValues, out: { said: string[]; results: unknown[] }): CommandContext {
  const unused = (): never => {
    throw new Error('not used by this command');
  };
  return {
    positionals: [],
    values,
    optionOrder: [],
    json: false,
    signal: new AbortController().signal,
    progress: () => undefined,
    say: (text) => out.said.push(text),
    result: (value) => out.results.push(value),
    warn: (text) => out.said.push(`warning: ${text}`),
    repoLocation: unused,
    openRepository: unused,
    passphrase: unused,
    catalog: () => Promise.resolve(catalog),
  };
}

describe('airlock alerts', () => {
  it('sets the relay, then changes only what is given, auditing each change with before and after', async () => {
    const out = { said: [] as string[], results: [] as unknown[] };
    await alertsSet.run(context({ 'smtp-host': 'relay.office.lan', from: 'airlock@office.lan', to: ['it@office.lan'], digest: '07:30', 'digest-tz': 'Europe/Berlin' }, out));
    await alertsSet.run(context({ 'escalate-after': '5', 'email-level': 'critical' }, out));
    expect(loadAlertSettings(catalog)).toEqual({
      email: { host: 'relay.office.lan', port: 25, secure: false, from: 'airlock@office.lan', to: ['it@office.lan'], minLevel: 'critical' },
      escalateAfter: 5,
      digest: { at: '07:30', timeZone: 'Europe/Berlin' },
    });
    const audited = catalog.listAudit().filter((e) => e.action === 'settings.change');
    expect(audited).toHaveLength(2);
    expect(audited[0]?.details.before).toBeNull();
    expect(audited[1]?.details).toMatchObject({ before: { escalateAfter: 3 }, after: { escalateAfter: 5 } });
    expect(audited.every((e) => e.actor.startsWith('cli:') && e.target === 'alerts')).toBe(true);
    expect(catalog.verifyAudit().ok).toBe(true);

    const shown = { said: [] as string[], results: [] as unknown[] };
    await alertsShow.run(context({}, shown));
    expect(shown.said.join('\n')).toMatch(/email: +critical and worse, via relay\.office\.lan:25, from airlock@office\.lan to it@office\.lan/);
    expect(shown.said.join('\n')).toMatch(/digest: +daily at 07:30 \(Europe\/Berlin\)/);
  });

  it('refuses settings it cannot use and changes nothing', async () => {
    const out = { said: [] as string[], results: [] as unknown[] };
    // Commands may throw before returning their promise; the CLI awaits them inside its try either way.
    const attempt = async (values: OptionValues): Promise<unknown> => alertsSet.run(context(values, out));
    await expect(attempt({ 'smtp-host': 'relay.lan', from: 'not-an-address', to: ['it@office.lan'] })).rejects.toThrow(/email\.from/);
    await expect(attempt({ 'smtp-port': 'twenty-five' })).rejects.toThrow(/--smtp-port takes a whole number/);
    expect(loadAlertSettings(catalog)).toEqual({ escalateAfter: 3 });
    expect(catalog.listAudit()).toEqual([]);
  });
});

describe('alert settings shared with the desktop app', () => {
  it('mails through the relay the app was set up with when `airlock alerts set` gave none, and maps critical to the app\'s "error"', () => {
    catalog.setSetting('app.settings', { language: 'en', smtp: { host: 'relay.lan', port: 2525, secure: false, username: null, from: 'a@office.lan', to: ['b@office.lan'] } });
    expect(loadAlertSettings(catalog).email).toEqual({ host: 'relay.lan', port: 2525, secure: false, from: 'a@office.lan', to: ['b@office.lan'], minLevel: 'warning' });
    const shown: { level: string; title: string }[] = [];
    desktopNotifier({ notify: (a) => void shown.push(a) }).notify({ level: 'critical', kind: 'escalation', title: 'Office has failed 3 times in a row', message: 'm', time: new Date(0) });
    expect(shown).toEqual([{ level: 'error', title: 'Office has failed 3 times in a row', message: 'm' }]);
  });
});
