// Retention policy: worked examples with exact kept sets and reasons, plus invariants checked with fast-check.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import {
  applyRetention,
  formatDuration,
  isEmptyPolicy,
  parseDuration,
  type RetentionCandidate,
  type RetentionDecision,
  type RetentionPolicy,
} from '../../electron/engine/retention/policy.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function snap(id: string, iso: string, tags?: string[]): RetentionCandidate {
  return tags === undefined ? { id, time: new Date(iso) } : { id, time: new Date(iso), tags };
}

/** The kept snapshots as id -> reasons, which is what a user sees in `forget --dry-run`. */
function keptReasons(decisions: readonly RetentionDecision[]): Record<string, readonly string[]> {
  return Object.fromEntries(decisions.filter((d) => d.keep).map((d) => [d.id, d.reasons]));
}

function keptIds(decisions: readonly RetentionDecision[]): Set<string> {
  return new Set(decisions.filter((d) => d.keep).map((d) => d.id));
}

/** One snapshot per day at `hourUtc`, from `first` for `days` days, id = the ISO date. */
function daily(first: string, days: number, hourUtc = 12): RetentionCandidate[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => {
    const time = new Date(start + i * DAY + hourUtc * HOUR);
    return { id: time.toISOString().slice(0, 10), time };
  });
}

function expectUsage(run: () => unknown, fragment: RegExp): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('USAGE');
    expect((err as AirlockError).message).toMatch(fragment);
    return;
  }
  expect.fail('expected an AirlockError with code USAGE');
}

const now = new Date('2024-07-01T00:00:00Z');

