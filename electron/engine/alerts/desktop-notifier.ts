// Alerts to the desktop app's notifier port (Notifier in ports.ts), whose levels say "error" where alerts say "critical".

import type { Alert, Notifier } from './notifier.ts';

/** The shape of the app's notifier port: a notification with a level, a title and a message. */
export interface DesktopNotifications {
  notify(alert: { readonly level: 'info' | 'warning' | 'error'; readonly title: string; readonly message: string }): void;
}

export interface DesktopNotifier extends Notifier {
  /** Showing a notification does not wait for anything. */
  notify(alert: Alert): void;
}

/** Hands alerts to the desktop; plain successes never get this far (the alert center raises none for them). */
export function desktopNotifier(port: DesktopNotifications): DesktopNotifier {
  return {
    notify(alert) {
      port.notify({ level: alert.level === 'critical' ? 'error' : alert.level, title: alert.title, message: alert.message });
    },
  };
}
