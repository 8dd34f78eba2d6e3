// The notifier port: an alert (level, title, message) and the one method every way of telling a person implements.

export type AlertLevel = 'info' | 'warning' | 'critical';

/** Stable names, for filtering and for the app to choose an icon. */
export type AlertKind = 'run-failed' | 'run-partial' | 'run-recovered' | 'escalation' | 'anomaly' | 'drive-waiting' | 'digest';

export interface Alert {
  readonly level: AlertLevel;
  /** One short line: a notification's title, an email's subject. */
  readonly title: string;
  /** A sentence or two a person can act on; never a secret. */
  readonly message: string;
  readonly kind: AlertKind;
  readonly time: Date;
  /** The job it is about, when it is about one. */
  readonly jobId?: string;
}

/**
 * Something that tells a person: the desktop app's notifications and tray, the log, an email relay. `notify` must
 * not throw for a delivery problem it can report itself; the alert center catches and logs whatever does escape.
 */
export interface Notifier {
  notify(alert: Alert): void | Promise<void>;
}

const levelRank: Record<AlertLevel, number> = { info: 0, warning: 1, critical: 2 };

export function atLeast(level: AlertLevel, min: AlertLevel): boolean {
  return levelRank[level] >= levelRank[min];
}