describe('applyRetention: worked examples', () => {
  it('keeps exactly the 7 newest days of 30 daily snapshots with keepDaily 7', () => {
    const snaps = daily('2024-03-01', 30);
    const decisions = applyRetention(snaps, { keepDaily: 7 }, now, 'UTC');
    expect(keptReasons(decisions)).toEqual({
      '2024-03-30': ['daily #1'],
      '2024-03-29': ['daily #2'],
      '2024-03-28': ['daily #3'],
      '2024-03-27': ['daily #4'],
      '2024-03-26': ['daily #5'],
      '2024-03-25': ['daily #6'],
      '2024-03-24': ['daily #7'],
    });
    expect(decisions.filter((d) => !d.keep)).toHaveLength(23);
    expect(decisions.filter((d) => !d.keep).every((d) => d.reasons.length === 0)).toBe(true);
  });

  it('keeps the newest snapshot of each day, and counts only days that have snapshots', () => {
    const snaps = [
      snap('mar01-morning', '2024-03-01T08:00:00Z'),
      snap('mar01-evening', '2024-03-01T20:00:00Z'),
      snap('mar05-morning', '2024-03-05T08:00:00Z'),
      snap('mar05-evening', '2024-03-05T20:00:00Z'),
      snap('mar09', '2024-03-09T10:00:00Z'),
      snap('mar10-a', '2024-03-10T01:00:00Z'),
      snap('mar10-b', '2024-03-10T23:59:59Z'),
    ];
    expect(keptReasons(applyRetention(snaps, { keepDaily: 3 }, now, 'UTC'))).toEqual({
      'mar10-b': ['daily #1'],
      mar09: ['daily #2'],
      'mar05-evening': ['daily #3'],
    });
  });

  it('uses ISO weeks for keepWeekly across the 2020/2021 boundary (2020 has a week 53)', () => {
    // 2020-12-28 (Mon) .. 2021-01-03 (Sun) is ISO week 2020-W53; a naive calendar-year week would split it.
    const snaps = daily('2020-12-21', 21);
    expect(keptReasons(applyRetention(snaps, { keepWeekly: 3 }, now, 'UTC'))).toEqual({
      '2021-01-10': ['weekly #1'],
      '2021-01-03': ['weekly #2'],
      '2020-12-27': ['weekly #3'],
    });
  });

  it('puts Monday 2024-12-30 into ISO week 2025-W01', () => {
    const snaps = [
      snap('sun-2024-12-29', '2024-12-29T12:00:00Z'),
      snap('mon-2024-12-30', '2024-12-30T12:00:00Z'),
      snap('thu-2025-01-02', '2025-01-02T12:00:00Z'),
      snap('sun-2025-01-05', '2025-01-05T12:00:00Z'),
    ];
    expect(keptReasons(applyRetention(snaps, { keepWeekly: 2 }, now, 'UTC'))).toEqual({
      'sun-2025-01-05': ['weekly #1'],
      'sun-2024-12-29': ['weekly #2'],
    });
  });

  it('counts the 25-hour day when DST ends in Europe/Berlin as one day', () => {
    // 2024-10-27 in Berlin runs from 2024-10-26T22:00Z (00:00 CEST) to 2024-10-27T22:59Z (23:59 CET): 25 hours.
    const oct27 = Array.from({ length: 25 }, (_, i) => {
      const time = new Date(Date.parse('2024-10-26T22:30:00Z') + i * HOUR);
      return { id: `oct27-${String(i).padStart(2, '0')}`, time };
    });
    const snaps = [snap('oct26-late', '2024-10-26T21:30:00Z'), ...oct27, snap('oct28-early', '2024-10-27T23:30:00Z'), snap('oct25', '2024-10-25T12:00:00Z')];
    const berlin = applyRetention(snaps, { keepDaily: 3 }, now, 'Europe/Berlin');
    expect(keptReasons(berlin)).toEqual({
      'oct28-early': ['daily #1'],
      'oct27-24': ['daily #2'],
      'oct26-late': ['daily #3'],
    });
    // The same instants read in UTC fall on different days, which proves the zone is honoured.
    expect(keptReasons(applyRetention(snaps, { keepDaily: 3 }, now, 'UTC'))).toEqual({
      'oct28-early': ['daily #1'],
      'oct27-01': ['daily #2'],
      oct25: ['daily #3'],
    });
  });

  it('counts the 23-hour day when DST starts in Europe/Berlin as one day', () => {
    // 2024-03-31 in Berlin runs from 2024-03-30T23:00Z to 2024-03-31T21:59Z: 23 hours.
    const mar31 = Array.from({ length: 23 }, (_, i) => {
      const time = new Date(Date.parse('2024-03-30T23:15:00Z') + i * HOUR);
      return { id: `mar31-${String(i).padStart(2, '0')}`, time };
    });
    const snaps = [snap('mar30', '2024-03-30T22:45:00Z'), ...mar31, snap('apr01', '2024-03-31T22:15:00Z')];
    expect(keptReasons(applyRetention(snaps, { keepDaily: 3 }, now, 'Europe/Berlin'))).toEqual({
      apr01: ['daily #1'],
      'mar31-22': ['daily #2'],
      mar30: ['daily #3'],
    });
  });

  it('treats the wall-clock hour repeated when DST ends as one calendar hour', () => {
    // 00:30Z is 02:30 CEST and 01:30Z is 02:30 CET on 2024-10-27: the same hour on a Berlin clock.
    const snaps = [snap('cest-0230', '2024-10-27T00:30:00Z'), snap('cet-0230', '2024-10-27T01:30:00Z'), snap('cet-0330', '2024-10-27T02:30:00Z'), snap('cest-0130', '2024-10-26T23:30:00Z')];
    expect(keptReasons(applyRetention(snaps, { keepHourly: 3 }, now, 'Europe/Berlin'))).toEqual({
      'cet-0330': ['hourly #1'],
      'cet-0230': ['hourly #2'],
      'cest-0130': ['hourly #3'],
    });
  });

  it('applies every rule independently and lists every reason a snapshot is kept for', () => {
    const snaps = daily('2023-01-01', 547, 3); // 2023-01-01 .. 2024-06-30, the last one a Sunday
    const policy: RetentionPolicy = { keepLast: 2, keepDaily: 3, keepWeekly: 2, keepMonthly: 3, keepYearly: 2 };
    expect(keptReasons(applyRetention(snaps, policy, now, 'UTC'))).toEqual({
      '2024-06-30': ['last #1', 'daily #1', 'weekly #1', 'monthly #1', 'yearly #1'],
      '2024-06-29': ['last #2', 'daily #2'],
      '2024-06-28': ['daily #3'],
      '2024-06-23': ['weekly #2'],
      '2024-05-31': ['monthly #2'],
      '2024-04-30': ['monthly #3'],
      '2023-12-31': ['yearly #2'],
    });
  });

  it('keeps snapshots carrying a kept tag, once per matching tag', () => {
    const snaps = [
      snap('a', '2024-01-01T00:00:00Z', ['monthly']),
      snap('b', '2024-01-02T00:00:00Z', ['monthly', 'pre-upgrade']),
      snap('c', '2024-01-03T00:00:00Z', ['other']),
      snap('d', '2024-01-04T00:00:00Z'),
      snap('e', '2024-01-05T00:00:00Z', ['other']),
    ];
    expect(keptReasons(applyRetention(snaps, { keepTags: ['pre-upgrade', 'monthly', 'monthly'] }, now, 'UTC'))).toEqual({
      a: ['tag monthly'],
      b: ['tag pre-upgrade', 'tag monthly'],
      e: ['latest'],
    });
  });

  it('keeps everything within the window before now, boundary included, and names the window', () => {
    const snaps = [
      snap('8d-old', '2024-06-23T00:00:00Z'),
      snap('exactly-7d', '2024-06-24T00:00:00Z'),
      snap('1ms-inside', '2024-06-24T00:00:00.001Z'),
      snap('6d-old', '2024-06-25T00:00:00Z'),
      snap('future', '2024-07-02T00:00:00Z'),
    ];
    expect(keptReasons(applyRetention(snaps, { keepWithinMs: parseDuration('7d') }, now, 'UTC'))).toEqual({
      'exactly-7d': ['within 7d'],
      '1ms-inside': ['within 7d'],
      '6d-old': ['within 7d'],
      future: ['within 7d'],
    });
  });

  it('always keeps the newest snapshot, with "latest" only when no rule kept it', () => {
    const snaps = daily('2024-01-01', 5);
    expect(keptReasons(applyRetention(snaps, { keepTags: ['nothing-has-this'] }, now, 'UTC'))).toEqual({ '2024-01-05': ['latest'] });
    const oldWindow = applyRetention(snaps, { keepWithinMs: HOUR }, now, 'UTC');
    expect(keptReasons(oldWindow)).toEqual({ '2024-01-05': ['latest'] });
    expect(keptReasons(applyRetention(snaps, { keepLast: 1 }, now, 'UTC'))).toEqual({ '2024-01-05': ['last #1'] });
  });

  it('breaks ties on identical times by id, whatever the input order', () => {
    const t = '2024-05-05T05:05:05Z';
    const forward = [snap('a', t), snap('b', t), snap('c', t)];
    const backward = [...forward].reverse();
    for (const snaps of [forward, backward]) {
      expect(keptReasons(applyRetention(snaps, { keepLast: 2 }, now, 'UTC'))).toEqual({ c: ['last #1'], b: ['last #2'] });
      expect(keptReasons(applyRetention(snaps, { keepDaily: 1 }, now, 'UTC'))).toEqual({ c: ['daily #1'] });
    }
  });

  it('returns decisions in input order', () => {
    const snaps = [snap('mid', '2024-02-01T00:00:00Z'), snap('new', '2024-03-01T00:00:00Z'), snap('old', '2024-01-01T00:00:00Z')];
    const decisions = applyRetention(snaps, { keepLast: 1 }, now, 'UTC');
    expect(decisions).toEqual([
      { id: 'mid', keep: false, reasons: [] },
      { id: 'new', keep: true, reasons: ['last #1'] },
      { id: 'old', keep: false, reasons: [] },
    ]);
  });

  it('keeps every bucket when a count is Infinity, and everything when asked for more than exists', () => {
    const snaps = daily('2024-01-01', 40);
    expect(keptIds(applyRetention(snaps, { keepDaily: Infinity }, now, 'UTC')).size).toBe(40);
    expect(keptIds(applyRetention(snaps, { keepMonthly: 5 }, now, 'UTC'))).toEqual(new Set(['2024-02-09', '2024-01-31']));
    expect(keptIds(applyRetention(snaps, { keepLast: 100 }, now, 'UTC')).size).toBe(40);
  });

  it('reads buckets in the machine zone when none is given', () => {
    const snaps = daily('2024-01-01', 60, 23);
    const machineZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const policy: RetentionPolicy = { keepDaily: 5, keepWeekly: 3, keepHourly: 2 };
    expect(applyRetention(snaps, policy, now)).toEqual(applyRetention(snaps, policy, now, machineZone));
  });

  it('returns nothing for no snapshots', () => {
    expect(applyRetention([], { keepLast: 3 }, now, 'UTC')).toEqual([]);
  });
});

