// Job definitions: defaults, every problem named with its field, secrets refused, JSON round trip, time limits.

import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../electron/engine/errors.ts';
import { parseJob, parseTimeout, scheduleOf, type JobInput } from '../../electron/engine/jobs/job.ts';
import { jobSource, sourceLocation, sourceOptions } from '../../electron/engine/jobs/job-source.ts';
import { applyRetention, type RetentionPolicy } from '../../electron/engine/retention/policy.ts';

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AirlockError);
    expect((err as AirlockError).code).toBe('USAGE');
    return (err as AirlockError).message;
  }
  return expect.fail('expected an AirlockError with code USAGE');
}

const minimal: JobInput = {
  id: 'office-docs',
  name: 'Office documents',
  sources: ['/srv/office', 'sqlite:///var/lib/app/app.db', 'postgres://backup@db1:5432/shop'],
  repositories: ['/var/backups/airlock', '/media/usb-backup'],
  schedule: 'every day at 02:00',
  timeZone: 'europe/berlin',
};

describe('parseJob', () => {
  it('fills in the defaults and canonicalises the zone', () => {
    const job = parseJob(minimal);
    expect(job).toEqual({
      ...minimal,
      timeZone: 'Europe/Berlin',
      verification: { checkAfterRun: true },
      retries: 2,
      backoff: { initialMs: 30_000, maxMs: 1_800_000, factor: 2 },
      missedRuns: 'catch-up',
      paused: false,
      priority: 0,
    });
    expect(scheduleOf(job).cron).toBe('0 2 * * *');
  });

  it('carries a retention policy that the retention module applies as is', () => {
    const job = parseJob({ ...minimal, retention: { keepDaily: 7, keepWeekly: 4, keepWithinMs: 86_400_000, keepTags: ['keep'] } });
    const policy: RetentionPolicy | undefined = job.retention;
    expect(policy).toEqual({ keepDaily: 7, keepWeekly: 4, keepWithinMs: 86_400_000, keepTags: ['keep'] });
    const decisions = applyRetention([{ id: 'a', time: new Date('2025-01-01T00:00:00Z') }], policy ?? {}, new Date('2025-01-02T00:00:00Z'), job.timeZone);
    expect(decisions[0]?.keep).toBe(true);
  });

  it('takes every setting a job can have', () => {
    const job = parseJob({
      ...minimal,
      verification: { checkAfterRun: false, readData: { percent: 5, everyDays: 7 }, restoreDrill: { everyDays: 30 } },
      timeoutMs: parseTimeout('2h'),
      retries: 3,
      backoff: { initialMs: 1000, maxMs: 60_000, factor: 3 },
      missedRuns: 'skip',
      paused: true,
      priority: 5,
      createdAt: '2025-06-01T10:00:00.000Z',
    });
    expect(job.verification).toEqual({ checkAfterRun: false, readData: { percent: 5, everyDays: 7 }, restoreDrill: { everyDays: 30 } });
    expect(job.timeoutMs).toBe(7_200_000);
    expect(job.missedRuns).toBe('skip');
  });

  it('survives the JSON round trip of `job export` / `job import` unchanged', () => {
    const job = parseJob({ ...minimal, retention: { keepLast: 3 }, timeoutMs: 60_000 });
    expect(parseJob(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it('names every problem with its field in one message', () => {
    const message = usageMessage(() =>
      parseJob({
        id: 'has space',
        name: '  ',
        sources: ['relative/folder', 'mysql://root:secret@db/shop', 'sqlite://x.db', 'ftp://host/x'],
        repositories: ['/a', '/a'],
        schedule: 'every day at 02:00',
        timeZone: 'Nowhere/Land',
        retention: {},
        retries: -1,
        missedRuns: 'burst',
      }),
    );
    for (const fragment of [
      /^The job definition is not valid: /,
      /id: a job id is 1 to 64 letters/,
      /name: the job needs a name/,
      /sources\.0: the folder "relative\/folder" must be an absolute path/,
      /sources\.1: Do not put the password in the database address/,
      /sources\.2: a SQLite source is written sqlite:\/\/\//,
      /sources\.3: "ftp:\/\/host\/x" is not a source Airlock can back up/,
      /repositories: the same repository is listed twice/,
      /timeZone: "Nowhere\/Land" is not a time zone/,
      /retention: the retention policy keeps nothing/,
      /retries: /,
      /missedRuns: /,
    ]) {
      expect(message).toMatch(fragment);
    }
    expect(message).not.toContain('secret');
  });

  it('names a bad schedule with the forms that are accepted', () => {
    expect(usageMessage(() => parseJob({ ...minimal, schedule: 'whenever' }))).toMatch(/schedule: "whenever" is not a schedule.*every day at 02:00/);
  });

  it('refuses unknown fields, so a typo in an imported file is not silently dropped', () => {
    expect(usageMessage(() => parseJob({ ...minimal, retires: 3 }))).toMatch(/retires/);
  });
});

describe('per-source options', () => {
  const withOptions: JobInput = {
    ...minimal,
    sources: [
      { source: '/srv/office', exclude: ['*.tmp', 'node_modules/'], excludeCaches: true, excludeLargerThan: 500_000_000 },
      { source: 'sqlite:///var/lib/app/app.db', tables: ['orders'] },
      { source: 'mysql://backup@db1:3306/shop', tables: ['orders', 'customers'] },
      'postgres://backup@db1:5432/shop',
    ],
  };

  it('still takes every source as a plain string, and keeps it a string', () => {
    expect(parseJob(minimal).sources).toEqual(minimal.sources);
  });

  it('takes exclusions for a folder and a table list for SQLite, MySQL and PostgreSQL, through the JSON round trip', () => {
    const job = parseJob(withOptions);
    expect(job.sources).toEqual(withOptions.sources);
    expect(parseJob(JSON.parse(JSON.stringify(job)))).toEqual(job);
    expect(sourceLocation(job.sources[0]!)).toBe('/srv/office');
    expect(sourceOptions(job.sources[1]!)).toEqual({ tables: ['orders'] });
    expect(sourceOptions(job.sources[3]!)).toEqual({});
  });

  it('refuses options that do not fit the source, naming the field', () => {
    expect(usageMessage(() => parseJob({ ...minimal, sources: [{ source: '/srv/office', tables: ['orders'] }] }))).toMatch(/sources\.0\.tables: a table list is for a database source, not a folder/);
    expect(usageMessage(() => parseJob({ ...minimal, sources: [{ source: 'sqlite:///a.db', exclude: ['*.tmp'] }] }))).toMatch(/sources\.0\.exclude: exclude is for a folder source, not a database/);
    expect(usageMessage(() => parseJob({ ...minimal, sources: [{ source: 'sqlite:///a.db', tables: [] }] }))).toMatch(/sources\.0\.tables/);
    expect(usageMessage(() => parseJob({ ...minimal, sources: [{ source: '/srv/office', excludeLargerThan: 0 }] }))).toMatch(/sources\.0\.excludeLargerThan/);
    expect(usageMessage(() => parseJob({ ...minimal, sources: [{ source: 'relative/dir', exclude: ['x'] }] }))).toMatch(/sources\.0\.source: the folder "relative\/dir" must be an absolute path/);
    expect(usageMessage(() => parseJob({ ...minimal, sources: [{ source: '/srv/office', exlude: ['x'] }] }))).toMatch(/exlude/);
  });

  it('counts a source listed twice, in either form, as a duplicate', () => {
    expect(usageMessage(() => parseJob({ ...minimal, sources: ['/srv/office', { source: '/srv/office', excludeCaches: true }] }))).toMatch(/the same source is listed twice/);
  });

  it('stores a source without options as a plain string', () => {
    expect(jobSource('/srv/office', { excludeCaches: false, exclude: undefined })).toBe('/srv/office');
    expect(jobSource('/srv/office', { excludeCaches: true })).toEqual({ source: '/srv/office', excludeCaches: true });
  });
});

describe('parseTimeout', () => {
  it.each([
    ['2h', 7_200_000],
    ['90min', 5_400_000],
    ['1h30min', 5_400_000],
    ['1d', 86_400_000],
    ['45s', 45_000],
    [' 2 H ', 7_200_000],
  ] as const)('reads "%s" as %d ms', (text, ms) => {
    expect(parseTimeout(text)).toBe(ms);
  });

  it('refuses "m", which retention reads as months, and other unusable limits', () => {
    expect(usageMessage(() => parseTimeout('30m'))).toMatch(/write "min" for minutes/);
    expect(usageMessage(() => parseTimeout('1h30m'))).toMatch(/write "min" for minutes/);
    expect(usageMessage(() => parseTimeout('0h'))).toMatch(/zero/);
    expect(usageMessage(() => parseTimeout('two hours'))).toMatch(/for example 2h, 90min/);
    expect(usageMessage(() => parseTimeout(''))).toMatch(/does not match/);
  });
});
