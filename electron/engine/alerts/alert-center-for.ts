// The alert center as the daemon and the app set it up: the stored settings, the log, the desktop when there is one, the relay when set.

import type { Catalog } from '../catalog/catalog.ts';
import type { Clock } from '../jobs/clock.ts';
import type { JsonLog } from '../jobs/json-log.ts';
import { jobAnomalies } from '../jobs/status-report.ts';
import { AlertCenter } from './alert-center.ts';
import { loadAlertSettings, type AlertSettings } from './alert-settings.ts';
import { desktopNotifier, type DesktopNotifications } from './desktop-notifier.ts';
import { emailNotifier, type EmailNotifier } from './email-notifier.ts';
import { logNotifier } from './log-notifier.ts';

export interface AlertCenterSetup {
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly log: Pick<JsonLog, 'write'>;
  /** The app's notifier port; absent for the headless daemon. */
  readonly desktop?: DesktopNotifications;
  /** The relay's password, when it wants a login: AIRLOCK_SMTP_PASSWORD, or a read of the app's secret store. */
  readonly smtpPassword?: string | (() => Promise<string | undefined>) | undefined;
}

/** The relay alerts are mailed through under these settings; none when email is off. */
export function alertEmailFor(settings: AlertSettings, smtpPassword: AlertCenterSetup['smtpPassword']): EmailNotifier | undefined {
  return settings.email === undefined ? undefined : emailNotifier(settings.email, { password: smtpPassword });
}

/**
 * Reads the alert settings once. The app's engine passes a change made in its Settings screen to `reconfigure` at
 * once; another process (`airlock daemon`, after `airlock alerts set`) takes it at its next start.
 */
export function alertCenterFor(setup: AlertCenterSetup): AlertCenter {
  const { catalog, clock, log } = setup;
  const settings = loadAlertSettings(catalog);
  return new AlertCenter({
    catalog,
    clock,
    settings,
    notifiers: [logNotifier(log), ...(setup.desktop === undefined ? [] : [desktopNotifier(setup.desktop)])],
    email: alertEmailFor(settings, setup.smtpPassword),
    anomaliesFor: (jobId) => jobAnomalies(catalog, jobId, clock.now()),
    onDeliveryError: (message) => {
      log.write('error', 'alert.undelivered', { message });
    },
  });
}