describe('applyRetention: refusals', () => {
  it('refuses an empty policy instead of forgetting everything', () => {
    const snaps = daily('2024-01-01', 3);
    for (const policy of [{}, { keepLast: 0, keepDaily: 0 }, { keepTags: [] }, { keepWithinMs: 0 }] satisfies RetentionPolicy[]) {
      expect(isEmptyPolicy(policy)).toBe(true);
      expectUsage(() => applyRetention(snaps, policy, now, 'UTC'), /keeps nothing/);
    }
    expect(isEmptyPolicy({ keepYearly: 1 })).toBe(false);
    expect(isEmptyPolicy({ keepTags: ['x'] })).toBe(false);
    expect(isEmptyPolicy({ keepWithinMs: 1 })).toBe(false);
  });

  it('refuses counts that are negative, fractional or not a number, naming the setting', () => {
    const snaps = daily('2024-01-01', 3);
    expectUsage(() => applyRetention(snaps, { keepDaily: -1 }, now, 'UTC'), /keepDaily/);
    expectUsage(() => applyRetention(snaps, { keepWeekly: 1.5 }, now, 'UTC'), /keepWeekly/);
    expectUsage(() => applyRetention(snaps, { keepLast: Number.NaN }, now, 'UTC'), /keepLast/);
    expectUsage(() => applyRetention(snaps, { keepWithinMs: Infinity }, now, 'UTC'), /keepWithin/);
  });

  it('refuses an unknown time zone with a sentence, not a RangeError', () => {
    expectUsage(() => applyRetention(daily('2024-01-01', 2), { keepDaily: 1 }, now, 'Mars/Olympus_Mons'), /Mars\/Olympus_Mons.*IANA/);
  });

  it('reports a snapshot without a valid time as corrupt data, naming it', () => {
    const run = (): unknown => applyRetention([snap('good', '2024-01-01T00:00:00Z'), { id: 'broken', time: new Date(Number.NaN) }], { keepLast: 1 }, now, 'UTC');
    expect(run).toThrow(AirlockError);
    expect(run).toThrow(/broken/);
  });
});

