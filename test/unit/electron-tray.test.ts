// The tray's content for each state: icon, status line, next run, "Back up now" per job, pause/resume, and the quit question.

import { describe, expect, it } from 'vitest';
import type { ChannelOutput } from '../../shared/ipc/contract.ts';
import { quitConfirmation } from '../../electron/main/quit-confirmation.ts';
import { trayStateFromStatus, trayView, type TrayMenuItem, type TrayState } from '../../electron/main/tray/tray-model.ts';

const now = new Date('2026-03-02T10:00:00Z');
const base: TrayState = {
  overall: 'all-good',
  jobs: [
    { id: 'j1', name: 'nightly', paused: false },
    { id: 'j2', name: 'shop-db', paused: false },
  ],
  running: [],
  nextRun: { jobName: 'nightly', at: new Date('2026-03-02T14:00:00Z') },
  schedulerElsewhere: false,
};
const en = { now, language: 'en', timeZone: 'UTC' } as const;

function labels(items: readonly TrayMenuItem[]): string[] {
  return items.map((i) => (i.kind === 'separator' ? '—' : i.label));
}

function find(items: readonly TrayMenuItem[], label: string): TrayMenuItem {
  const item = items.find((i) => i.kind !== 'separator' && i.label === label);
  if (item === undefined) throw new Error(`no menu item "${label}" in ${labels(items).join(' | ')}`);
  return item;
}

describe('tray view', () => {
  it('says all is well, when the next run is, and offers the everyday actions', () => {
    const view = trayView(base, en);
    expect(view.icon).toBe('ok');
    expect(view.tooltip).toBe('Airlock — All backups are OK');
    expect(labels(view.menu)).toEqual(['All backups are OK', 'Next: nightly, 2:00 PM', '—', 'Open Airlock', 'Back up now', 'Pause all jobs', '—', 'Quit Airlock']);
    const backup = find(view.menu, 'Back up now');
    expect(backup.kind === 'submenu' && backup.items).toEqual([
      { kind: 'action', label: 'nightly', action: { type: 'backup', jobId: 'j1' }, enabled: true },
      { kind: 'action', label: 'shop-db', action: { type: 'backup', jobId: 'j2' }, enabled: true },
    ]);
  });

  it('shows a running backup with its percentage and greys out starting it again', () => {
    const view = trayView({ ...base, running: [{ jobId: 'j2', title: 'Back up shop-db', percent: 41.6 }, { jobId: 'j1', title: 'Back up nightly', percent: undefined }] }, en);
    expect(view.icon).toBe('running');
    expect(view.menu[0]).toEqual({ kind: 'label', label: 'Back up shop-db: 42%' });
    expect(view.menu[1]).toEqual({ kind: 'label', label: 'Back up nightly…' });
    const backup = find(view.menu, 'Back up now');
    expect(backup.kind === 'submenu' && backup.items.map((i) => i.kind === 'action' && i.enabled)).toEqual([false, false]);
  });

  it('tells attention from failure, both in words and by icon', () => {
    expect(trayView({ ...base, overall: 'attention' }, en)).toMatchObject({ icon: 'attention', tooltip: 'Airlock — Backups need attention' });
    expect(trayView({ ...base, overall: 'failing' }, en)).toMatchObject({ icon: 'failing', tooltip: 'Airlock — Backups are failing' });
  });

  it('offers resume once every job is paused, and pause when any is active', () => {
    const paused = trayView({ ...base, overall: 'attention', jobs: base.jobs.map((j) => ({ ...j, paused: true })), nextRun: undefined }, en);
    expect(paused.icon).toBe('paused');
    expect(paused.menu[0]).toEqual({ kind: 'label', label: 'All jobs are paused' });
    expect(trayView({ ...base, overall: 'failing', jobs: base.jobs.map((j) => ({ ...j, paused: true })) }, en).icon).toBe('failing');
    expect(labels(paused.menu)).toContain('No backup scheduled');
    expect(find(paused.menu, 'Resume all jobs')).toMatchObject({ action: { type: 'resume-all' }, enabled: true });
    const mixed = trayView({ ...base, jobs: [{ id: 'j1', name: 'nightly', paused: true }, { id: 'j2', name: 'shop-db', paused: false }] }, en);
    expect(find(mixed.menu, 'Pause all jobs')).toMatchObject({ action: { type: 'pause-all' } });
    const backup = find(mixed.menu, 'Back up now');
    expect(backup.kind === 'submenu' && labels(backup.items)).toEqual(['nightly (paused)', 'shop-db']);
  });

  it('teaches the empty state and says when the daemon schedules instead', () => {
    const view = trayView({ ...base, jobs: [], nextRun: undefined, schedulerElsewhere: true }, en);
    const backup = find(view.menu, 'Back up now');
    expect(backup.kind === 'submenu' && backup.items).toEqual([{ kind: 'label', label: 'No jobs yet' }]);
    expect(find(view.menu, 'Pause all jobs')).toMatchObject({ enabled: false });
    expect(labels(view.menu)).toContain('Scheduled by airlock daemon');
  });

  it('names a later day when the next run is not today', () => {
    const view = trayView({ ...base, nextRun: { jobName: 'nightly', at: new Date('2026-03-03T02:00:00Z') } }, en);
    expect(view.menu[1]).toEqual({ kind: 'label', label: 'Next: nightly, Tue 2:00 AM' });
  });

  it('speaks Arabic', () => {
    const view = trayView(base, { ...en, language: 'ar' });
    expect(view.menu[0]).toEqual({ kind: 'label', label: 'جميع النسخ الاحتياطية سليمة' });
    expect(labels(view.menu)).toContain('افتح Airlock');
  });
});

