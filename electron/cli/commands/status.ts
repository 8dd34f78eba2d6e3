// `airlock status`: one screen that answers "are my backups OK?" — every job, every repository, and what needs attention.

import { dirname } from 'node:path';
import { catalogPath } from '../../engine/catalog/catalog.ts';
import { exitCodes } from '../../engine/errors.ts';
import { systemDriveLister } from '../../engine/drives/system-drives.ts';
import { currentHolder } from '../../engine/jobs/instance-lock.ts';
import { statusReport } from '../../engine/jobs/status-report.ts';
import type { Command } from '../command.ts';
import { requireCatalog } from './job.ts';

const levelMark = { critical: '!!', warning: ' !', info: '  ' } as const;

export const status: Command = {
  usage: 'airlock status [--json]',
  options: {},
  async run(ctx) {
    const catalog = await requireCatalog(ctx);
    const now = new Date();
    const report = await statusReport(catalog, { now, drives: systemDriveLister() });
    const holder = currentHolder(dirname(catalogPath()));
    const scheduler = holder === undefined ? { running: false as const } : { running: true as const, role: holder.role, pid: holder.pid, hostname: holder.hostname, since: holder.startedAt };
    ctx.result({ ...report, jobs: report.jobs.map(({ health: _health, ...job }) => job), scheduler, at: now.toISOString() });

    // Healthy history says nothing about tonight: with active jobs and no scheduler, nothing will run.
    const idle = !scheduler.running && report.jobs.some((j) => !j.paused);
    const lines = [idle ? `${report.headline}. But the scheduler is not running, so no job will run on schedule.` : report.headline, ''];
    lines.push(
      scheduler.running
        ? `Scheduler: running (${scheduler.role}, process ${scheduler.pid}, since ${scheduler.since}).`
        : idle
          ? 'Scheduler: NOT RUNNING — scheduled jobs run only while `airlock daemon` or the Airlock app runs.'
          : 'Scheduler: not running.',
    );
    if (report.jobs.length > 0) lines.push('', 'Jobs:', ...report.jobs.map((j) => `  ${j.line}`));
    if (report.repositories.length > 0) lines.push('', 'Repositories:', ...report.repositories.map((r) => `  ${r.line}`));
    if (report.warnings.length > 0) {
      lines.push('', 'Needs attention:');
      for (const w of report.warnings) {
        lines.push(`${levelMark[w.level]} ${w.message}. → ${w.action.label}`);
        if (w.detail !== undefined) lines.push(`     ${w.detail}`);
      }
    }
    ctx.say(lines.join('\n'));
    return exitCodes.ok;
  },
};
