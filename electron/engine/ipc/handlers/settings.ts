// Settings channels: language, theme, notifications, start at login and the SMTP relay, kept in the catalog (the SMTP password in the secret store).

import { settingsSchema, type ChannelOutput, type Settings } from '../../../../shared/ipc/contract.ts';
import type { Engine } from '../../create-engine.ts';
import { secretKeys } from '../../ports.ts';
import type { HandlerMap } from '../handler.ts';

const settingsKey = 'app.settings';

const defaults: Settings = { language: 'en', theme: 'system', notifications: true, startAtLogin: false, smtp: null };

/** Each setting read on its own, so one value a newer version wrote differently falls back alone, not all of them. */
function storedSettings(engine: Engine): Settings {
  const stored = engine.catalog.getSetting(settingsKey, settingsSchema.partial().catch({})) ?? {};
  const parsed = settingsSchema.safeParse({ ...defaults, ...stored });
  return parsed.success ? parsed.data : defaults;
}

async function output(engine: Engine, settings: Settings): Promise<ChannelOutput<'settings.get'>> {
  return { ...settings, smtpPasswordSet: (await engine.secrets.get(secretKeys.smtpPassword)) !== undefined, dataFolder: engine.home, secretStoreEncrypted: engine.secrets.encrypted };
}

export const settingsHandlers: HandlerMap<'settings.get' | 'settings.set'> = {
  async 'settings.get'(engine) {
    return output(engine, storedSettings(engine));
  },

  async 'settings.set'(engine, { smtpPassword, ...changes }) {
    const before = storedSettings(engine);
    const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next = settingsSchema.parse({ ...before, ...given });
    engine.catalog.setSetting(settingsKey, next);
    if (smtpPassword !== undefined) {
      if (smtpPassword === '') await engine.secrets.delete(secretKeys.smtpPassword);
      else await engine.secrets.set(secretKeys.smtpPassword, smtpPassword);
    }
    const changed = Object.keys(given).filter((k) => JSON.stringify(before[k as keyof Settings]) !== JSON.stringify(next[k as keyof Settings]));
    if (smtpPassword !== undefined) changed.push('smtpPassword');
    if (changed.length > 0) engine.catalog.appendAudit({ actor: engine.actor, action: 'settings.change', target: 'settings', details: { changed } });
    return output(engine, next);
  },
};
