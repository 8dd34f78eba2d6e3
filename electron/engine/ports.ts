// The engine's ports to the outside world: the clock, the secret store and the desktop notifier, with in-memory stand-ins.

import type { EventPayload } from '../../shared/ipc/contract.ts';

export type { Clock, TimerHandle } from './jobs/clock.ts';
export { systemClock } from './jobs/clock.ts';

/**
 * Where remembered secrets live (repository passphrases, database and SMTP passwords), by key. The Electron shell
 * implements it with safeStorage; nothing else in the engine ever writes a secret down.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Returns whether there was a value. */
  delete(key: string): Promise<boolean>;
  /** Whether the store keeps secrets encrypted at rest; a weak store is shown as a warning. */
  readonly encrypted: boolean;
}

/** Shows a desktop notification; the shell implements it with Electron's Notification. */
export interface Notifier {
  notify(alert: EventPayload<'alert'>): void;
}

/**
 * Secrets kept in this process's memory only and gone when it exits: for the dev bridge and tests, never for the
 * app, where a remembered passphrase must survive a restart so scheduled jobs can open the repository.
 */
export function createMemorySecretStore(): SecretStore {
  const values = new Map<string, string>();
  return {
    encrypted: false,
    get: (key) => Promise.resolve(values.get(key)),
    set: (key, value) => {
      values.set(key, value);
      return Promise.resolve();
    },
    delete: (key) => Promise.resolve(values.delete(key)),
  };
}

/** A notifier that shows nothing: headless runs (the dev bridge, tests) see alerts on the event stream instead. */
export const silentNotifier: Notifier = {
  notify: () => undefined,
};

/** The secret-store keys, in one place so the shell and the engine never disagree. */
export const secretKeys = {
  repositoryPassphrase: (location: string): string => `repository:${location}`,
  databasePassword: (source: string): string => `database:${source}`,
  smtpPassword: 'smtp:password',
} as const;
