// What the tray shows, as plain data: the icon for the overall state, the tooltip, and the menu — no Electron here.

import type { ChannelOutput } from '../../../shared/ipc/contract.ts';
import { shellWording, type ShellLanguage, type ShellWording } from '../wording/shell-wording.ts';

export type TrayIcon = 'ok' | 'running' | 'attention' | 'failing' | 'paused';

export interface TrayJob {
  readonly id: string;
  readonly name: string;
  readonly paused: boolean;
}

export interface TrayRun {
  /** The job that started it; null for a restore, check or drill started by hand. */
  readonly jobId: string | null;
  /** What the engine calls the run: "Back up nightly", "Restore …". */
  readonly title: string;
  /** 0–100 when the run knows its total, else undefined. */
  readonly percent: number | undefined;
}

export interface TrayState {
  /** The dashboard's verdict. */
  readonly overall: 'all-good' | 'attention' | 'failing';
  readonly jobs: readonly TrayJob[];
  readonly running: readonly TrayRun[];
  readonly nextRun: { readonly jobName: string; readonly at: Date } | undefined;
  /** `airlock daemon` holds this home's scheduler lock: scheduled runs happen there, not in the app. */
  readonly schedulerElsewhere: boolean;
}

export type TrayAction = { readonly type: 'open' } | { readonly type: 'backup'; readonly jobId: string } | { readonly type: 'pause-all' } | { readonly type: 'resume-all' } | { readonly type: 'quit' };

export type TrayMenuItem =
  | { readonly kind: 'label'; readonly label: string }
  | { readonly kind: 'separator' }
  | { readonly kind: 'action'; readonly label: string; readonly action: TrayAction; readonly enabled: boolean }
  | { readonly kind: 'submenu'; readonly label: string; readonly items: readonly TrayMenuItem[] };

export interface TrayView {
  readonly icon: TrayIcon;
  readonly tooltip: string;
  readonly menu: readonly TrayMenuItem[];
}

function formatWhen(at: Date, now: Date, language: ShellLanguage, timeZone: string | undefined): string {
  // The calendar day in the zone the time is shown in, not the process's zone.
  const day = new Intl.DateTimeFormat('en-CA', timeZone === undefined ? { dateStyle: 'short' } : { dateStyle: 'short', timeZone });
  const sameDay = day.format(at) === day.format(now);
  const options: Intl.DateTimeFormatOptions = sameDay ? { hour: 'numeric', minute: '2-digit' } : { weekday: 'short', hour: 'numeric', minute: '2-digit' };
  return new Intl.DateTimeFormat(language, timeZone === undefined ? options : { ...options, timeZone }).format(at);
}

function statusLine(state: TrayState, s: ShellWording): { icon: TrayIcon; line: string } {
  const first = state.running[0];
  if (first !== undefined) return { icon: 'running', line: s.running(first.title, first.percent === undefined ? undefined : Math.round(first.percent)) };
  if (state.overall === 'failing') return { icon: 'failing', line: s.failing };
  // Paused jobs make the dashboard ask for attention; when every job is paused, that is the reason, so say it.
  if (state.jobs.length > 0 && state.jobs.every((j) => j.paused)) return { icon: 'paused', line: s.allPaused };
  if (state.overall === 'attention') return { icon: 'attention', line: s.attention };
  return { icon: 'ok', line: s.allGood };
}

/** The tray for a state; `now` and `timeZone` only shape how the next run's time reads. */
export function trayView(state: TrayState, options: { now: Date; language: ShellLanguage; timeZone?: string }): TrayView {
  const s = shellWording[options.language];
  const { icon, line } = statusLine(state, s);
  const next = state.nextRun === undefined ? s.noNext : s.next(state.nextRun.jobName, formatWhen(state.nextRun.at, options.now, options.language, options.timeZone));
  const runningIds = new Set(state.running.map((r) => r.jobId).filter((id) => id !== null));
  const jobItems: TrayMenuItem[] =
    state.jobs.length === 0
      ? [{ kind: 'label', label: s.noJobs }]
      : state.jobs.map((job) => ({
          kind: 'action',
          label: job.paused ? `${job.name} (${s.paused})` : job.name,
          action: { type: 'backup', jobId: job.id },
          // A job already running cannot be started twice; a paused one can still be run by hand, as in the CLI.
          enabled: !runningIds.has(job.id),
        }));
  const anyActive = state.jobs.some((j) => !j.paused);
  const pauseItem: TrayMenuItem = anyActive || state.jobs.length === 0
    ? { kind: 'action', label: s.pauseAll, action: { type: 'pause-all' }, enabled: state.jobs.length > 0 }
    : { kind: 'action', label: s.resumeAll, action: { type: 'resume-all' }, enabled: true };
  const menu: TrayMenuItem[] = [
    { kind: 'label', label: line },
    ...state.running.slice(1).map((r): TrayMenuItem => ({ kind: 'label', label: s.running(r.title, r.percent === undefined ? undefined : Math.round(r.percent)) })),
    { kind: 'label', label: next },
    ...(state.schedulerElsewhere ? [{ kind: 'label', label: s.schedulerElsewhere } as const] : []),
    { kind: 'separator' },
    { kind: 'action', label: s.open, action: { type: 'open' }, enabled: true },
    { kind: 'submenu', label: s.backUpNow, items: jobItems },
    pauseItem,
    { kind: 'separator' },
    { kind: 'action', label: s.quit, action: { type: 'quit' }, enabled: true },
  ];
  return { icon, tooltip: `Airlock — ${line}`, menu };
}


function percentOf(progress: ChannelOutput<'app.status'>['activeRuns'][number]['progress']): number | undefined {
  if (progress === null) return undefined;
  if (progress.bytesTotal !== undefined && progress.bytesTotal > 0) return Math.min(100, (progress.bytesDone / progress.bytesTotal) * 100);
  if (progress.itemsTotal !== undefined && progress.itemsTotal > 0) return Math.min(100, (progress.itemsDone / progress.itemsTotal) * 100);
  return undefined;
}

/** The tray's state from the dashboard's `app.status` answer, so the tray and the window never disagree. */
export function trayStateFromStatus(status: ChannelOutput<'app.status'>, scheduling: boolean): TrayState {
  let nextRun: TrayState['nextRun'];
  for (const job of status.jobs) {
    if (job.paused || job.nextRunAt === null) continue;
    const at = new Date(job.nextRunAt);
    if (nextRun === undefined || at < nextRun.at) nextRun = { jobName: job.name, at };
  }
  return {
    overall: status.overall === 'failing' ? 'failing' : status.overall === 'attention' ? 'attention' : 'all-good',
    jobs: status.jobs.map((j) => ({ id: j.id, name: j.name, paused: j.paused })),
    running: status.activeRuns.filter((r) => r.state === 'running').map((r) => ({ jobId: r.jobId, title: r.title, percent: percentOf(r.progress) })),
    nextRun,
    schedulerElsewhere: !scheduling,
  };
}
