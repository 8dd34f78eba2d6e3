// Alerts into the structured log, at the log level that matches their own.

import type { JsonLog } from '../jobs/json-log.ts';
import type { Notifier } from './notifier.ts';

export function logNotifier(log: Pick<JsonLog, 'write'>): Notifier {
  return {
    notify(alert) {
      const level = alert.level === 'critical' ? 'error' : alert.level === 'warning' ? 'warn' : 'info';
      log.write(level, 'alert', { kind: alert.kind, alertLevel: alert.level, title: alert.title, message: alert.message, ...(alert.jobId === undefined ? {} : { jobId: alert.jobId }) });
    },
  };
}