describe('parseDuration and formatDuration', () => {
  it.each([
    ['36h', 36 * HOUR],
    ['7d', 7 * DAY],
    ['2w', 14 * DAY],
    ['6m', 180 * DAY],
    ['1y', 365 * DAY],
    ['1y6m', 545 * DAY],
    ['1y2m3w4d5h', (365 + 60 + 21 + 4) * DAY + 5 * HOUR],
    [' 7d ', 7 * DAY],
    ['007d', 7 * DAY],
  ])('parses %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '7', 'd', '7x', '7D', '1.5d', '-1d', '6m1y', '1d1d', '7 d', '0d', '0y0h', '99999999999999y'])('refuses %j with USAGE', (text) => {
    expectUsage(() => parseDuration(text), /duration/);
  });

  it.each([
    [7 * DAY, '7d'],
    [14 * DAY, '14d'],
    [36 * HOUR, '1d12h'],
    [545 * DAY, '1y6m'],
    [90 * 60_000, '1h30min'],
    [1_500, '1s500ms'],
    [0, '0ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads back what it formats, for whole hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (hours) => {
        expect(parseDuration(formatDuration(hours * HOUR))).toBe(hours * HOUR);
      }),
    );
  });

  it('adds up every unit it is given', () => {
    const count = fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined });
    fc.assert(
      fc.property(fc.tuple(count, count, count, count, count), ([y, m, w, d, h]) => {
        const units: [number | undefined, string, number][] = [[y, 'y', 365 * DAY], [m, 'm', 30 * DAY], [w, 'w', 7 * DAY], [d, 'd', DAY], [h, 'h', HOUR]];
        const text = units.map(([n, unit]) => (n === undefined ? '' : `${n}${unit}`)).join('');
        const total = units.reduce((sum, [n, , unitMs]) => sum + (n ?? 0) * unitMs, 0);
        fc.pre(total > 0);
        expect(parseDuration(text)).toBe(total);
      }),
    );
  });
});

