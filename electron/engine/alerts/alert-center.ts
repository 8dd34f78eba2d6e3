// Turns job outcomes, health anomalies and drive waits into alerts, and routes each to the app, the log and email (now or in the digest).

import type { Catalog } from '../catalog/catalog.ts';
import type { Anomaly } from '../health/anomalies.ts';
import type { Clock, TimerHandle } from '../jobs/clock.ts';
import type { RunnerEvent } from '../jobs/job-runner.ts';
import { nextRun, parseSchedule } from '../jobs/schedule.ts';
import type { AlertSettings } from './alert-settings.ts';
import { digestMessage, type DigestRun } from './digest.ts';
import type { EmailNotifier } from './email-notifier.ts';
import type { Alert, Notifier } from './notifier.ts';
import { runAlert } from './run-alerts.ts';

const DAY_MS = 86_400_000;
/** The digest timer looks again at least this often, so a wall clock that jumped (sleep) does not skip a day. */
const digestRecheckMs = 3_600_000;

export interface AlertCenterOptions {
  readonly catalog: Pick<Catalog, 'listJobRuns' | 'getJob'>;
  readonly clock: Clock;
  readonly settings: AlertSettings;
  /** Told of every alert at once: the desktop app's notifications and tray, the log. */
  readonly notifiers: readonly Notifier[];
  /** Present when `settings.email` is (`reconfigure` replaces both): immediate alerts by their level, or only escalations plus the digest. */
  readonly email?: EmailNotifier | undefined;
  /** The job's anomalies after one of its runs finished (see health/anomalies); none when absent. */
  readonly anomaliesFor?: ((jobId: string) => readonly Anomaly[]) | undefined;
  /** A notifier or the relay failed: said here (to the log) rather than thrown into the scheduler. */
  readonly onDeliveryError?: (message: string) => void;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class AlertCenter {
  private readonly options: AlertCenterOptions;
  /** The settings and relay in use: from the options, until `reconfigure` gives new ones. */
  private settings: AlertSettings;
  private email: EmailNotifier | undefined;
  private started = false;
  private readonly pending = new Set<Promise<void>>();
  /** Alerts since the last digest, for the digest. */
  private sinceDigest: Alert[] = [];
  private lastDigestAt: Date;
  private digestTimer: TimerHandle | undefined;
  /** Anomalies already told, per job: the same finding is not repeated after every run, only when it is new. */
  private readonly toldAnomalies = new Map<string, Set<string>>();

  constructor(options: AlertCenterOptions) {
    this.options = options;
    this.settings = options.settings;
    this.email = options.email;
    this.lastDigestAt = new Date(options.clock.now().getTime() - DAY_MS);
  }

  /** Arms the daily digest, when the settings ask for one. */
  start(): void {
    this.started = true;
    this.armDigest();
  }

  stop(): void {
    this.started = false;
    this.disarmDigest();
  }

  /**
   * Uses new settings from now on (the app's Settings screen saved them), without a restart: the next alert goes to
   * the new relay, and the digest timer follows the new time. Alerts already handed out are not sent again.
   */
  reconfigure(settings: AlertSettings, email: EmailNotifier | undefined): void {
    this.settings = settings;
    this.email = email;
    this.disarmDigest();
    if (this.started) this.armDigest();
  }

  /** Resolves once every alert handed out so far was delivered or failed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Feed of the job runner's events: finished runs become alerts, and the job's anomalies are looked at. */
  runnerEvent(event: RunnerEvent): void {
    if (event.type !== 'finished') return;
    const { catalog, clock } = this.options;
    const { settings } = this;
    let jobName = event.jobId;
    let recent: ReturnType<Catalog['listJobRuns']> = [];
    try {
      jobName = catalog.getJob(event.jobId)?.job.name ?? event.jobId;
      recent = catalog.listJobRuns({ jobId: event.jobId, limit: Math.max(settings.escalateAfter + 1, 10) });
    } catch (err) {
      this.options.onDeliveryError?.(`The catalog could not be read to judge an alert: ${messageOf(err)}`);
    }
    const states = recent.some((r) => r.id === event.runId) ? recent.map((r) => r.state) : [event.state, ...recent.map((r) => r.state)];
    const alert = runAlert({ jobId: event.jobId, jobName, state: event.state, reason: event.reason, recent: states, escalateAfter: settings.escalateAfter, time: clock.now() });
    if (alert !== undefined) this.raise(alert);
    if (event.state === 'succeeded' || event.state === 'partial') this.anomalies(event.jobId, this.options.anomaliesFor?.(event.jobId) ?? []);
  }

  /** A run waits for a drive that is not plugged in. */
  driveWaiting(event: { readonly jobId: string; readonly message: string }): void {
    let jobName = event.jobId;
    try {
      jobName = this.options.catalog.getJob(event.jobId)?.job.name ?? event.jobId;
    } catch {
      // The id names the job well enough.
    }
    this.raise({ level: 'warning', kind: 'drive-waiting', jobId: event.jobId, time: this.options.clock.now(), title: `${jobName} is ${event.message}`, message: `The backup job ${jobName} is due but ${event.message}. Plug it in and the backup starts by itself.` });
  }

  /** The job's current anomalies: each new one is told once; one that went away may be told again if it comes back. */
  anomalies(jobId: string, found: readonly Anomaly[]): void {
    const told = this.toldAnomalies.get(jobId) ?? new Set<string>();
    const now = new Set<string>();
    for (const anomaly of found) {
      const key = `${anomaly.kind}\n${anomaly.message}`;
      now.add(key);
      if (told.has(key) || anomaly.severity === 'info') continue;
      this.raise({ level: anomaly.severity, kind: 'anomaly', jobId, time: this.options.clock.now(), title: 'A backup looks unusual', message: anomaly.message });
    }
    this.toldAnomalies.set(jobId, now);
  }

  /** Hands the alert to every notifier, and to email now or in the digest. */
  raise(alert: Alert): void {
    for (const notifier of this.options.notifiers) this.deliver(() => notifier.notify(alert), 'a notifier');
    const { email, settings } = this;
    this.sinceDigest.push(alert);
    if (email === undefined) return;
    if (settings.digest === undefined || alert.level === 'critical') this.deliver(() => email.notify(alert), 'the email relay');
  }

  /** Sends the digest now (the timer calls this at the set time). */
  sendDigest(): void {
    const { catalog, clock } = this.options;
    const now = clock.now();
    const since = this.lastDigestAt;
    const runs: DigestRun[] = [];
    try {
      for (const run of catalog.listJobRuns({ limit: 1000 })) {
        if (run.finishedAt === null || run.finishedAt <= since || run.finishedAt > now) continue;
        if (run.state === 'queued' || run.state === 'running' || run.state === 'waiting-retry') continue;
        runs.push({ jobName: catalog.getJob(run.jobId)?.job.name ?? run.jobId, state: run.state });
      }
    } catch (err) {
      this.options.onDeliveryError?.(`The catalog could not be read for the daily digest: ${messageOf(err)}`);
    }
    const message = digestMessage({ since, now, runs, alerts: this.sinceDigest });
    this.sinceDigest = [];
    this.lastDigestAt = now;
    const { email } = this;
    if (email !== undefined) this.deliver(() => email.send(message), 'the email relay (daily digest)');
    else {
      const digest: Alert = { level: 'info', kind: 'digest', time: now, title: message.subject.replace(/^\[Airlock\] /, ''), message: message.text };
      for (const notifier of this.options.notifiers) this.deliver(() => notifier.notify(digest), 'a notifier');
    }
  }

  private deliver(work: () => void | Promise<void>, what: string): void {
    let promise: Promise<void>;
    try {
      promise = Promise.resolve(work());
    } catch (err) {
      promise = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const tracked = promise.then(
      () => undefined,
      (err: unknown) => {
        this.options.onDeliveryError?.(`An alert could not be delivered through ${what}: ${messageOf(err)}`);
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private disarmDigest(): void {
    if (this.digestTimer !== undefined) this.options.clock.clearTimeout(this.digestTimer);
    this.digestTimer = undefined;
  }

  private armDigest(): void {
    const digest = this.settings.digest;
    if (digest === undefined) return;
    const { clock } = this.options;
    const schedule = parseSchedule(`every day at ${digest.at}`, digest.timeZone);
    const due = nextRun(schedule, clock.now());
    if (due === undefined) return;
    const wait = Math.max(0, due.getTime() - clock.now().getTime());
    this.digestTimer = clock.setTimeout(() => {
      this.digestTimer = undefined;
      if (clock.now().getTime() >= due.getTime()) this.sendDigest();
      this.armDigest();
    }, Math.min(wait, digestRecheckMs));
  }
}
