// The "are my backups OK?" summary: verdict, headline, lines per job and repository, and a suggested action for every warning.

import { describe, expect, it } from 'vitest';
import { backupStatus, type JobStatusInput, type RepositoryStatusInput, type StatusReport } from '../../electron/engine/health/status.ts';
import { DAY, GB, HOUR, MINUTE, T0, daily, run } from '../helpers/run-samples.ts';

/** Two hours after day 29's backup finished. */
const NOW = new Date(T0 + 29 * DAY + 20 * MINUTE + 2 * HOUR);

function job(name: string, over: Partial<JobStatusInput> = {}): JobStatusInput {
  return { name, runs: daily(30), expectedIntervalMs: DAY, nextRunAt: new Date(T0 + 30 * DAY), timeZone: 'UTC', repositories: ['BACKUP-2'], ...over };
}

function repo(over: Partial<RepositoryStatusInput> = {}): RepositoryStatusInput {
  const samples = Array.from({ length: 31 }, (_, i) => ({ time: new Date(NOW.getTime() - (30 - i) * DAY), bytesUsed: 100 * GB + i * GB }));
  return { repository: 'BACKUP-2', samples, freeBytes: 400 * GB, totalBytes: 1000 * GB, lastCheckAt: new Date(NOW.getTime() - 2 * HOUR), ...over };
}

function actions(report: StatusReport): string[][] {
  return report.warnings.map((w) => [w.level, w.message, w.action.label]);
}

