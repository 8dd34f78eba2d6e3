// Locale-aware numbers, sizes, rates, durations and times, all through Intl so Arabic gets its own digits, units and word order.

const byteUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

export function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function formatPercent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: fraction < 0.1 && fraction > 0 ? 1 : 0 }).format(fraction);
}

/** Sizes in decimal units (1 kB = 1000 bytes), as disk makers and file managers label drives. */
export function formatBytes(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return new Intl.NumberFormat(locale, { style: 'unit', unit: byteUnits[unit] ?? 'byte', unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
}

export function formatRate(bytesPerSecond: number, locale: string): string {
  let value = Math.max(0, bytesPerSecond);
  let unit = 0;
  while (value >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : 1;
  return new Intl.NumberFormat(locale, { style: 'unit', unit: `${byteUnits[unit] ?? 'byte'}-per-second`, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
}

/** A duration as at most two units ("1 hr, 5 min", "40 sec"), the precision a person waiting can use. */
export function formatDuration(totalSeconds: number, locale: string): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const parts: [number, 'day' | 'hour' | 'minute' | 'second'][] = [
    [Math.floor(seconds / 86_400), 'day'],
    [Math.floor((seconds % 86_400) / 3600), 'hour'],
    [Math.floor((seconds % 3600) / 60), 'minute'],
    [seconds % 60, 'second'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return new Intl.NumberFormat(locale, { style: 'unit', unit: 'second', unitDisplay: 'short' }).format(0);
  const shown = parts.slice(first, first + 2).filter(([n]) => n > 0);
  const words = shown.map(([n, unit]) => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(n));
  return new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' }).format(words);
}

const relativeSteps: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.345],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "2 hours ago", "in 3 days", "yesterday" — the words; the exact time goes next to it (see formatDateTime). */
export function formatRelative(when: Date, now: Date, locale: string): string {
  let value = (when.getTime() - now.getTime()) / 1000;
  for (const [unit, size] of relativeSteps) {
    if (Math.abs(value) < size) {
      return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(Math.round(value), unit);
    }
    value /= size;
  }
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(Math.round(value), 'year');
}

export function formatDateTime(when: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(when);
}

export function formatDate(when: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(when);
}

export function formatTime(when: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(when);
}

/** Seconds left at the current rate, or undefined while the rate says nothing yet. */
export function etaSeconds(doneBytes: number, totalBytes: number | undefined, bytesPerSecond: number): number | undefined {
  if (totalBytes === undefined || totalBytes <= 0 || bytesPerSecond <= 0) return undefined;
  return Math.max(0, (totalBytes - doneBytes) / bytesPerSecond);
}