// ---- properties ----

const zones = ['UTC', 'Europe/Berlin', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham'] as const;
const base = Date.parse('2022-06-01T00:00:00Z');

// Times are drawn from a coarse grid often enough to produce identical times and shared buckets.
const timeArb = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((h) => base + h * HOUR),
  fc.integer({ min: 0, max: 3 * 365 * 24 * 60 }).map((min) => base + min * 60_000),
);

const snapshotsArb = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 40 })
  .chain((ids) =>
    fc.tuple(...ids.map((id) => fc.record({ id: fc.constant(id), time: timeArb.map((t) => new Date(t)), tags: fc.subarray(['a', 'b', 'c']) }))),
  );

const countArb = fc.integer({ min: 0, max: 12 });
const policyArb: fc.Arbitrary<RetentionPolicy> = fc.record(
  {
    keepLast: countArb,
    keepHourly: countArb,
    keepDaily: countArb,
    keepWeekly: countArb,
    keepMonthly: countArb,
    keepYearly: countArb,
    keepWithinMs: fc.integer({ min: 0, max: 400 * DAY }),
    keepTags: fc.subarray(['a', 'x']),
  },
  { requiredKeys: [] },
);
const nonEmptyPolicyArb = policyArb.filter((p) => !isEmptyPolicy(p));
const nowArb = fc.integer({ min: 0, max: 4 * 365 * DAY }).map((ms) => new Date(base + ms));
const zoneArb = fc.constantFrom(...zones);

