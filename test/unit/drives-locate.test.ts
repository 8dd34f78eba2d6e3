// Which drive a path lies on, what a job records, and where its paths are when the drive comes back at another mount point.

import { describe, expect, it } from 'vitest';
import type { Drive } from '../../electron/engine/drives/drive.ts';
import { driveName } from '../../electron/engine/drives/drive.ts';
import { driveRefFor, driveRefsFor, findDrive, resolveDrives, waitingMessage } from '../../electron/engine/drives/locate.ts';
import { parseJob } from '../../electron/engine/jobs/job.ts';

const system: Drive = { uuid: 'root-uuid', mountPoint: '/' };
const usb: Drive = { uuid: 'u-1', label: 'BACKUP-USB-2', mountPoint: '/media/office/BACKUP-USB-2' };
const nested: Drive = { label: 'INNER', mountPoint: '/media/office/BACKUP-USB-2/inner' };
const mounted = [system, usb, nested];

describe('driveRefFor', () => {
  it('names the innermost drive a path lies on, with the path inside it', () => {
    expect(driveRefFor('/media/office/BACKUP-USB-2/airlock/repo', mounted)).toEqual({ path: '/media/office/BACKUP-USB-2/airlock/repo', relativePath: 'airlock/repo', uuid: 'u-1', label: 'BACKUP-USB-2' });
    expect(driveRefFor('/media/office/BACKUP-USB-2', mounted)?.relativePath).toBe('');
    expect(driveRefFor('/media/office/BACKUP-USB-2/inner/x', mounted)).toMatchObject({ label: 'INNER', relativePath: 'x' });
  });

  it('never records the system drive, nor a folder that merely shares a name prefix', () => {
    expect(driveRefFor('/srv/data', mounted)).toBeUndefined();
    expect(driveRefFor('/media/office/BACKUP-USB-22/repo', mounted)).toBeUndefined();
  });

  it('keeps the previous reference of a path whose drive is unplugged while the job is edited', () => {
    const previous = [{ path: '/media/x/repo', uuid: 'gone', relativePath: 'repo' }];
    expect(driveRefsFor(['/media/office/BACKUP-USB-2/r', '/media/x/repo', '/srv/data'], mounted, previous).map((r) => r.uuid)).toEqual(['u-1', 'gone']);
  });
});

describe('resolveDrives', () => {
  const refs = [
    { path: '/media/office/BACKUP-USB-2/repo', uuid: 'u-1', label: 'BACKUP-USB-2', relativePath: 'repo' },
    { path: '/media/office/BACKUP-USB-2/docs', uuid: 'u-1', label: 'BACKUP-USB-2', relativePath: 'docs' },
    { path: '/media/cam/CARD', label: 'CARD', relativePath: '' },
  ];

  it('reports each missing drive once, and moves paths to where the present ones are mounted now', () => {
    const moved = resolveDrives(refs, [{ ...usb, mountPoint: '/run/media/u/B2' }]);
    expect(moved.missing.map(driveName)).toEqual(['CARD']);
    expect(moved.locate('/media/office/BACKUP-USB-2/repo')).toBe('/run/media/u/B2/repo');
    expect(moved.locate('/media/cam/CARD')).toBe('/media/cam/CARD');
    expect(resolveDrives(refs, []).missing.map(driveName)).toEqual(['BACKUP-USB-2', 'CARD']);
    expect(resolveDrives(refs, [usb, { label: 'CARD', mountPoint: '/mnt/card' }]).locate('/media/cam/CARD')).toBe('/mnt/card');
  });

  it('matches by UUID when the reference has one, else by label', () => {
    expect(findDrive(refs[0]!, [{ label: 'BACKUP-USB-2', uuid: 'other', mountPoint: '/m' }])).toBeUndefined();
    expect(findDrive(refs[2]!, [{ label: 'CARD', uuid: 'any', mountPoint: '/m' }])?.mountPoint).toBe('/m');
  });

  it('says what it waits for in a sentence', () => {
    expect(waitingMessage([refs[0]!])).toBe('waiting for drive BACKUP-USB-2');
    expect(waitingMessage([refs[0]!, refs[2]!, { path: '/x', uuid: 'abcd', relativePath: '' }])).toBe('waiting for drives BACKUP-USB-2, CARD and abcd');
  });
});

describe('the job schema', () => {
  const base = { id: 'j', name: 'j', sources: ['/srv/data'], repositories: ['/media/u/B/repo'], schedule: 'hourly', timeZone: 'UTC' };

  it('keeps drive references of the job\'s own paths, each known by UUID or label', () => {
    const job = parseJob({ ...base, drives: [{ path: '/media/u/B/repo', label: 'B', relativePath: 'repo' }], prune: { everyDays: 7 } });
    expect(job.drives).toEqual([{ path: '/media/u/B/repo', label: 'B', relativePath: 'repo' }]);
    expect(job.prune).toEqual({ everyDays: 7 });
    expect(() => parseJob({ ...base, drives: [{ path: '/elsewhere', label: 'B', relativePath: '' }] })).toThrow(/drives\.0\.path: \/elsewhere is neither a repository nor a source/);
    expect(() => parseJob({ ...base, drives: [{ path: '/media/u/B/repo', relativePath: 'repo' }] })).toThrow(/known by its filesystem UUID or its label/);
  });

  it('takes a scratch server for database drills only without a password', () => {
    const drill = (scratch: string) => parseJob({ ...base, verification: { restoreDrill: { everyDays: 30, scratch } } });
    expect(drill('postgres://postgres@127.0.0.1:5432/postgres').verification.restoreDrill?.scratch).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(() => drill('/tmp/folder')).toThrow(/scratch server is a mysql/);
    expect(() => drill('mysql://root:secret@127.0.0.1/')).toThrow(/The job definition is not valid/);
  });
});
