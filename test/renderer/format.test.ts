// @vitest-environment jsdom
// Sizes, rates, durations and relative times as a person reads them, in English and Arabic.
import { describe, expect, it } from 'vitest';
import { etaSeconds, formatBytes, formatDuration, formatRate, formatRelative } from '../../renderer/src/i18n/format.ts';

const now = new Date('2026-03-10T12:00:00Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

describe('formatBytes', () => {
  it('steps through decimal units with sensible precision', () => {
    expect(formatBytes(0, 'en')).toBe('0 byte');
    expect(formatBytes(999, 'en')).toBe('999 byte');
    expect(formatBytes(1500, 'en')).toBe('1.5 kB');
    expect(formatBytes(12_345_678, 'en')).toBe('12.3 MB');
    expect(formatBytes(987_654_321_000, 'en')).toBe('988 GB');
  });

  it('uses Arabic unit names in Arabic', () => {
    const text = formatBytes(12_345_678, 'ar');
    expect(text).toBe(new Intl.NumberFormat('ar', { style: 'unit', unit: 'megabyte', unitDisplay: 'short', maximumFractionDigits: 1 }).format(12.345678));
    expect(text).not.toContain('MB');
  });
});

describe('formatRate and ETA', () => {
  it('says a rate per second', () => {
    expect(formatRate(2_500_000, 'en')).toBe('2.5 MB/s');
  });

  it('works out time left from bytes and rate, and gives up without a total or a rate', () => {
    expect(etaSeconds(250, 1000, 50)).toBe(15);
    expect(etaSeconds(250, undefined, 50)).toBeUndefined();
    expect(etaSeconds(250, 1000, 0)).toBeUndefined();
  });

  it('shows at most two units of a duration', () => {
    expect(formatDuration(40, 'en')).toBe('40 sec');
    expect(formatDuration(3725, 'en')).toBe('1 hr 2 min');
    expect(formatDuration(90_061, 'en')).toBe('1 day 1 hr');
    expect(formatDuration(0, 'en')).toBe('0 sec');
  });

  it('says durations in Arabic words', () => {
    const text = formatDuration(3725, 'ar');
    expect(text).not.toMatch(/hr|min/);
    expect(text).toContain(new Intl.NumberFormat('ar', { style: 'unit', unit: 'hour', unitDisplay: 'short' }).format(1));
  });
});

describe('formatRelative', () => {
  it('says how long ago in English', () => {
    expect(formatRelative(ago(30_000), now, 'en')).toBe('30 seconds ago');
    expect(formatRelative(ago(2 * 3_600_000), now, 'en')).toBe('2 hours ago');
    expect(formatRelative(ago(24 * 3_600_000), now, 'en')).toBe('yesterday');
    expect(formatRelative(new Date(now.getTime() + 3 * 86_400_000), now, 'en')).toBe('in 3 days');
  });

  it('says how long ago in Arabic, with Arabic grammar for two', () => {
    expect(formatRelative(ago(2 * 3_600_000), now, 'ar')).toBe(new Intl.RelativeTimeFormat('ar', { numeric: 'auto' }).format(-2, 'hour'));
    expect(formatRelative(ago(2 * 3_600_000), now, 'ar')).toContain('ساعتين');
    expect(formatRelative(ago(24 * 3_600_000), now, 'ar')).toBe('أمس');
  });
});