describe('backup status', () => {
  it('all good: one headline, and a line per job and repository in plain words', () => {
    const report = backupStatus({ now: NOW, jobs: [job('Documents'), job('Shop database')], repositories: [repo()] });
    expect(report.overall).toBe('all-good');
    expect(report.headline).toBe('All backups are OK');
    expect(report.warnings).toEqual([]);
    expect(report.jobs.map((j) => j.line)).toEqual([
      'Documents — OK: last backup 2 hours ago · next tomorrow at 2:00 AM',
      'Shop database — OK: last backup 2 hours ago · next tomorrow at 2:00 AM',
    ]);
    expect(report.repositories.map((r) => r.line)).toEqual(['BACKUP-2: 60% full — more than a year left; last checked 2 hours ago']);
    // The report goes out as `airlock status --json` unchanged.
    expect(() => JSON.stringify(report)).not.toThrow();
  });

  it('a job failing for 3 days on a full disk: failing, with "Free up space" first', () => {
    const failing = daily(30, (i) =>
      i >= 27 ? { status: 'failed', errorCode: 'DISK_FULL', errorMessage: 'The disk is full while writing to the repository.', durationMs: 5 * MINUTE } : {},
    );
    const report = backupStatus({
      now: new Date(T0 + 29 * DAY + 5 * MINUTE + HOUR),
      jobs: [job('Accounts', { runs: failing }), job('Documents', { runs: daily(30), expectedIntervalMs: 7 * DAY })],
      repositories: [repo({ freeBytes: 50e6 })],
    });
    expect(report.overall).toBe('failing');
    expect(report.headline).toBe('Backups are failing: 3 problems need fixing now');
    expect(actions(report)).toEqual([
      ['critical', 'Accounts: the last 3 backups did not succeed; the most recent failed 1 hour ago', 'Free up space on BACKUP-2'],
      ['critical', 'Accounts: no successful backup in 3 days (expected every day)', 'Run backup now'],
      ['critical', 'BACKUP-2 is full (50 MB free); backups to it will fail until space is freed', 'Free up space on BACKUP-2'],
    ]);
    expect(report.warnings[0]?.detail).toBe('The disk is full while writing to the repository.');
    expect(report.jobs[0]?.line).toBe('Accounts — Failing: last backup 3 days ago · next tomorrow at 2:00 AM');
  });

  it('needs attention: a drive filling up, a repository not checked, an unusual backup', () => {
    const samples = Array.from({ length: 31 }, (_, i) => ({ time: new Date(NOW.getTime() - (30 - i) * DAY), bytesUsed: 100 * GB + i * 2 * GB }));
    const report = backupStatus({
      now: NOW,
      jobs: [job('Documents', { runs: daily(30, (i) => (i === 29 ? { bytesRead: 100 * GB } : {})) })],
      repositories: [repo({ samples, freeBytes: 40 * GB, totalBytes: 500 * GB, lastCheckAt: new Date(NOW.getTime() - 20 * DAY) })],
    });
    expect(report.overall).toBe('attention');
    expect(report.headline).toBe('3 things need your attention');
    expect(actions(report)).toEqual([
      [
        'warning',
        'The latest backup of Documents was much larger than usual: 100 GB instead of about 10 GB. Check that the new files are meant to be there, and that the backup drive has room for them.',
        'See what changed',
      ],
      ['warning', 'BACKUP-2 will be full in about 20 days at the current rate (it grows by 2 GB a day and has 40 GB free)', 'Free up space on BACKUP-2'],
      ['warning', 'BACKUP-2 has not been checked for 20 days, so damage to it could go unnoticed', 'Run check now'],
    ]);
    expect(report.warnings.map((w) => w.action.kind)).toEqual(['show-changes', 'free-space', 'run-check']);
    expect(report.repositories[0]?.line).toBe('BACKUP-2: 92% full — about 20 days left; last checked 20 days ago');
  });

  it('a job waiting for its USB drive says which drive to plug in', () => {
    const report = backupStatus({
      now: new Date(T0 + 31 * DAY),
      jobs: [job('Offsite copy', { waitingForDrive: 'BACKUP-USB-2', repositories: ['BACKUP-USB-2'], nextRunAt: null })],
      repositories: [repo({ repository: 'BACKUP-USB-2', freeBytes: null, lastCheckAt: new Date(T0 + 29 * DAY) })],
    });
    expect(report.overall).toBe('attention');
    expect(actions(report)).toEqual([
      ['warning', 'Offsite copy is waiting for drive BACKUP-USB-2 to be plugged in', 'Plug in drive BACKUP-USB-2'],
      ['warning', 'Offsite copy: no successful backup in 48 hours (expected every day)', 'Plug in drive BACKUP-USB-2'],
    ]);
    expect(report.jobs[0]?.line).toBe('Offsite copy — Needs attention: last backup 48 hours ago · waiting for drive BACKUP-USB-2');
    expect(report.repositories[0]?.line).toBe('BACKUP-USB-2: Drive not plugged in; last checked 2 days ago');
  });

  it('a paused job, a job never run and a running job', () => {
    const running = [...daily(29), run(T0 + 29 * DAY, { status: 'running', finishedAt: null, durationMs: null })];
    const report = backupStatus({
      now: new Date(T0 + 29 * DAY + 5 * MINUTE),
      jobs: [job('Photos', { paused: true, runs: daily(29) }), job('New job', { runs: [] }), job('Documents', { runs: running })],
      repositories: [],
    });
    expect(report.overall).toBe('attention');
    expect(actions(report)).toEqual([
      ['warning', 'Backups of Photos are paused', 'Resume Photos'],
      ['warning', 'New job: this job has not run yet, so nothing is protected by it', 'Run the first backup now'],
    ]);
    expect(report.jobs.map((j) => j.line)).toEqual([
      'Photos — OK: last backup 24 hours ago · paused',
      'New job — Not run yet: no backup yet · next tomorrow at 2:00 AM',
      'Documents — OK: last backup 24 hours ago · backing up now (usually takes about 20 minutes) · next tomorrow at 2:00 AM',
    ]);
  });

  it('with no jobs, the first thing to do is to set one up', () => {
    const report = backupStatus({ now: NOW, jobs: [], repositories: [] });
    expect(report.overall).toBe('attention');
    expect(report.headline).toBe('1 thing needs your attention');
    expect(report.warnings).toEqual([
      { level: 'warning', about: null, message: 'No backups are set up yet, so nothing is protected', action: { kind: 'add-job', label: 'Set up a backup', target: '' } },
    ]);
  });

  it('information alone (a backup that was quicker than usual) does not spoil "all good"', () => {
    const report = backupStatus({ now: NOW, jobs: [job('Documents', { runs: daily(30, (i) => (i === 29 ? { durationMs: MINUTE } : {})) })], repositories: [repo()] });
    expect(report.overall).toBe('all-good');
    expect(report.warnings.map((w) => [w.level, w.action.label])).toEqual([['info', 'See recent backups']]);
  });
});
