// `airlock alerts show|set|test`: where the scheduler's alerts go — the log always, email through the site's SMTP relay, a daily digest.

import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { loadAlertSettings, parseAlertSettings, saveAlertSettings, type AlertSettings } from '../../engine/alerts/alert-settings.ts';
import { emailNotifier } from '../../engine/alerts/email-notifier.ts';
import { systemTimeZone } from '../../engine/jobs/schedule.ts';
import { cliActor } from '../audit-entry.ts';
import { flag, listOption, stringOption, type Command, type OptionValues } from '../command.ts';
import { requireCatalog } from './job.ts';

function describe(settings: AlertSettings): string[] {
  const email = settings.email;
  return [
    `Alerts go to the log${email === undefined ? '' : ' and by email'} (and to the desktop when the Airlock app runs the scheduler).`,
    email === undefined
      ? '  email:        off (set it with `airlock alerts set --smtp-host HOST --from ADDRESS --to ADDRESS`)'
      : `  email:        ${email.minLevel} and worse, via ${email.host}:${email.port}${email.secure ? ' (TLS)' : ''}${email.username === undefined ? '' : ` as ${email.username} (password from AIRLOCK_SMTP_PASSWORD)`}, from ${email.from} to ${email.to.join(', ')}`,
    `  escalation:   critical after ${settings.escalateAfter} failed run(s) of a job in a row`,
    settings.digest === undefined ? '  digest:       off (one email per alert)' : `  digest:       daily at ${settings.digest.at} (${settings.digest.timeZone}); only escalations are emailed at once`,
  ];
}

function wholeNumber(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new AirlockError('USAGE', `--${name} takes a whole number, not "${text}".`);
  return Number(text);
}

/** The settings with the command line applied; only the options given change. */
function changed(current: AlertSettings, values: OptionValues): AlertSettings {
  const input: Record<string, unknown> = JSON.parse(JSON.stringify(current)) as Record<string, unknown>;
  const email: Record<string, unknown> = { ...((input.email as Record<string, unknown> | undefined) ?? {}) };
  const emailOptions: [string, string][] = [
    ['smtp-host', 'host'],
    ['smtp-user', 'username'],
    ['from', 'from'],
    ['email-level', 'minLevel'],
  ];
  let touched = false;
  for (const [option, field] of emailOptions) {
    const value = stringOption(values, option);
    if (value !== undefined) {
      email[field] = value;
      touched = true;
    }
  }
  const port = wholeNumber(values, 'smtp-port');
  if (port !== undefined) {
    email.port = port;
    touched = true;
  }
  if (flag(values, 'smtp-secure')) {
    email.secure = true;
    touched = true;
  }
  const to = listOption(values, 'to');
  if (to.length > 0) {
    email.to = to;
    touched = true;
  }
  if (touched) input.email = email;
  if (flag(values, 'no-email')) delete input.email;
  const escalate = wholeNumber(values, 'escalate-after');
  if (escalate !== undefined) input.escalateAfter = escalate;
  const digest = stringOption(values, 'digest');
  if (digest !== undefined) input.digest = { at: digest, timeZone: stringOption(values, 'digest-tz') ?? systemTimeZone() };
  if (flag(values, 'no-digest')) delete input.digest;
  return parseAlertSettings(input);
}

export const alertsShow: Command = {
  usage: 'airlock alerts show [--json]',
  options: {},
  async run(ctx) {
    const settings = loadAlertSettings(await requireCatalog(ctx));
    ctx.result(settings);
    ctx.say(describe(settings).join('\n'));
    return exitCodes.ok;
  },
};

export const alertsSet: Command = {
  usage:
    'airlock alerts set [--smtp-host HOST] [--smtp-port 25] [--smtp-secure] [--smtp-user NAME] [--from ADDRESS] [--to ADDRESS]… ' +
    '[--email-level info|warning|critical] [--escalate-after N] [--digest HH:MM [--digest-tz ZONE]] [--no-digest] [--no-email]',
  options: {
    'smtp-host': { type: 'string' },
    'smtp-port': { type: 'string' },
    'smtp-secure': { type: 'boolean' },
    'smtp-user': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string', multiple: true },
    'email-level': { type: 'string' },
    'escalate-after': { type: 'string' },
    digest: { type: 'string' },
    'digest-tz': { type: 'string' },
    'no-digest': { type: 'boolean' },
    'no-email': { type: 'boolean' },
  },
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const settings = changed(loadAlertSettings(catalog), ctx.values);
    saveAlertSettings(catalog, settings, cliActor());
    ctx.result(settings);
    ctx.say([...describe(settings), 'Saved. The Airlock app shows the same settings; a running `airlock daemon` or app uses them from its next start.'].join('\n'));
    return exitCodes.ok;
  },
};

export const alertsTest: Command = {
  usage: 'airlock alerts test',
  options: {},
  async run(ctx) {
    const settings = loadAlertSettings(await requireCatalog(ctx));
    if (settings.email === undefined) throw new AirlockError('USAGE', 'Email alerts are off. Set them up with `airlock alerts set --smtp-host HOST --from ADDRESS --to ADDRESS`.');
    await emailNotifier(settings.email, { password: process.env.AIRLOCK_SMTP_PASSWORD }).send({
      subject: '[Airlock] Test alert',
      text: 'This is a test alert from Airlock. If you can read it, backup alerts will reach you.\n',
    });
    ctx.result({ sent: true, relay: `${settings.email.host}:${settings.email.port}` });
    ctx.say(`Sent a test email through ${settings.email.host}:${settings.email.port} to ${settings.email.to.join(', ')}.`);
    return exitCodes.ok;
  },
};
