// Plain words for health findings: sizes, ages, intervals and coming times as a person reads them.

import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, formatDaysLeft, formatEvery, formatSpan, formatWhen } from '../../electron/engine/health/wording.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('wording', () => {
  it('writes sizes in the decimal units drives are sold in', () => {
    expect(formatBytes(20e9)).toBe('20 GB');
    expect(formatBytes(1.234e9)).toBe('1.2 GB');
    expect(formatBytes(850e6)).toBe('850 MB');
    expect(formatBytes(999.96e6)).toBe('1 GB');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(12)).toBe('12 bytes');
    expect(formatBytes(-2e9)).toBe('2 GB');
    expect(formatBytes(1.5e9, 'de')).toBe('1,5\u00a0GB');
  });

  it('writes ages and spans with the unit a person would pick', () => {
    expect(formatAgo(10_000)).toBe('just now');
    expect(formatAgo(20 * MINUTE)).toBe('20 minutes ago');
    expect(formatAgo(2 * HOUR)).toBe('2 hours ago');
    expect(formatAgo(30 * HOUR)).toBe('30 hours ago');
    expect(formatAgo(3 * DAY + HOUR)).toBe('3 days ago');
    expect(formatSpan(45_000)).toBe('45 seconds');
    expect(formatSpan(DAY + 2 * HOUR)).toBe('26 hours');
    expect(formatSpan(1 * MINUTE)).toBe('1 minute');
  });

  it('writes schedules as "every …"', () => {
    expect(formatEvery(DAY)).toBe('every day');
    expect(formatEvery(7 * DAY)).toBe('every week');
    expect(formatEvery(2 * DAY)).toBe('every 2 days');
    expect(formatEvery(4 * HOUR)).toBe('every 4 hours');
    expect(formatEvery(HOUR)).toBe('every hour');
    expect(formatEvery(90 * MINUTE)).toBe('every 90 minutes');
  });

  it('writes days left without false precision', () => {
    expect(formatDaysLeft(10.2)).toBe('about 10 days');
    expect(formatDaysLeft(1.2)).toBe('about 1 day');
    expect(formatDaysLeft(0.3)).toBe('less than a day');
  });

  it('names the coming day by the calendar of the reader’s time zone', () => {
    const now = new Date('2025-03-10T22:00:00Z');
    const next = new Date('2025-03-11T02:00:00Z');
    expect(formatWhen(next, now, { timeZone: 'UTC' })).toBe('tomorrow at 2:00 AM');
    // In New York both moments fall on 10 March.
    expect(formatWhen(next, now, { timeZone: 'America/New_York' })).toBe('today at 10:00 PM');
    expect(formatWhen(new Date('2025-03-14T18:30:00Z'), now, { timeZone: 'UTC' })).toBe('on Friday at 6:30 PM');
    expect(formatWhen(new Date('2025-04-14T02:00:00Z'), now, { timeZone: 'UTC' })).toBe('on April 14 at 2:00 AM');
    expect(formatWhen(next, now, { timeZone: 'UTC', locale: 'en-GB' })).toBe('tomorrow at 02:00');
  });
});
