// Retention policy: decides, for every snapshot, whether `forget` keeps it and why (restic/Kopia-style rules).

import { AirlockError } from '../errors.ts';

export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly keepHourly?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
  /** Keep everything newer than this many milliseconds before `now`. */
  readonly keepWithinMs?: number;
  /** Keep snapshots carrying any of these tags. */
  readonly keepTags?: readonly string[];
}

export interface RetentionCandidate {
  readonly id: string;
  readonly time: Date;
  readonly tags?: readonly string[];
}

export interface RetentionDecision {
  readonly id: string;
  readonly keep: boolean;
  readonly reasons: readonly string[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Months and years are fixed lengths because the policy carries milliseconds, not a calendar offset.
const durationUnits = [
  ['y', 365 * DAY],
  ['m', 30 * DAY],
  ['w', 7 * DAY],
  ['d', DAY],
  ['h', HOUR],
] as const;

const durationPattern = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?$/;

/** Parses "7d", "2w", "1y6m", "36h" (units largest first: y=365d, m=30d, w, d, h) into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const match = durationPattern.exec(trimmed);
  const bad = (why: string): AirlockError =>
    new AirlockError('USAGE', `"${text}" is not a usable duration: ${why}. Write whole numbers with units, largest first: y (365 days), m (30 days), w, d, h — for example 36h, 7d, 2w or 1y6m.`);
  if (trimmed === '' || !match) throw bad('it does not match the format');
  let total = 0;
  durationUnits.forEach(([, unitMs], i) => {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * unitMs;
  });
  if (!Number.isSafeInteger(total)) throw bad('it is too long');
  if (total === 0) throw bad('it is zero, which would keep nothing');
  return total;
}

// Display units for reasons: weeks are input sugar only, so "7d" reads back as "7d"; sub-hour rests stay visible.
const displayUnits = [
  ['y', 365 * DAY],
  ['m', 30 * DAY],
  ['d', DAY],
  ['h', HOUR],
  ['min', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

/** Renders milliseconds as the compact duration shown in reasons ("7d", "1y6m", "1d12h"). */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms);
  if (rest <= 0) return '0ms';
  let out = '';
  for (const [unit, unitMs] of displayUnits) {
    const n = Math.floor(rest / unitMs);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * unitMs;
    }
  }
  return out;
}

type CountedRule = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const countedRules: readonly (readonly [CountedRule, keyof RetentionPolicy])[] = [
  ['last', 'keepLast'],
  ['hourly', 'keepHourly'],
  ['daily', 'keepDaily'],
  ['weekly', 'keepWeekly'],
  ['monthly', 'keepMonthly'],
  ['yearly', 'keepYearly'],
];

function countOf(policy: RetentionPolicy, rule: CountedRule): number {
  switch (rule) {
    case 'last':
      return policy.keepLast ?? 0;
    case 'hourly':
      return policy.keepHourly ?? 0;
    case 'daily':
      return policy.keepDaily ?? 0;
    case 'weekly':
      return policy.keepWeekly ?? 0;
    case 'monthly':
      return policy.keepMonthly ?? 0;
    case 'yearly':
      return policy.keepYearly ?? 0;
  }
}

/** True when the policy would keep nothing by any rule; callers must refuse it rather than forget everything. */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  const anyCount = countedRules.some(([rule]) => countOf(p, rule) > 0);
  const within = (p.keepWithinMs ?? 0) > 0;
  const tags = (p.keepTags ?? []).length > 0;
  return !anyCount && !within && !tags;
}

function validatePolicy(policy: RetentionPolicy): void {
  for (const [rule, field] of countedRules) {
    const n = countOf(policy, rule);
    // Infinity is accepted as "every bucket", like restic's -1.
    if (Number.isNaN(n) || n < 0 || (Number.isFinite(n) && !Number.isInteger(n))) {
      throw new AirlockError('USAGE', `The retention setting ${field} must be a whole number of snapshots, 0 or more (got ${String(n)}).`);
    }
  }
  const within = policy.keepWithinMs;
  if (within !== undefined && !(Number.isFinite(within) && within >= 0)) {
    throw new AirlockError('USAGE', `The retention setting keepWithin must be a finite duration (got ${String(within)} ms).`);
  }
  if (isEmptyPolicy(policy)) {
    throw new AirlockError('USAGE', 'The retention policy keeps nothing. Set at least one of keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin or keepTags.');
  }
}

type CalendarRule = Exclude<CountedRule, 'last'>;
type CalendarKeys = Readonly<Record<CalendarRule, string>>;

