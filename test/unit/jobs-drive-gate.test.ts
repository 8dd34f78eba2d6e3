// Drive-wait: a scheduled job whose repository drive is unplugged waits and says so, and runs once when the drive appears.

import { describe, expect, it } from 'vitest';
import type { Drive, DriveLister } from '../../electron/engine/drives/drive.ts';
import { waitForDrives } from '../../electron/engine/drives/wait.ts';
import { DriveGate, type DriveGateEvents } from '../../electron/engine/jobs/drive-gate.ts';
import { parseJob, type Job } from '../../electron/engine/jobs/job.ts';
import { RunQueue } from '../../electron/engine/jobs/queue.ts';
import { Scheduler } from '../../electron/engine/jobs/scheduler.ts';
import { AirlockError } from '../../electron/engine/errors.ts';
import { openCatalog } from '../../electron/engine/catalog/catalog.ts';
import { statusReport } from '../../electron/engine/jobs/status-report.ts';
import { FakeClock, settle } from './jobs-fake-clock.ts';

const MINUTE = 60_000;

/** A drive lister whose answer the test changes: plugging in and pulling out drives. */
class FakeDrives implements DriveLister {
  mounted: Drive[] = [];
  looks = 0;
  list(): readonly Drive[] {
    this.looks++;
    return this.mounted;
  }
}

const usb: Drive = { uuid: '4f1c-9a2b', label: 'BACKUP-USB-2', mountPoint: '/media/office/BACKUP-USB-2' };

function usbJob(): Job {
  return parseJob({
    id: 'usb',
    name: 'usb',
    sources: ['/srv/data'],
    repositories: ['/media/office/BACKUP-USB-2/airlock'],
    schedule: 'every day at 02:00',
    timeZone: 'UTC',
    drives: [{ path: '/media/office/BACKUP-USB-2/airlock', uuid: usb.uuid, label: usb.label, relativePath: 'airlock' }],
  });
}

function harness(start: string) {
  const clock = new FakeClock(start);
  const drives = new FakeDrives();
  const jobs = [usbJob()];
  const started: { jobId: string; scheduledFor: string; at: string }[] = [];
  const lastRuns = new Map<string, Date>();
  const queue = new RunQueue<string>({
    clock,
    run: ({ run }) => {
      lastRuns.set(run.jobId, clock.now());
      started.push({ jobId: run.jobId, scheduledFor: run.scheduledFor.toISOString(), at: clock.now().toISOString() });
      return Promise.resolve('ok');
    },
  });
  const gate = new DriveGate({ queue, clock, drives, drivesOf: (id) => jobs.find((j) => j.id === id)?.drives ?? [], pollMs: 10_000 });
  const waiting: DriveGateEvents['waiting'][] = [];
  const released: DriveGateEvents['released'][] = [];
  gate.onGate('waiting', (e) => waiting.push(e));
  gate.onGate('released', (e) => released.push(e));
  const scheduler = new Scheduler({ jobs: { listJobs: () => jobs, lastRun: (id) => lastRuns.get(id) }, queue: gate, clock });
  return { clock, drives, gate, scheduler, started, waiting, released, lastRuns };
}

