// How health findings put numbers, sizes, ages and intervals into plain words, formatted with Intl.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export const defaultLocale = 'en';

type Unit = 'second' | 'minute' | 'hour' | 'day';

function unitAmount(ms: number): { amount: number; unit: Unit } {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return { amount: Math.max(1, Math.round(abs / 1000)), unit: 'second' };
  if (abs < 59.5 * MINUTE) return { amount: Math.max(1, Math.round(abs / MINUTE)), unit: 'minute' };
  // "30 hours" is clearer than "1 day" for something that was expected daily.
  if (abs < 48 * HOUR) return { amount: Math.round(abs / HOUR), unit: 'hour' };
  return { amount: Math.round(abs / DAY), unit: 'day' };
}

export function formatCount(n: number, locale = defaultLocale): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}

export function formatPercent(ratio: number, locale = defaultLocale): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}

const byteUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/** Decimal units (1 GB = 1,000,000,000 bytes) as drives are sold and labelled; the sign is dropped. */
export function formatBytes(bytes: number, locale = defaultLocale): string {
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  // Rounding can carry into the next unit: 999.96 MB would print as "1,000 MB".
  if (unit > 0 && unit < byteUnits.length - 1 && Math.round(value) >= 1000) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: byteUnits[unit] ?? 'byte',
    unitDisplay: unit === 0 ? 'long' : 'short',
    maximumFractionDigits: unit > 0 && value < 10 ? 1 : 0,
  }).format(value);
}

/** A length of time: "45 seconds", "20 minutes", "30 hours", "3 days". */
export function formatSpan(ms: number, locale = defaultLocale): string {
  const { amount, unit } = unitAmount(ms);
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(amount);
}

/** How long ago: "just now", "20 minutes ago", "3 days ago". */
export function formatAgo(ms: number, locale = defaultLocale): string {
  if (ms < MINUTE) return 'just now';
  const { amount, unit } = unitAmount(ms);
  return new Intl.RelativeTimeFormat(locale, { numeric: 'always' }).format(-amount, unit);
}

/** A schedule's spacing: "every day", "every 4 hours", "every week", "every 2 days". */
export function formatEvery(ms: number, locale = defaultLocale): string {
  const units: readonly [number, 'week' | 'day' | 'hour' | 'minute'][] = [
    [WEEK, 'week'],
    [DAY, 'day'],
    [HOUR, 'hour'],
    [MINUTE, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return n === 1 ? `every ${unit}` : `every ${new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(n)}`;
    }
  }
  return `every ${formatSpan(ms, locale)}`;
}

/** "less than a day", "about 1 day", "about 10 days". */
export function formatDaysLeft(days: number, locale = defaultLocale): string {
  if (days < 1) return 'less than a day';
  return `about ${new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(Math.round(days))}`;
}

/** Picks the singular or plural form of an English noun for `n`. */
export function plural(n: number, one: string, other: string, locale = defaultLocale): string {
  return new Intl.PluralRules(locale).select(n) === 'one' ? one : other;
}

export interface WhenOptions {
  readonly locale?: string;
  /** The time zone the person reads the clock in (the job's zone); the system's when absent. */
  readonly timeZone?: string;
}

/** A coming moment in words: "today at 02:00", "tomorrow at 02:00", "on Friday at 18:30", "on 12 May at 02:00". */
export function formatWhen(when: Date, now: Date, options: WhenOptions = {}): string {
  const locale = options.locale ?? defaultLocale;
  const zone = options.timeZone === undefined ? {} : { timeZone: options.timeZone };
  const dayOf = (d: Date): string => new Intl.DateTimeFormat('en-CA', { ...zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  // 24-hour locales write "02:00"; 12-hour ones "2:00 AM", where a leading zero looks wrong.
  const { hourCycle } = new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions();
  const hour = hourCycle === 'h23' || hourCycle === 'h24' ? '2-digit' : 'numeric';
  const time = new Intl.DateTimeFormat(locale, { ...zone, hour, minute: '2-digit' }).format(when);
  // Calendar days in the reader's zone, not 24-hour spans: 01:00 tomorrow is "tomorrow" even if it is 3 hours away.
  const dayNumber = (d: Date): number => Date.parse(`${dayOf(d)}T00:00:00Z`) / DAY;
  const days = dayNumber(when) - dayNumber(now);
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  if (days > 1 && days < 7) return `on ${new Intl.DateTimeFormat(locale, { ...zone, weekday: 'long' }).format(when)} at ${time}`;
  return `on ${new Intl.DateTimeFormat(locale, { ...zone, day: 'numeric', month: 'long', ...(days < 300 ? {} : { year: 'numeric' }) }).format(when)} at ${time}`;
}
