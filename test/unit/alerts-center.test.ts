// Alerts from job outcomes: escalation after N failures in a row, recovery, anomalies once, the digest at its time, delivery failures logged.

import { describe, expect, it } from 'vitest';
import { AlertCenter } from '../../electron/engine/alerts/alert-center.ts';
import { alertCenterFor } from '../../electron/engine/alerts/alert-center-for.ts';
import { parseAlertSettings, type AlertSettingsInput } from '../../electron/engine/alerts/alert-settings.ts';
import { digestMessage } from '../../electron/engine/alerts/digest.ts';
import type { EmailMessage, EmailNotifier } from '../../electron/engine/alerts/email-notifier.ts';
import type { Alert } from '../../electron/engine/alerts/notifier.ts';
import { consecutiveFailures, runAlert } from '../../electron/engine/alerts/run-alerts.ts';
import { openCatalog, parseJobDefinition, type Catalog, type JobRunEnd } from '../../electron/engine/catalog/catalog.ts';
import type { Anomaly } from '../../electron/engine/health/anomalies.ts';
import { FakeClock } from './jobs-fake-clock.ts';

describe('runAlert', () => {
  const base = { jobId: 'office', jobName: 'Office', escalateAfter: 3, time: new Date('2025-06-02T02:00:00Z') };

  it('counts failures in a row, skipping cancelled and interrupted runs', () => {
    expect(consecutiveFailures(['failed', 'cancelled', 'timed-out', 'interrupted', 'failed', 'succeeded', 'failed'])).toBe(3);
    expect(consecutiveFailures(['partial', 'failed'])).toBe(0);
  });

  it('warns about a failure, and escalates to critical once it happened N times in a row', () => {
    expect(runAlert({ ...base, state: 'failed', reason: 'The disk is full.', recent: ['failed', 'succeeded'] })).toMatchObject({ level: 'warning', kind: 'run-failed', title: 'Backup Office failed', message: 'The backup job Office failed. The disk is full.' });
    expect(runAlert({ ...base, state: 'timed-out', recent: ['timed-out', 'failed', 'failed'] })).toMatchObject({ level: 'critical', kind: 'escalation', title: 'Office has failed 3 times in a row' });
  });

  it('says when a job works again, and nothing about a plain success or a cancel', () => {
    expect(runAlert({ ...base, state: 'succeeded', recent: ['succeeded', 'failed', 'failed'] })).toMatchObject({ level: 'info', kind: 'run-recovered', message: 'The backup job Office succeeded after 2 failed runs.' });
    expect(runAlert({ ...base, state: 'succeeded', recent: ['succeeded', 'succeeded'] })).toBeUndefined();
    expect(runAlert({ ...base, state: 'cancelled', recent: ['cancelled', 'failed'] })).toBeUndefined();
    expect(runAlert({ ...base, state: 'partial', recent: ['partial'] })).toMatchObject({ level: 'warning', kind: 'run-partial' });
  });
});

describe('digestMessage', () => {
  it('says at a glance whether all is well, and lists runs per job and each alert', () => {
    const since = new Date('2025-06-01T07:30:00Z');
    const now = new Date('2025-06-02T07:30:00Z');
    const ok = digestMessage({ since, now, runs: [{ jobName: 'B', state: 'succeeded' }, { jobName: 'A', state: 'succeeded' }], alerts: [] });
    expect(ok.subject).toBe('[Airlock] Daily digest: all 2 backup runs succeeded');
    expect(ok.text.split('\n').slice(2, 4)).toEqual(['A: 1 succeeded', 'B: 1 succeeded']);
    const bad = digestMessage({ since, now, runs: [{ jobName: 'A', state: 'failed' }, { jobName: 'A', state: 'succeeded' }], alerts: [{ level: 'warning', kind: 'run-failed', title: 'Backup A failed', message: 'Disk full.', time: since }] });
    expect(bad.subject).toBe('[Airlock] Daily digest: 1 of 2 backup runs failed');
    expect(bad.text).toContain('- 2025-06-01T07:30:00.000Z [warning] Backup A failed: Disk full.');
    expect(digestMessage({ since, now, runs: [], alerts: [] }).subject).toBe('[Airlock] Daily digest: no backups ran');
  });
});

class RecordingEmail implements EmailNotifier {
  readonly alerts: Alert[] = [];
  readonly messages: EmailMessage[] = [];
  fail = false;
  notify(alert: Alert): Promise<void> {
    if (this.fail) return Promise.reject(new Error('relay down'));
    this.alerts.push(alert);
    return Promise.resolve();
  }
  send(message: EmailMessage): Promise<void> {
    this.messages.push(message);
    return Promise.resolve();
  }
}

function setup(settings: AlertSettingsInput, options: { anomalies?: Anomaly[] } = {}) {
  const clock = new FakeClock('2025-06-02T01:00:00Z');
  const catalog: Catalog = openCatalog(':memory:', { now: () => clock.now() });
  catalog.addJob(parseJobDefinition({ id: 'office', name: 'Office', sources: ['/srv/docs'], repositories: ['/backups/a'], schedule: 'hourly', timeZone: 'UTC' }));
  const shown: Alert[] = [];
  const email = new RecordingEmail();
  const errors: string[] = [];
  const center = new AlertCenter({
    catalog,
    clock,
    settings: parseAlertSettings(settings),
    notifiers: [{ notify: (a) => void shown.push(a) }],
    email,
    anomaliesFor: () => options.anomalies ?? [],
    onDeliveryError: (m) => errors.push(m),
  });
  /** One finished run, recorded in the catalog first as the job runner does, then told to the alert center. */
  const finish = (state: JobRunEnd, reason?: string): void => {
    const id = catalog.queueJobRun({ jobId: 'office', trigger: 'scheduled', scheduledFor: clock.now() });
    catalog.startJobRun(id, 1);
    catalog.finishJobRun(id, { state, ...(reason === undefined ? {} : { reason, errorCode: 'DISK_FULL' }) });
    center.runnerEvent({ type: 'finished', jobId: 'office', runId: id, state, attempts: 1, ...(reason === undefined ? {} : { reason }) });
  };
  return { clock, catalog, shown, email, errors, center, finish };
}

