// The engine's Notifier as desktop notifications, shown only when the user left notifications on in Settings.

import { Notification } from 'electron';
import type { Notifier } from '../engine/ports.ts';

export function desktopNotifier(enabled: () => Promise<boolean>, onClick: () => void): Notifier {
  return {
    notify(alert) {
      if (!Notification.isSupported()) return;
      void enabled().then((on) => {
        if (!on) return;
        const note = new Notification({ title: alert.title, body: alert.message, urgency: alert.level === 'error' ? 'critical' : 'normal' });
        note.on('click', onClick);
        note.show();
      }, () => undefined);
    },
  };
}
