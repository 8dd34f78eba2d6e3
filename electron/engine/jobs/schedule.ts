// Job schedules: a cron expression or a simple English form, read in an IANA time zone, and the run times it yields.

import { Cron } from 'croner';
import { AirlockError } from '../errors.ts';
import { describeCron } from './describe-schedule.ts';
import { acceptedForms, simpleFormToCron } from './simple-schedule.ts';

export interface Schedule {
  /** What the person wrote, trimmed. */
  readonly expression: string;
  /** The cron pattern it maps to: 5 fields, or 6 with seconds first. */
  readonly cron: string;
  /** The canonical IANA name of the zone the pattern is read in. */
  readonly timeZone: string;
}

const nicknames: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The machine's own zone, the default for a job created without one. */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Validates an IANA zone name and returns its canonical spelling ("europe/berlin" → "Europe/Berlin"). */
export function resolveTimeZone(name: string): string {
  const trimmed = name.trim();
  const bad = new AirlockError('USAGE', `"${name}" is not a time zone this system knows. Use an IANA name such as Europe/Berlin, America/New_York or UTC.`);
  // Intl also takes fixed offsets such as +02:00, which ignore daylight saving time: a schedule needs a real zone.
  if (!/^[A-Za-z]/.test(trimmed)) throw bad;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch (err) {
    if (err instanceof RangeError) throw bad;
    throw err;
  }
}

const cronCache = new WeakMap<Schedule, Cron>();

function makeCron(pattern: string, timeZone: string): Cron {
  // "no-wildcard": a job at fixed times (also "30 2,14 * * *") runs once when the clock falls back and right after a
  // skipped hour when it springs forward; only repeating patterns (steps, wildcards) follow the clock through the change.
  return new Cron(pattern, { timezone: timeZone, paused: true, mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' });
}

function cronOf(schedule: Schedule): Cron {
  let cron = cronCache.get(schedule);
  if (cron === undefined) {
    cron = makeCron(schedule.cron, schedule.timeZone);
    cronCache.set(schedule, cron);
  }
  return cron;
}

function normaliseCron(expression: string): string {
  const nickname = nicknames[expression.toLowerCase()];
  if (nickname !== undefined) return nickname;
  const fields = expression.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new AirlockError('USAGE', `The cron expression "${expression}" has ${fields.length} fields. ${acceptedForms}`);
  }
  return fields.join(' ');
}

/** Parses a schedule expression in a time zone; throws USAGE naming the accepted forms when it cannot. */
export function parseSchedule(expression: string, timeZone: string): Schedule {
  const zone = resolveTimeZone(timeZone);
  const trimmed = expression.trim();
  if (trimmed === '') throw new AirlockError('USAGE', `The schedule is empty. ${acceptedForms}`);

  let cron: string | undefined;
  if (/^[\d*?@]/.test(trimmed)) {
    cron = normaliseCron(trimmed);
  } else {
    const text = trimmed.toLowerCase().replace(/\s+/g, ' ').replace(/\.$/, '');
    cron = simpleFormToCron(text);
    if (cron === undefined) throw new AirlockError('USAGE', `"${trimmed}" is not a schedule Airlock understands. ${acceptedForms}`);
  }

  let compiled: Cron;
  try {
    compiled = makeCron(cron, zone);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    throw new AirlockError('USAGE', `"${trimmed}" is not a valid cron expression (${why}). ${acceptedForms}`, { cause: err });
  }
  if (compiled.nextRun(new Date(0)) === null) {
    throw new AirlockError('USAGE', `"${trimmed}" never runs (no calendar date matches it). Check the day and month fields.`);
  }
  const schedule: Schedule = Object.freeze({ expression: trimmed, cron, timeZone: zone });
  cronCache.set(schedule, compiled);
  return schedule;
}

/** The first run strictly after `after`, or undefined when the schedule has no more runs. */
export function nextRun(schedule: Schedule, after: Date): Date | undefined {
  return cronOf(schedule).nextRun(after) ?? undefined;
}

/** The next `n` runs strictly after `after`, in order (fewer if the schedule ends). */
export function nextRuns(schedule: Schedule, after: Date, n: number): Date[] {
  if (!Number.isInteger(n) || n < 0) throw new AirlockError('USAGE', `The number of run times to list must be a whole number, 0 or more (got ${n}).`);
  return n === 0 ? [] : cronOf(schedule).nextRuns(n, after);
}

/** The most recent run at or before `at`, or undefined when there was none. */
export function latestRunAtOrBefore(schedule: Schedule, at: Date): Date | undefined {
  // Croner counts runs strictly before the reference (whole seconds), so look from one millisecond later.
  return cronOf(schedule).previousRuns(1, new Date(at.getTime() + 1))[0];
}

/** A plain-English summary with the zone, e.g. "on weekdays at 18:30 (Europe/Berlin)". */
export function describeSchedule(schedule: Schedule): string {
  return `${describeCron(schedule.cron)} (${schedule.timeZone})`;
}