describe('DriveGate', () => {
  it('holds a due run while its drive is unplugged, says what it waits for, and runs it once when the drive appears', async () => {
    const h = harness('2025-06-02T01:59:00Z');
    h.lastRuns.set('usb', new Date('2025-06-01T02:00:00Z'));
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T02:00:00Z');
    expect(h.started).toEqual([]);
    expect(h.waiting).toEqual([
      { runId: expect.stringMatching(/^held-/) as string, jobId: 'usb', trigger: 'scheduled', drives: ['BACKUP-USB-2'], message: 'waiting for drive BACKUP-USB-2', scheduledFor: new Date('2025-06-02T02:00:00Z') },
    ]);
    const heldId = h.waiting[0]?.runId;
    expect(h.gate.hasWaiting('usb')).toBe(true);
    expect(h.gate.waiting().map((w) => w.message)).toEqual(['waiting for drive BACKUP-USB-2']);

    // A whole day unplugged: the next due time does not add a second waiting run.
    await h.clock.advanceTo('2025-06-03T09:00:00Z');
    expect(h.started).toEqual([]);
    expect(h.waiting).toHaveLength(1);

    // Plugged in, mounted somewhere else than before: found by its UUID within one poll.
    h.drives.mounted = [{ ...usb, mountPoint: '/run/media/office/BACKUP-USB-2' }];
    await h.clock.advance(10_000);
    expect(h.started).toEqual([{ jobId: 'usb', scheduledFor: '2025-06-02T02:00:00.000Z', at: '2025-06-03T09:00:10.000Z' }]);
    expect(h.released).toEqual([{ runId: heldId, jobId: 'usb', waitedMs: 31 * 3_600_000 + 10_000 }]);
    expect(h.gate.hasWaiting('usb')).toBe(false);

    // With the drive there, the next due time runs on time and nothing is left waiting.
    await h.clock.advanceTo('2025-06-04T02:00:00Z');
    expect(h.started.map((s) => s.at)).toEqual(['2025-06-03T09:00:10.000Z', '2025-06-04T02:00:00.000Z']);
    expect(h.waiting).toHaveLength(1);
    h.scheduler.stop();
  });

  it('does not take a drive with the same label but another UUID for the one it waits for', async () => {
    const h = harness('2025-06-02T01:59:00Z');
    h.lastRuns.set('usb', new Date('2025-06-01T02:00:00Z'));
    h.scheduler.start();
    await h.clock.advanceTo('2025-06-02T02:00:00Z');
    h.drives.mounted = [{ ...usb, uuid: 'ffff-0000' }];
    await h.clock.advance(5 * MINUTE);
    expect(h.started).toEqual([]);
    h.scheduler.stop();
    h.gate.stop('test over');
  });

  it('lets runs of jobs without drives straight through, and on stop resolves held runs as cancelled and stops looking', async () => {
    const h = harness('2025-06-02T02:00:00Z');
    const plain = h.gate.enqueue({ jobId: 'no-drives', repositories: ['/srv/backup'], trigger: 'manual' });
    expect((await plain.finished).state).toBe('succeeded');
    const held = h.gate.enqueue({ jobId: 'usb', repositories: ['/media/office/BACKUP-USB-2/airlock'], trigger: 'manual' });
    await settle();
    const looks = h.drives.looks;
    h.gate.stop('shutting down');
    const outcome = await held.finished;
    expect(outcome).toMatchObject({ state: 'cancelled', reason: 'shutting down', attempts: 0, run: { jobId: 'usb', trigger: 'manual' } });
    await h.clock.advance(5 * MINUTE);
    expect(h.drives.looks).toBe(looks);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('cancels one held run by its id, says it was dropped, and stops looking once none waits', async () => {
    const h = harness('2025-06-02T02:00:00Z');
    const dropped: DriveGateEvents['dropped'][] = [];
    h.gate.onGate('dropped', (e) => dropped.push(e));
    const held = h.gate.enqueue({ jobId: 'usb', repositories: ['/media/office/BACKUP-USB-2/airlock'], trigger: 'manual' });
    expect(h.gate.cancel('held-not-there', 'no')).toBe(false);
    expect(h.gate.cancel(held.id, 'A person cancelled it.')).toBe(true);
    expect(await held.finished).toMatchObject({ state: 'cancelled', reason: 'A person cancelled it.', run: { id: held.id, jobId: 'usb' } });
    expect(dropped).toEqual([{ runId: held.id, jobId: 'usb', state: 'cancelled', reason: 'A person cancelled it.' }]);
    expect(h.gate.hasWaiting('usb')).toBe(false);
    expect(h.gate.cancel(held.id, 'again')).toBe(false);
    expect(h.clock.pendingTimers).toBe(0);
    h.drives.mounted = [usb];
    await h.clock.advance(5 * MINUTE);
    expect(h.started).toEqual([]);
  });
});

describe('waitForDrives', () => {
  it('says once what it waits for, and resolves with the paths moved to where the drive is mounted now', async () => {
    const clock = new FakeClock('2025-06-02T02:00:00Z');
    const drives = new FakeDrives();
    const said: string[] = [];
    const waiting = waitForDrives(usbJob().drives ?? [], { drives, clock, pollMs: 1000, onWaiting: (m) => said.push(m) });
    await clock.advance(5000);
    drives.mounted = [{ ...usb, mountPoint: '/mnt/usb' }];
    await clock.advance(1000);
    const resolution = await waiting;
    expect(said).toEqual(['waiting for drive BACKUP-USB-2']);
    expect(resolution.locate('/media/office/BACKUP-USB-2/airlock')).toBe('/mnt/usb/airlock');
    expect(resolution.locate('/srv/data')).toBe('/srv/data');
  });

  it('stops waiting when cancelled', async () => {
    const clock = new FakeClock('2025-06-02T02:00:00Z');
    const controller = new AbortController();
    const waiting = waitForDrives(usbJob().drives ?? [], { drives: new FakeDrives(), clock, signal: controller.signal });
    controller.abort(new AirlockError('CANCELLED', 'Cancelled.'));
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('status while a drive is unplugged', () => {
  it('says which job waits for which drive, and that the repository is not plugged in', async () => {
    const catalog = openCatalog(':memory:');
    try {
      catalog.addJob({ job: usbJob(), passphraseFiles: {} });
      const drives = new FakeDrives();
      const now = new Date('2025-06-02T03:00:00Z');
      const away = await statusReport(catalog, { now, drives });
      expect(away.jobs[0]?.line).toMatch(/waiting for drive BACKUP-USB-2/);
      expect(away.warnings.map((w) => [w.message, w.action.label])).toContainEqual(['usb is waiting for drive BACKUP-USB-2 to be plugged in', 'Plug in drive BACKUP-USB-2']);
      expect(away.repositories[0]?.line).toMatch(/Drive not plugged in/);
      drives.mounted = [usb];
      const back = await statusReport(catalog, { now, drives });
      expect(back.jobs[0]?.line).not.toMatch(/waiting for drive/);
    } finally {
      catalog.close();
    }
  });
});
