// Settings channels: language, theme, notifications and start at login (the app's own), and the alert settings shared with `airlock alerts`.

import * as z from 'zod';
import { settingsSchema, type ChannelInput, type ChannelOutput, type Settings } from '../../../../shared/ipc/contract.ts';
import { alertEmailFor } from '../../alerts/alert-center-for.ts';
import { appSettingsKey, loadAlertSettings, parseAlertSettings, saveAlertSettings, type AlertSettings } from '../../alerts/alert-settings.ts';
import type { Engine } from '../../create-engine.ts';
import { secretKeys } from '../../ports.ts';
import type { HandlerMap } from '../handler.ts';

/** What only the app uses, kept under "app.settings"; everything about alerts lives in the `alerts` setting. */
const appSettingsSchema = settingsSchema.pick({ language: true, theme: true, notifications: true, startAtLogin: true });
type AppSettings = z.output<typeof appSettingsSchema>;
type AlertFields = Pick<Settings, 'smtp' | 'escalateAfter' | 'digest'>;
/** The screen's alert changes; a field left undefined stays as it is. */
type AlertChanges = { readonly [K in keyof AlertFields]?: AlertFields[K] | undefined };

const appDefaults: AppSettings = { language: 'en', theme: 'system', notifications: true, startAtLogin: false };

/** Each setting read on its own, so one value a newer version wrote differently falls back alone, not all of them. */
function storedAppSettings(engine: Engine): AppSettings {
  const stored = engine.catalog.getSetting(appSettingsKey, appSettingsSchema.partial().catch({})) ?? {};
  const parsed = appSettingsSchema.safeParse({ ...appDefaults, ...stored });
  return parsed.success ? parsed.data : appDefaults;
}

/** The relay as older versions of the app kept it, inside "app.settings"; `loadAlertSettings` still reads it. */
function hasLegacySmtp(engine: Engine): boolean {
  return engine.catalog.getSetting(appSettingsKey, z.object({ smtp: z.unknown().optional() }).catch({}))?.smtp !== undefined;
}

function alertFieldsOf(settings: AlertSettings): AlertFields {
  const { email, digest } = settings;
  return {
    smtp:
      email === undefined
        ? null
        : { host: email.host, port: email.port, secure: email.secure, username: email.username ?? null, from: email.from, to: [...email.to], minLevel: email.minLevel },
    escalateAfter: settings.escalateAfter,
    digest: digest === undefined ? null : { ...digest },
  };
}

/** The alert settings with the screen's changes applied; validated as `airlock alerts set` validates them. */
function withAlertChanges(current: AlertSettings, changes: AlertChanges): AlertSettings {
  const { smtp, escalateAfter, digest } = changes;
  const email =
    smtp === undefined
      ? current.email
      : smtp === null
        ? undefined
        : { ...smtp, username: smtp.username ?? undefined, minLevel: smtp.minLevel ?? current.email?.minLevel ?? 'warning' };
  const next = { ...current, email, escalateAfter: escalateAfter ?? current.escalateAfter, digest: digest === undefined ? current.digest : (digest ?? undefined) };
  // JSON drops the fields left undefined, which the stored form leaves out.
  return parseAlertSettings(JSON.parse(JSON.stringify(next)));
}

async function output(engine: Engine, app: AppSettings, alerts: AlertSettings): Promise<ChannelOutput<'settings.get'>> {
  return {
    ...app,
    ...alertFieldsOf(alerts),
    smtpPasswordSet: (await engine.secrets.get(secretKeys.smtpPassword)) !== undefined,
    dataFolder: engine.home,
    secretStoreEncrypted: engine.secrets.encrypted,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const settingsHandlers: HandlerMap<'settings.get' | 'settings.set'> = {
  async 'settings.get'(engine) {
    return output(engine, storedAppSettings(engine), loadAlertSettings(engine.catalog));
  },

  async 'settings.set'(engine, input: ChannelInput<'settings.set'>) {
    const { smtpPassword, smtp, escalateAfter, digest, ...appChanges } = input;
    const alertChanges: AlertChanges = { smtp, escalateAfter, digest };
    const before = storedAppSettings(engine);
    const given = definedOnly(appChanges);
    const next = appSettingsSchema.parse({ ...before, ...given });

    const alertsBefore = loadAlertSettings(engine.catalog);
    // A relay an older version kept in "app.settings" moves to the shared settings before that copy is dropped.
    const legacy = hasLegacySmtp(engine);
    const alertsChanged = Object.values(alertChanges).some((v) => v !== undefined);
    const alerts = alertsChanged ? withAlertChanges(alertsBefore, alertChanges) : alertsBefore;
    if (alertsChanged || legacy) saveAlertSettings(engine.catalog, alerts, engine.actor);
    engine.catalog.setSetting(appSettingsKey, next);

    if (smtpPassword !== undefined) {
      if (smtpPassword === '') await engine.secrets.delete(secretKeys.smtpPassword);
      else await engine.secrets.set(secretKeys.smtpPassword, smtpPassword);
    }
    if (alertsChanged) engine.alerts.reconfigure(alerts, alertEmailFor(alerts, () => engine.secrets.get(secretKeys.smtpPassword)));

    const changed: string[] = Object.keys(given).filter((k) => JSON.stringify(before[k as keyof AppSettings]) !== JSON.stringify(next[k as keyof AppSettings]));
    if (smtpPassword !== undefined) changed.push('smtpPassword');
    // The alert settings were audited with their before and after by saveAlertSettings.
    if (changed.length > 0) engine.catalog.appendAudit({ actor: engine.actor, action: 'settings.change', target: 'settings', details: { changed } });
    return output(engine, next, alerts);
  },
};
