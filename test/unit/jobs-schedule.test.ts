// Schedules: simple forms and cron expressions, time zones, next run times, DST days, and the English summaries.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import { describeSchedule, latestRunAtOrBefore, nextRun, nextRuns, parseSchedule, resolveTimeZone } from '../../electron/engine/jobs/schedule.ts';

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

/** The wall-clock date and time of an instant in a zone, "2025-03-30 03:00". */
function local(time: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(time);
}

const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());

describe('parseSchedule: simple forms', () => {
  const cases: [string, string][] = [
    ['every day at 02:00', '0 2 * * *'],
    ['Every Day At 2:00', '0 2 * * *'],
    ['daily at 2:30am', '30 2 * * *'],
    ['at 02:00 every day', '0 2 * * *'],
    ['every day at 02:00 and 14:00', '0 2,14 * * *'],
    ['every day at noon', '0 12 * * *'],
    ['every day at 12am', '0 0 * * *'],
    ['every 4 hours', '0 */4 * * *'],
    ['every hour', '0 * * * *'],
    ['hourly', '0 * * * *'],
    ['every 60 minutes', '0 * * * *'],
    ['every 30 minutes', '*/30 * * * *'],
    ['every 15 min', '*/15 * * * *'],
    ['every minute', '* * * * *'],
    ['weekdays at 18:30', '30 18 * * 1-5'],
    ['every weekday at 6:30pm', '30 18 * * 1-5'],
    ['on weekends at 10:00', '0 10 * * 0,6'],
    ['hourly from 8 to 18', '0 8-18 * * *'],
    ['every hour between 8:30 and 17:30', '30 8-17 * * *'],
    ['every 2 hours from 8 to 18', '0 8-18/2 * * *'],
    ['every 2 hours from 22 to 6', '0 0,2,4,6,22 * * *'],
    ['every 15 minutes from 8 to 18 on weekdays', '*/15 8-17 * * 1-5'],
    ['every monday at 07:15', '15 7 * * 1'],
    ['Mondays at 7:15', '15 7 * * 1'],
    ['every monday, wednesday and friday at 7pm', '0 19 * * 1,3,5'],
    ['every tue & thu at 21:00', '0 21 * * 2,4'],
    ['every 3 hours on sundays', '0 */3 * * 0'],
  ];
  it.each(cases)('"%s" maps to cron "%s"', (expression, cron) => {
    const schedule = parseSchedule(expression, 'UTC');
    expect(schedule.cron).toBe(cron);
    expect(schedule.expression).toBe(expression.trim());
  });

  it('refuses intervals that do not divide an hour or a day evenly, saying which do', () => {
    expectUsage(() => parseSchedule('every 7 minutes', 'UTC'), /1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 minutes/);
    expectUsage(() => parseSchedule('every 5 hours', 'UTC'), /1, 2, 3, 4, 6, 8, 12 hours/);
    expectUsage(() => parseSchedule('every 24 hours', 'UTC'), /every day at 02:00/);
    expectUsage(() => parseSchedule('every 0 minutes', 'UTC'), /1 or more/);
  });

  it('refuses impossible times and time lists one cron pattern cannot hold', () => {
    expectUsage(() => parseSchedule('every day at 25:00', 'UTC'), /"25:00" is not a time of day/);
    expectUsage(() => parseSchedule('every day at 13pm', 'UTC'), /"13pm" is not a time of day/);
    expectUsage(() => parseSchedule('every day at 02:00 and 14:30', 'UTC'), /different hours and minutes/);
    expectUsage(() => parseSchedule('hourly from 8:30 to 17:00', 'UTC'), /same minute/);
    expectUsage(() => parseSchedule('every 30 minutes from 8:30 to 17', 'UTC'), /whole hours/);
    expectUsage(() => parseSchedule('hourly from 8 to 8', 'UTC'), /empty/);
  });

  it('answers anything unparseable with the forms it accepts', () => {
    for (const text of ['sometimes', 'every day', 'every blue moon at 02:00', '']) {
      expectUsage(() => parseSchedule(text, 'UTC'), /cron expression with 5 fields.*"every day at 02:00".*"hourly from 8 to 18"/);
    }
  });
});

