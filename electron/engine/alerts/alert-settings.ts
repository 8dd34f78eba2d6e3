// What alerts go where: the local SMTP relay for email, when to escalate, and the daily digest; kept in the catalog's settings.

import * as z from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import { AirlockError } from '../errors.ts';
import type { JsonObject } from '../health/canonical-json.ts';
import { resolveTimeZone } from '../jobs/schedule.ts';

export const alertSettingsKey = 'alerts';

const address = z.email('an email address such as backups@office.example');

export const emailSettingsSchema = z.strictObject({
  /**
   * The site's own SMTP relay (air-gapped sites have one on their LAN). Mail goes to this host and nowhere else:
   * there is no direct delivery to recipients' servers, and no fallback.
   */
  host: z.string().trim().min(1, 'the SMTP relay needs a host name or address'),
  port: z.number().int().min(1).max(65_535).default(25),
  /** TLS from the first byte (port 465); otherwise plain SMTP, upgraded with STARTTLS when the relay offers it. */
  secure: z.boolean().default(false),
  /** Login name at the relay, if it wants one; the password comes from AIRLOCK_SMTP_PASSWORD, never the catalog. */
  username: z.string().min(1).exactOptional(),
  from: address,
  to: z.array(address).min(1, 'give at least one recipient'),
  /** Alerts below this level are not emailed (they still reach the log and the app). */
  minLevel: z.enum(['info', 'warning', 'critical']).default('warning'),
});

export const alertSettingsSchema = z.strictObject({
  email: emailSettingsSchema.exactOptional(),
  /** After this many failed runs of a job in a row, the alert becomes critical and is emailed even in digest mode. */
  escalateAfter: z.number().int().min(1).max(100).default(3),
  /** A daily summary email instead of one email per alert; escalations are still sent at once. */
  digest: z
    .strictObject({
      at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'the digest time is written HH:MM, such as 07:30'),
      timeZone: z.string().transform((zone, ctx) => {
        try {
          return resolveTimeZone(zone);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
          return z.NEVER;
        }
      }),
    })
    .exactOptional(),
});

export type AlertSettings = z.output<typeof alertSettingsSchema>;
export type AlertSettingsInput = z.input<typeof alertSettingsSchema>;
export type EmailSettings = z.output<typeof emailSettingsSchema>;

export const defaultAlertSettings: AlertSettings = alertSettingsSchema.parse({});

export function parseAlertSettings(input: unknown): AlertSettings {
  const result = alertSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    return where === '' ? issue.message : `${where}: ${issue.message}`;
  });
  throw new AirlockError('USAGE', `The alert settings are not valid: ${problems.join('; ')}.`);
}

/** The relay as the desktop app's settings screen stores it (under "app.settings", key smtp). */
const appSmtpSchema = z.object({
  smtp: z
    .object({ host: z.string(), port: z.number(), secure: z.boolean(), username: z.string().nullable(), from: z.string(), to: z.array(z.string()) })
    .nullable()
    .optional(),
});
export const appSettingsKey = 'app.settings';

/** The app's relay settings as email settings; undefined when the app has none or they do not fit. */
export function emailSettingsFromApp(smtp: z.output<typeof appSmtpSchema>['smtp']): EmailSettings | undefined {
  if (smtp === null || smtp === undefined) return undefined;
  const { username, ...rest } = smtp;
  const parsed = emailSettingsSchema.safeParse(username === null ? rest : { ...rest, username });
  return parsed.success ? parsed.data : undefined;
}

/**
 * The stored settings; the defaults (log and app only) when none were saved or they no longer fit. A relay set up in
 * the desktop app's settings is used when `airlock alerts set` gave none, so the app and the daemon mail alike.
 */
export function loadAlertSettings(catalog: Pick<Catalog, 'getSetting'>): AlertSettings {
  const settings = catalog.getSetting(alertSettingsKey, alertSettingsSchema) ?? defaultAlertSettings;
  if (settings.email !== undefined) return settings;
  const fromApp = emailSettingsFromApp(catalog.getSetting(appSettingsKey, appSmtpSchema)?.smtp);
  return fromApp === undefined ? settings : { ...settings, email: fromApp };
}

/** Saves the settings and records who changed them in the audit log. */
export function saveAlertSettings(catalog: Pick<Catalog, 'getSetting' | 'setSetting' | 'appendAudit'>, settings: AlertSettings, actor: string): void {
  const before = catalog.getSetting(alertSettingsKey, alertSettingsSchema);
  catalog.setSetting(alertSettingsKey, settings);
  catalog.appendAudit({
    actor,
    action: 'settings.change',
    target: alertSettingsKey,
    details: JSON.parse(JSON.stringify({ before: before ?? null, after: settings })) as JsonObject,
  });
}
