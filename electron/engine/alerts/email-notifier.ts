// Alerts by email through the site's own SMTP relay (nodemailer's SMTP transport to one configured host, nothing else).

import { createTransport, type Transporter } from 'nodemailer';
import { AirlockError } from '../errors.ts';
import type { EmailSettings } from './alert-settings.ts';
import { atLeast, type Alert, type Notifier } from './notifier.ts';

export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
}

export interface EmailNotifier extends Notifier {
  /** Resolves once the relay took the alert (or it was below the level to send); rejects with a sentence otherwise. */
  notify(alert: Alert): Promise<void>;
  /** Sends a message that is not one alert (the daily digest); rejects with a sentence when the relay refuses it. */
  send(message: EmailMessage): Promise<void>;
}

export interface EmailNotifierOptions {
  /**
   * The relay's password, when it wants a login: AIRLOCK_SMTP_PASSWORD, or a read of the app's secret store at each
   * send (so a password changed in the settings applies at once). Never logged or stored.
   */
  readonly password?: string | (() => Promise<string | undefined>) | undefined;
  /** How long to wait for the relay before giving up on one message. Default 30 s. */
  readonly timeoutMs?: number;
}

function describeSendError(err: unknown, settings: EmailSettings): AirlockError {
  const why = err instanceof Error ? err.message : String(err);
  return new AirlockError(
    'IO_ERROR',
    `The alert email could not be handed to the SMTP relay ${settings.host}:${settings.port} (${why}). Check the relay settings with \`airlock alerts show\`, and that the relay accepts mail from this machine.`,
    { cause: err },
  );
}

export function emailNotifier(settings: EmailSettings, options: EmailNotifierOptions = {}): EmailNotifier {
  const timeout = options.timeoutMs ?? 30_000;
  const { password } = options;
  // Only host and port: no `service` presets and no direct transport, so the relay is the one place mail can go.
  const transportWith = (pass: string | undefined): Transporter =>
    createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(settings.username === undefined ? {} : { auth: { user: settings.username, pass: pass ?? '' } }),
    });
  const fixed = typeof password === 'function' ? undefined : transportWith(password);
  const send = async (message: EmailMessage): Promise<void> => {
    try {
      const transport = fixed ?? transportWith(typeof password === 'function' ? await password() : undefined);
      await transport.sendMail({ from: settings.from, to: [...settings.to], subject: message.subject, text: message.text });
    } catch (err) {
      throw describeSendError(err, settings);
    }
  };
  return {
    send,
    async notify(alert: Alert) {
      if (!atLeast(alert.level, settings.minLevel)) return;
      const mark = alert.level === 'critical' ? '[Airlock] ACTION NEEDED: ' : '[Airlock] ';
      await send({ subject: `${mark}${alert.title}`, text: `${alert.message}\n\n${alert.time.toISOString()}\n` });
    },
  };
}
