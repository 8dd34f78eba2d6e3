// `airlock daemon`: runs the job scheduler without a desktop, and prints a service definition to start it at boot.

import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { catalogPath, type Catalog } from '../../engine/catalog/catalog.ts';
import { AirlockError, exitCodes } from '../../engine/errors.ts';
import { alertCenterFor } from '../../engine/alerts/alert-center-for.ts';
import { systemDriveLister } from '../../engine/drives/system-drives.ts';
import { systemClock } from '../../engine/jobs/clock.ts';
import { defaultGraceMs, runDaemon } from '../../engine/jobs/daemon.ts';
import { parseTimeout } from '../../engine/jobs/job.ts';
import { jobExecutor } from '../../engine/jobs/job-runner.ts';
import { openJsonLog, type JsonLog } from '../../engine/jobs/json-log.ts';
import { flag, stringOption, type Command } from '../command.ts';

const binPath = join(import.meta.dirname, '..', '..', '..', 'bin', 'airlock');

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

/** A systemd unit for this installation; the passphrase comes from a root-only EnvironmentFile, never the unit. */
export function systemdUnit(options: { home: string; user: string; bin: string; node: string; graceMs: number }): string {
  const stopSeconds = Math.ceil(options.graceMs / 1000) + 30;
  return `# Airlock backup scheduler. Install:
#   airlock daemon --install-service | sudo tee /etc/systemd/system/airlock.service
#   sudo install -D -m 600 -o ${options.user} /dev/null /etc/airlock/airlock.env    # then write AIRLOCK_PASSPHRASE=… into it
#   sudo systemctl daemon-reload && sudo systemctl enable --now airlock
# Logs: journalctl -u airlock, and ${join(options.home, 'logs', 'airlock.log')}
[Unit]
Description=Airlock backup scheduler
After=local-fs.target

[Service]
Type=simple
User=${options.user}
Environment=AIRLOCK_HOME=${options.home}
EnvironmentFile=-/etc/airlock/airlock.env
ExecStart=${options.node} ${options.bin} daemon
KillSignal=SIGTERM
TimeoutStopSec=${stopSeconds}
Restart=on-failure
RestartSec=30
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
`;
}

const help = `Run the job scheduler headless: jobs run on their schedules while it runs.
Only one scheduler may run per AIRLOCK_HOME (a second one refuses to start). SIGTERM or Ctrl-C stops it:
no new runs start, a running job gets --grace (default 30s) to finish and is then cancelled cleanly, exit 0.
Logs: JSON lines in $AIRLOCK_HOME/logs/airlock.log (rotated), also printed on stdout.
Passphrases: AIRLOCK_PASSPHRASE, or per-repository files set with \`airlock job edit NAME --passphrase-file\`.
Database passwords: AIRLOCK_DB_PASSWORD. Alerts go to the log, and by email as \`airlock alerts set\` says
(relay password: AIRLOCK_SMTP_PASSWORD). A run whose removable drive is unplugged waits for it and says so.

Start at boot:
  Linux (systemd): airlock daemon --install-service prints a unit file, with instructions.
  macOS (launchd): a LaunchDaemon plist in /Library/LaunchDaemons/ with ProgramArguments [node, airlock, daemon],
    EnvironmentVariables AIRLOCK_HOME, RunAtLoad and KeepAlive true; launchctl bootstrap system <plist>.
    launchd sends SIGTERM on stop.
  Windows: register \`airlock daemon\` as a service with a service wrapper (WinSW or NSSM), set AIRLOCK_HOME and
    AIRLOCK_PASSPHRASE in the service's environment and start it automatically; or a Task Scheduler task
    "At startup" running as the backup user. The wrapper's stop must end the process (Ctrl-C or SIGTERM).`;

export const daemon: Command = {
  usage: `airlock daemon [--grace 30s] [--concurrency N] [--json] | airlock daemon --install-service\n\n${help}`,
  options: { 'install-service': { type: 'boolean' }, grace: { type: 'string' }, concurrency: { type: 'string' } },
  async run(ctx) {
    const home = dirname(catalogPath());
    const graceText = stringOption(ctx.values, 'grace');
    const graceMs = graceText === undefined ? defaultGraceMs : /^0+(s|min)?$/.test(graceText.trim()) ? 0 : parseTimeout(graceText);
    if (flag(ctx.values, 'install-service')) {
      process.stdout.write(systemdUnit({ home, user: currentUser(), bin: binPath, node: process.execPath, graceMs }));
      return exitCodes.ok;
    }
    const concurrencyText = stringOption(ctx.values, 'concurrency');
    const concurrency = concurrencyText === undefined ? 1 : Number(concurrencyText);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new AirlockError('USAGE', `--concurrency takes a whole number from 1 to 16, not "${concurrencyText ?? ''}".`);

    const actor = `daemon:${currentUser()}@${hostname()}`;
    const drives = systemDriveLister();
    let log: JsonLog | undefined;
    let opened: Catalog | undefined;
    await runDaemon({
      home,
      drives,
      signal: ctx.signal,
      clock: systemClock,
      graceMs,
      concurrency,
      openCatalog: async () => {
        opened = await ctx.catalog();
        if (opened === undefined) throw new AirlockError('IO_ERROR', 'The scheduler needs the catalog, where jobs are kept, and it could not be opened; see the warning above.');
        return opened;
      },
      openAlerts: (catalog, openedLog) => alertCenterFor({ catalog, clock: systemClock, log: openedLog, smtpPassword: process.env.AIRLOCK_SMTP_PASSWORD }),
      openLog: () =>
        (log = openJsonLog(join(home, 'logs'), {
          secrets: [process.env.AIRLOCK_PASSPHRASE, process.env.AIRLOCK_DB_PASSWORD, process.env.AIRLOCK_SMTP_PASSWORD],
          echo: (line) => {
            if (ctx.json || !line.includes('"level":"debug"')) process.stdout.write(`${line}\n`);
          },
        })),
      execute: (stored, context, runId) => {
        const catalog = opened;
        if (catalog === undefined) throw new AirlockError('IO_ERROR', 'The catalog is not open.');
        return jobExecutor({
          catalog,
          actor,
          drives,
          onStep: (step) => {
            log?.write(step.ok ? 'info' : 'warn', 'run.step', { jobId: stored.job.id, runId: runId ?? null, ...step });
          },
        })(stored, context, runId);
      },
    });
    return exitCodes.ok;
  },
};