function calendarReader(timeZone: string | undefined): (time: Date) => CalendarKeys {
  let format: Intl.DateTimeFormat;
  try {
    // Gregorian calendar and Latin digits pinned so bucket keys never depend on the machine's locale.
    format = new Intl.DateTimeFormat('en-US', {
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      hourCycle: 'h23',
      ...(timeZone === undefined ? {} : { timeZone }),
    });
  } catch (err) {
    if (err instanceof RangeError) {
      throw new AirlockError('USAGE', `"${String(timeZone)}" is not a time zone this system knows. Use an IANA name such as Europe/Berlin or UTC.`, { cause: err });
    }
    throw err;
  }
  return (time) => {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    for (const part of format.formatToParts(time)) {
      if (part.type === 'year') year = Number(part.value);
      else if (part.type === 'month') month = Number(part.value);
      else if (part.type === 'day') day = Number(part.value);
      else if (part.type === 'hour') hour = Number(part.value);
    }
    // Wall-clock keys: the hour repeated when DST ends is one calendar hour, a 23- or 25-hour day is one day.
    return {
      hourly: `${year}-${month}-${day} ${hour}`,
      daily: `${year}-${month}-${day}`,
      weekly: isoWeekKey(year, month, day),
      monthly: `${year}-${month}`,
      yearly: `${year}`,
    };
  };
}

/** ISO 8601 week of a civil date: weeks start on Monday and belong to the year holding their Thursday. */
function isoWeekKey(year: number, month: number, day: number): string {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const mondayBased = (date.getUTCDay() + 6) % 7;
  const thursday = new Date(date.getTime() + (3 - mondayBased) * DAY);
  const isoYear = thursday.getUTCFullYear();
  const januaryFirst = new Date(0);
  januaryFirst.setUTCFullYear(isoYear, 0, 1);
  const week = Math.floor((thursday.getTime() - januaryFirst.getTime()) / (7 * DAY)) + 1;
  return `${isoYear}-W${week}`;
}

interface Ranked {
  readonly candidate: RetentionCandidate;
  readonly index: number;
  readonly ms: number;
}

// Ties on time are broken by id (the greater id counts as newer), so the outcome never depends on input order.
function newestFirst(a: Ranked, b: Ranked): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  if (a.candidate.id !== b.candidate.id) return a.candidate.id < b.candidate.id ? 1 : -1;
  return a.index - b.index;
}

/**
 * Decides keep/forget for every snapshot, in input order, with every reason that keeps it.
 * Each rule applies independently to the snapshots sorted newest first; the newest snapshot is always kept.
 * Calendar buckets are read in `timeZone` (an IANA name; default the machine's zone).
 */
export function applyRetention(
  snapshots: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  now: Date,
  timeZone?: string,
): RetentionDecision[] {
  validatePolicy(policy);
  const calendarOf = calendarReader(timeZone);

  const ranked: Ranked[] = snapshots.map((candidate, index) => {
    const ms = candidate.time.getTime();
    if (Number.isNaN(ms)) {
      throw new AirlockError('CORRUPT_DATA', `Snapshot ${candidate.id} has no valid time, so retention cannot place it. Run \`airlock check\` on the repository.`);
    }
    return { candidate, index, ms };
  });
  ranked.sort(newestFirst);

  const reasons: string[][] = snapshots.map(() => []);
  const reasonsAt = (index: number): string[] => {
    const list = reasons[index];
    if (list === undefined) throw new Error(`retention: no decision slot for index ${index}`);
    return list;
  };

  const calendarCache = new Map<number, CalendarKeys>();
  const keyOf = (entry: Ranked, rank: number, rule: CountedRule): string => {
    if (rule === 'last') return String(rank);
    let keys = calendarCache.get(entry.index);
    if (keys === undefined) {
      keys = calendarOf(entry.candidate.time);
      calendarCache.set(entry.index, keys);
    }
    return keys[rule];
  };

  for (const [rule] of countedRules) {
    const count = countOf(policy, rule);
    if (count <= 0) continue;
    const seen = new Set<string>();
    for (const [rank, entry] of ranked.entries()) {
      if (seen.size >= count) break;
      const key = keyOf(entry, rank, rule);
      if (seen.has(key)) continue;
      seen.add(key);
      reasonsAt(entry.index).push(`${rule} #${seen.size}`);
    }
  }

  const within = policy.keepWithinMs ?? 0;
  if (within > 0) {
    const cutoff = now.getTime() - within;
    const label = `within ${formatDuration(within)}`;
    for (const entry of ranked) if (entry.ms >= cutoff) reasonsAt(entry.index).push(label);
  }

  const keepTags = [...new Set(policy.keepTags ?? [])];
  if (keepTags.length > 0) {
    for (const entry of ranked) {
      const tags = entry.candidate.tags ?? [];
      for (const tag of keepTags) if (tags.includes(tag)) reasonsAt(entry.index).push(`tag ${tag}`);
    }
  }

  const newest = ranked[0];
  if (newest !== undefined) {
    const list = reasonsAt(newest.index);
    if (list.length === 0) list.push('latest');
  }

  return snapshots.map((candidate, index) => {
    const list = reasonsAt(index);
    return { id: candidate.id, keep: list.length > 0, reasons: list };
  });
}