/** Newest first by (time, id): the order the policy promises to use. */
function newestFirst(snaps: readonly RetentionCandidate[]): RetentionCandidate[] {
  return [...snaps].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

function byId(decisions: readonly RetentionDecision[]): Map<string, RetentionDecision> {
  return new Map(decisions.map((d) => [d.id, d]));
}

describe('applyRetention: properties', () => {
  it('always keeps the newest snapshot', () => {
    fc.assert(
      fc.property(snapshotsArb, nonEmptyPolicyArb, nowArb, zoneArb, (snaps, policy, at, zone) => {
        const newest = newestFirst(snaps)[0]!;
        const decision = byId(applyRetention(snaps, policy, at, zone)).get(newest.id)!;
        expect(decision.keep).toBe(true);
        expect(decision.reasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it('keepLast n keeps exactly the min(n, count) newest snapshots by that reason', () => {
    fc.assert(
      fc.property(snapshotsArb, fc.integer({ min: 1, max: 50 }), zoneArb, (snaps, n, zone) => {
        const decisions = applyRetention(snaps, { keepLast: n }, now, zone);
        const byLast = decisions.filter((d) => d.reasons.some((r) => r.startsWith('last #')));
        expect(byLast).toHaveLength(Math.min(n, snaps.length));
        const expected = newestFirst(snaps).slice(0, n).map((s) => s.id);
        expect(new Set(byLast.map((d) => d.id))).toEqual(new Set(expected));
        expect(keptIds(decisions)).toEqual(new Set(expected));
      }),
    );
  });

  it('decides the same whatever order the snapshots arrive in', () => {
    fc.assert(
      fc.property(
        snapshotsArb.chain((snaps) => fc.tuple(fc.constant(snaps), fc.shuffledSubarray(snaps, { minLength: snaps.length, maxLength: snaps.length }))),
        nonEmptyPolicyArb,
        nowArb,
        zoneArb,
        ([snaps, shuffled], policy, at, zone) => {
          const original = byId(applyRetention(snaps, policy, at, zone));
          const reordered = applyRetention(shuffled, policy, at, zone);
          expect(reordered.map((d) => d.id)).toEqual(shuffled.map((s) => s.id));
          for (const d of reordered) expect(d).toEqual(original.get(d.id));
        },
      ),
    );
  });

  it('never forgets a snapshot because a rule was added or a count raised', () => {
    fc.assert(
      fc.property(snapshotsArb, nonEmptyPolicyArb, policyArb, nowArb, zoneArb, (snaps, policy, extra, at, zone) => {
        const before = keptIds(applyRetention(snaps, policy, at, zone));
        const added = keptIds(applyRetention(snaps, { ...extra, ...policy }, at, zone));
        const raised: RetentionPolicy = {
          ...policy,
          keepLast: (policy.keepLast ?? 0) + (extra.keepLast ?? 0),
          keepDaily: (policy.keepDaily ?? 0) + (extra.keepDaily ?? 0),
          keepWeekly: (policy.keepWeekly ?? 0) + (extra.keepWeekly ?? 0),
        };
        const afterRaise = keptIds(applyRetention(snaps, raised, at, zone));
        for (const id of before) {
          expect(added.has(id)).toBe(true);
          expect(afterRaise.has(id)).toBe(true);
        }
      }),
    );
  });

  it('gives every kept snapshot a well-formed reason and every forgotten one none', () => {
    const reasonPattern = /^(?:(?:last|hourly|daily|weekly|monthly|yearly) #[1-9]\d*|within \S+|tag [ax]|latest)$/;
    fc.assert(
      fc.property(snapshotsArb, nonEmptyPolicyArb, nowArb, zoneArb, (snaps, policy, at, zone) => {
        const decisions = applyRetention(snaps, policy, at, zone);
        expect(decisions.some((d) => d.keep)).toBe(true);
        for (const d of decisions) {
          expect(d.keep).toBe(d.reasons.length > 0);
          for (const r of d.reasons) expect(r).toMatch(reasonPattern);
          if (d.reasons.includes('latest')) expect(d.reasons).toEqual(['latest']);
          expect(new Set(d.reasons).size).toBe(d.reasons.length);
        }
      }),
    );
  });

  it('in UTC, keeps the newest snapshot of each of the n most recent hours, days, months and years (independent oracle)', () => {
    const rules = [
      ['hourly', 'keepHourly', 13],
      ['daily', 'keepDaily', 10],
      ['monthly', 'keepMonthly', 7],
      ['yearly', 'keepYearly', 4],
    ] as const;
    fc.assert(
      fc.property(snapshotsArb, fc.constantFrom(...rules), fc.integer({ min: 1, max: 15 }), (snaps, [rule, field, prefix], n) => {
        const expected: string[] = [];
        const seen = new Set<string>();
        for (const s of newestFirst(snaps)) {
          const bucket = s.time.toISOString().slice(0, prefix);
          if (seen.size < n && !seen.has(bucket)) {
            seen.add(bucket);
            expected.push(`${s.id}:${rule} #${seen.size}`);
          }
        }
        const policy: RetentionPolicy = { [field]: n };
        const got = applyRetention(snaps, policy, now, 'UTC').flatMap((d) => d.reasons.filter((r) => r.startsWith(rule)).map((r) => `${d.id}:${r}`));
        expect(new Set(got)).toEqual(new Set(expected));
        expect(got).toHaveLength(expected.length);
      }),
    );
  });
});