describe('parseSchedule: cron expressions', () => {
  it('keeps 5- and 6-field patterns (whitespace normalised) and expands nicknames', () => {
    expect(parseSchedule('  30   2 * * * ', 'UTC').cron).toBe('30 2 * * *');
    expect(parseSchedule('0 30 2 * * *', 'UTC').cron).toBe('0 30 2 * * *');
    expect(parseSchedule('@daily', 'UTC').cron).toBe('0 0 * * *');
    expect(parseSchedule('*/10 * * * *', 'UTC').cron).toBe('*/10 * * * *');
  });

  it('refuses other field counts, bad values and patterns that never run', () => {
    expectUsage(() => parseSchedule('* * *', 'UTC'), /has 3 fields/);
    expectUsage(() => parseSchedule('0 0 0 * * * 2030', 'UTC'), /has 7 fields/);
    expectUsage(() => parseSchedule('61 * * * *', 'UTC'), /not a valid cron expression.*minute/);
    expectUsage(() => parseSchedule('0 0 31 2 *', 'UTC'), /never runs/);
  });
});

describe('time zones', () => {
  it('validates IANA names and returns their canonical spelling', () => {
    expect(resolveTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(resolveTimeZone('UTC')).toBe('UTC');
    expect(parseSchedule('hourly', 'america/new_york').timeZone).toBe('America/New_York');
  });

  it('refuses unknown zones and fixed offsets, which would ignore daylight saving time', () => {
    expectUsage(() => parseSchedule('hourly', 'Mars/Olympus_Mons'), /not a time zone.*Europe\/Berlin/);
    expectUsage(() => resolveTimeZone('+02:00'), /not a time zone/);
    expectUsage(() => resolveTimeZone(''), /not a time zone/);
  });
});

describe('nextRuns', () => {
  it('lists the next N run times strictly after the given time, in the job zone', () => {
    const schedule = parseSchedule('every day at 02:00', 'Europe/Berlin');
    expect(iso(nextRuns(schedule, new Date('2025-01-10T01:00:00Z'), 3))).toEqual(['2025-01-11T01:00:00.000Z', '2025-01-12T01:00:00.000Z', '2025-01-13T01:00:00.000Z']);
    // Exactly at a run time, that run is not "next".
    expect(nextRun(schedule, new Date('2025-01-11T01:00:00Z'))?.toISOString()).toBe('2025-01-12T01:00:00.000Z');
    expect(nextRuns(schedule, new Date(), 0)).toEqual([]);
    expectUsage(() => nextRuns(schedule, new Date(), -1), /whole number/);
  });

  it('skips weekends for a weekday schedule', () => {
    const schedule = parseSchedule('weekdays at 18:30', 'UTC');
    // 2025-06-06 is a Friday.
    expect(iso(nextRuns(schedule, new Date('2025-06-06T19:00:00Z'), 2))).toEqual(['2025-06-09T18:30:00.000Z', '2025-06-10T18:30:00.000Z']);
  });

  it('runs an office-hours schedule 11 times a day, from 08:00 to 18:00', () => {
    const schedule = parseSchedule('hourly from 8 to 18', 'America/New_York');
    const runs = nextRuns(schedule, new Date('2025-06-02T04:00:00Z'), 12);
    expect(runs.slice(0, 11).map((d) => local(d, 'America/New_York').slice(11))).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00', '17:00', '18:00']);
    expect(local(runs[11]!, 'America/New_York')).toBe('2025-06-03 08:00');
  });

  it('finds the latest run at or before a time, including one exactly at it', () => {
    const schedule = parseSchedule('every 4 hours', 'UTC');
    expect(latestRunAtOrBefore(schedule, new Date('2025-01-01T08:00:00Z'))?.toISOString()).toBe('2025-01-01T08:00:00.000Z');
    expect(latestRunAtOrBefore(schedule, new Date('2025-01-01T07:59:59.999Z'))?.toISOString()).toBe('2025-01-01T04:00:00.000Z');
  });
});

describe('daylight saving time', () => {
  /** Runs between two instants, grouped by the local date they fall on. */
  function runsPerLocalDay(expression: string, timeZone: string, from: string, to: string): Map<string, string[]> {
    const schedule = parseSchedule(expression, timeZone);
    const perDay = new Map<string, string[]>();
    let cursor = nextRun(schedule, new Date(from));
    while (cursor !== undefined && cursor < new Date(to)) {
      const [day = '', time = ''] = local(cursor, timeZone).split(' ');
      perDay.set(day, [...(perDay.get(day) ?? []), time]);
      cursor = nextRun(schedule, cursor);
    }
    return perDay;
  }

  /** Midnight UTC `days` days from a date, as an ISO string. */
  function shiftDays(date: string, days: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString();
  }

  const transitions = [
    // zone, the day the clocks spring forward, the day they fall back
    ['Europe/Berlin', '2025-03-30', '2025-10-26'],
    ['America/New_York', '2025-03-09', '2025-11-02'],
  ] as const;

  for (const [zone, spring, fall] of transitions) {
    it(`runs a 02:30 daily job exactly once on each day around the ${zone} spring-forward day`, () => {
      const perDay = runsPerLocalDay('every day at 02:30', zone, shiftDays(spring, -4), shiftDays(spring, 4));
      for (const [day, times] of perDay) expect(times, day).toHaveLength(1);
      // 02:30 does not exist that night: the job runs right after the gap, at 03:00, still once.
      expect(perDay.get(spring)).toEqual(['03:00']);
      expect(perDay.size).toBeGreaterThanOrEqual(7);
    });

    it(`runs a 02:30 daily job exactly once on each day around the ${zone} fall-back day`, () => {
      const perDay = runsPerLocalDay('every day at 02:30', zone, shiftDays(fall, -4), shiftDays(fall, 4));
      for (const [date, times] of perDay) expect(times, date).toEqual(['02:30']);
      expect(perDay.has(fall)).toBe(true);
      expect(perDay.size).toBeGreaterThanOrEqual(7);
    });
  }

  it('runs a job in the repeated hour once, at its first occurrence (01:30 in New York on 2025-11-02)', () => {
    const schedule = parseSchedule('every day at 01:30', 'America/New_York');
    const runs = nextRuns(schedule, new Date('2025-11-01T12:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  });

  it('runs a listed-times job once per time on the fall-back day in Berlin', () => {
    const perDay = runsPerLocalDay('30 2,14 * * *', 'Europe/Berlin', '2025-10-25T00:00:00Z', '2025-10-28T00:00:00Z');
    expect(perDay.get('2025-10-26')).toEqual(['02:30', '14:30']);
  });

  it('keeps a 30-minute interval going through the repeated hour and skips the missing one', () => {
    const fall = runsPerLocalDay('every 30 minutes', 'Europe/Berlin', '2025-10-25T21:59:59Z', '2025-10-26T23:00:00Z');
    expect(fall.get('2025-10-26')).toHaveLength(50);
    const spring = runsPerLocalDay('every 30 minutes', 'Europe/Berlin', '2025-03-29T22:59:59Z', '2025-03-30T22:00:00Z');
    expect(spring.get('2025-03-30')).toHaveLength(46);
    expect(spring.get('2025-03-30')).not.toContain('02:00');
  });

  it('property: a daily job runs once on each of 40 consecutive local days, in any zone, at any time, from any date', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'America/Santiago', 'Asia/Tehran', 'Europe/London', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        (zone, hour, minute, start) => {
          const schedule = parseSchedule(`every day at ${hour}:${String(minute).padStart(2, '0')}`, zone);
          const runs = nextRuns(schedule, start, 40);
          const days = runs.map((d) => local(d, zone).slice(0, 10));
          expect(new Set(days).size).toBe(40);
          for (let i = 1; i < runs.length; i++) {
            expect(runs[i]!.getTime()).toBeGreaterThan(runs[i - 1]!.getTime());
            const gapHours = (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 3_600_000;
            expect(gapHours).toBeGreaterThan(21);
            expect(gapHours).toBeLessThan(27);
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('describeSchedule', () => {
  const cases: [string, string][] = [
    ['every day at 02:00', 'every day at 02:00'],
    ['every 4 hours', 'every 4 hours'],
    ['every 30 minutes', 'every 30 minutes'],
    ['weekdays at 18:30', 'on weekdays at 18:30'],
    ['hourly from 8 to 18', 'every hour from 08:00 to 18:00'],
    ['every monday at 07:15', 'every Monday at 07:15'],
    ['every monday, wednesday and friday at 7pm', 'on Mondays, Wednesdays and Fridays at 19:00'],
    ['every 15 minutes from 8 to 18 on weekdays', 'every 15 minutes from 08:00 to 17:45 on weekdays'],
    ['every 3 hours on sundays', 'every 3 hours on Sundays'],
    ['every day at 02:00 and 14:00', 'every day at 02:00 and 14:00'],
    ['0 9-17 * * 1-4', 'every hour from 09:00 to 17:00 from Monday to Thursday'],
    ['15 */2 * * *', 'every 2 hours from 00:15'],
    ['0 0 1 * *', 'on the 1st of each month at 00:00'],
    ['0 3 1,15 * *', 'on the 1st and 15th of each month at 03:00'],
    ['0 0 1 1,7 *', 'on the 1st of the month in January and July at 00:00'],
    ['5 4 * * sun', 'every Sunday at 04:05'],
    ['*/10 * * * * *', 'every 10 seconds'],
    ['30 0 2 * * *', 'every day at 02:00:30'],
    ['0 0 L * *', 'on the cron schedule "0 0 L * *"'],
  ];
  it.each(cases)('"%s" reads "%s"', (expression, text) => {
    expect(describeSchedule(parseSchedule(expression, 'Europe/Berlin'))).toBe(`${text} (Europe/Berlin)`);
  });
});