describe('quit confirmation', () => {
  it('asks only while something runs, with keeping it running as the default', () => {
    expect(quitConfirmation(0, 'en')).toBeUndefined();
    const one = quitConfirmation(1, 'en');
    expect(one?.message).toBe('A backup, restore or check is still running. Quit anyway?');
    expect(one?.buttons[0]).toBe('Keep running');
    expect(quitConfirmation(3, 'en')?.message).toBe('3 backups, restores or checks are still running. Quit anyway?');
    expect(one?.buttons[1]).toBe('Quit and stop it');
    expect(quitConfirmation(1, 'ar')?.buttons[0]).toBe('استمر في العمل');
  });
});

describe('tray state from app.status', () => {
  type Status = ChannelOutput<'app.status'>;
  function job(id: string, name: string, over: Partial<Status['jobs'][number]> = {}): Status['jobs'][number] {
    return { id, name, state: 'ok', paused: false, running: false, line: '', lastSuccessAt: null, lastRunAt: null, lastRunState: null, nextRunAt: null, successRate: null, reasons: [], anomalies: [], ...over };
  }
  function run(over: Partial<Status['activeRuns'][number]>): Status['activeRuns'][number] {
    return { runId: 'r', kind: 'backup', title: 'Back up nightly', state: 'running', startedAt: '2026-03-02T09:00:00.000Z', jobId: 'j1', progress: null, ...over };
  }
  const status: Status = {
    overall: 'ok',
    headline: 'All backups are OK',
    jobs: [
      job('j1', 'nightly', { nextRunAt: '2026-03-03T02:00:00.000Z' }),
      job('j2', 'hourly', { nextRunAt: '2026-03-02T11:00:00.000Z' }),
      job('j3', 'old', { paused: true, nextRunAt: '2026-03-02T10:30:00.000Z' }),
    ],
    repositories: [],
    warnings: [],
    history: [],
    activeRuns: [],
  };

  it('takes the soonest next run among jobs that are not paused', () => {
    const state = trayStateFromStatus(status, true);
    expect(state.nextRun).toEqual({ jobName: 'hourly', at: new Date('2026-03-02T11:00:00.000Z') });
    expect(state.overall).toBe('all-good');
    expect(state.jobs).toEqual([{ id: 'j1', name: 'nightly', paused: false }, { id: 'j2', name: 'hourly', paused: false }, { id: 'j3', name: 'old', paused: true }]);
    expect(state.schedulerElsewhere).toBe(false);
    expect(trayStateFromStatus({ ...status, jobs: [] }, false)).toMatchObject({ nextRun: undefined, schedulerElsewhere: true });
  });

  it('maps the verdict, treating "empty" as nothing wrong', () => {
    expect(trayStateFromStatus({ ...status, overall: 'attention' }, true).overall).toBe('attention');
    expect(trayStateFromStatus({ ...status, overall: 'failing' }, true).overall).toBe('failing');
    expect(trayStateFromStatus({ ...status, overall: 'empty' }, true).overall).toBe('all-good');
  });

  it('shows running work with a percentage from bytes, else items, and leaves queued runs out', () => {
    const progress = { runId: 'r', kind: 'backup' as const, title: 'Back up nightly', phase: 'files', bytesDone: 250, itemsDone: 1 };
    const state = trayStateFromStatus(
      {
        ...status,
        activeRuns: [
          run({ progress: { ...progress, bytesTotal: 1000, itemsTotal: 10 } }),
          run({ runId: 'r2', jobId: null, title: 'Restore 3 files', progress: { ...progress, bytesTotal: 0, itemsTotal: 4 } }),
          run({ runId: 'r3', jobId: 'j2', title: 'Back up hourly', state: 'queued' }),
          run({ runId: 'r4', jobId: null, title: 'Check /media/usb', progress: null }),
        ],
      },
      true,
    );
    expect(state.running).toEqual([
      { jobId: 'j1', title: 'Back up nightly', percent: 25 },
      { jobId: null, title: 'Restore 3 files', percent: 25 },
      { jobId: null, title: 'Check /media/usb', percent: undefined },
    ]);
  });
});