describe('AlertCenter', () => {
  it('escalates after N failures in a row, emails by level at once, and says when the job recovers', async () => {
    const s = setup({ escalateAfter: 2, email: { host: 'relay.lan', from: 'a@b.test', to: ['c@d.test'] } });
    s.finish('failed', 'The disk is full.');
    s.finish('failed', 'The disk is full.');
    s.finish('succeeded');
    await s.center.idle();
    expect(s.shown.map((a) => [a.kind, a.level])).toEqual([
      ['run-failed', 'warning'],
      ['escalation', 'critical'],
      ['run-recovered', 'info'],
    ]);
    // The relay decides by level (its minLevel); the center hands it every alert when there is no digest.
    expect(s.email.alerts.map((a) => a.kind)).toEqual(['run-failed', 'escalation', 'run-recovered']);
    s.catalog.close();
  });

  it('in digest mode emails only escalations at once, and the rest once a day at the set time', async () => {
    const s = setup({ escalateAfter: 3, digest: { at: '07:30', timeZone: 'Europe/Berlin' }, email: { host: 'relay.lan', from: 'a@b.test', to: ['c@d.test'] } });
    s.center.start();
    s.finish('failed', 'The disk is full.');
    s.finish('succeeded');
    s.finish('failed', 'x');
    s.finish('failed', 'x');
    s.finish('failed', 'x');
    await s.center.idle();
    expect(s.email.alerts.map((a) => a.kind)).toEqual(['escalation']);
    expect(s.email.messages).toEqual([]);
    // 07:30 in Berlin is 05:30 UTC in June.
    await s.clock.advanceTo('2025-06-02T05:29:59Z');
    expect(s.email.messages).toEqual([]);
    await s.clock.advanceTo('2025-06-02T05:30:00Z');
    await s.center.idle();
    expect(s.email.messages).toHaveLength(1);
    expect(s.email.messages[0]?.subject).toBe('[Airlock] Daily digest: 4 of 5 backup runs failed');
    expect(s.email.messages[0]?.text).toContain('Office: 4 failed, 1 succeeded');
    await s.clock.advanceTo('2025-06-03T05:30:00Z');
    await s.center.idle();
    expect(s.email.messages.map((m) => m.subject)).toEqual(['[Airlock] Daily digest: 4 of 5 backup runs failed', '[Airlock] Daily digest: no backups ran']);
    s.center.stop();
    expect(s.clock.pendingTimers).toBe(0);
    s.catalog.close();
  });

  it('tells each anomaly once, not after every run, and again only if it went away and came back', async () => {
    const odd: Anomaly = { kind: 'size-unusual', severity: 'warning', message: 'Office backed up far less than usual.', details: {} };
    const anomalies: Anomaly[] = [odd];
    const s = setup({}, { anomalies });
    s.finish('succeeded');
    s.finish('succeeded');
    anomalies.length = 0;
    s.finish('succeeded');
    anomalies.push(odd);
    s.finish('succeeded');
    await s.center.idle();
    expect(s.shown.map((a) => [a.kind, a.message])).toEqual([
      ['anomaly', 'Office backed up far less than usual.'],
      ['anomaly', 'Office backed up far less than usual.'],
    ]);
    s.catalog.close();
  });

  it('reports a delivery failure instead of throwing it into the scheduler', async () => {
    const s = setup({ email: { host: 'relay.lan', from: 'a@b.test', to: ['c@d.test'] } });
    s.email.fail = true;
    s.finish('failed', 'The disk is full.');
    await s.center.idle();
    expect(s.shown).toHaveLength(1);
    expect(s.errors).toEqual(['An alert could not be delivered through the email relay: relay down']);
    s.center.driveWaiting({ jobId: 'office', message: 'waiting for drive BACKUP-USB-2' });
    expect(s.shown.at(-1)).toMatchObject({ kind: 'drive-waiting', title: 'Office is waiting for drive BACKUP-USB-2' });
    s.catalog.close();
  });
});

describe('alertCenterFor', () => {
  it('sends every alert to the log and the desktop, with no email when none is set up', async () => {
    const clock = new FakeClock('2025-06-02T01:00:00Z');
    const catalog = openCatalog(':memory:', { now: () => clock.now() });
    try {
      const logged: { level: string; event: string; fields: Record<string, unknown> | undefined }[] = [];
      const desktop: { level: string; title: string }[] = [];
      const center = alertCenterFor({
        catalog,
        clock,
        log: { write: (level, event, fields) => void logged.push({ level, event, fields }) },
        desktop: { notify: (a) => void desktop.push({ level: a.level, title: a.title }) },
      });
      center.raise({ level: 'critical', kind: 'escalation', title: 'Office has failed 3 times in a row', message: 'm', time: clock.now(), jobId: 'office' });
      await center.idle();
      expect(logged).toEqual([{ level: 'error', event: 'alert', fields: { kind: 'escalation', alertLevel: 'critical', title: 'Office has failed 3 times in a row', message: 'm', jobId: 'office' } }]);
      expect(desktop).toEqual([{ level: 'error', title: 'Office has failed 3 times in a row' }]);
    } finally {
      catalog.close();
    }
  });
});
