// Every CLI command, in the order `airlock --help` lists them: its name and summary here, its code loaded only when it runs.

import type { Command } from '../command.ts';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/*
 * Loading a command pulls in its engine modules (database drivers, schemas, the job scheduler…), which costs more
 * than a small command's work; a static import of them all made even `airlock --help` pay for every one.
 */
export const commands: readonly CommandEntry[] = [
  { name: 'init', summary: 'Create a new encrypted repository in a folder (a local disk or a USB drive).', load: async () => (await import('./init.ts')).init },
  { name: 'backup', summary: 'Back up folders, a SQLite database (sqlite:///path/to.db) or a MySQL/PostgreSQL database into the repository.', load: async () => (await import('./backup.ts')).backup },
  { name: 'snapshots', summary: 'List the snapshots in the repository, oldest first.', load: async () => (await import('./snapshots.ts')).snapshots },
  { name: 'ls', summary: 'List the files in a snapshot (ID, unique prefix, or "latest").', load: async () => (await import('./ls.ts')).ls },
  { name: 'restore', summary: 'Restore a snapshot into a folder (--target) or a database (--to sqlite:///abs/new.db, mysql://…/newdb, postgres://…/newdb).', load: async () => (await import('./restore.ts')).restore },
  { name: 'dump', summary: 'Write a database snapshot as plain SQL on stdout (load it with sqlite3, mysql or psql).', load: async () => (await import('./dump.ts')).dump },
  { name: 'diff', summary: 'Show what changed between two snapshots (+ added, - removed, M modified, U metadata only).', load: async () => (await import('./diff.ts')).diff },
  { name: 'check', summary: 'Verify the repository: structure always; --read-data decrypts and verifies every blob.', load: async () => (await import('./check.ts')).check },
  { name: 'verify', summary: 'Restore drill: restore a snapshot into a throw-away place (a scratch database for MySQL/PostgreSQL), compare, clean up.', load: async () => (await import('./verify.ts')).verify },
  { name: 'forget', summary: 'Remove snapshots that a retention policy does not keep (--dry-run shows why each is kept).', load: async () => (await import('./forget.ts')).forget },
  { name: 'prune', summary: 'Remove data no snapshot refers to (after forget, or left by an interrupted backup).', load: async () => (await import('./prune.ts')).prune },
  { name: 'stats', summary: 'Show how much the repository holds and how much deduplication and compression save.', load: async () => (await import('./stats.ts')).stats },
  { name: 'copy', summary: 'Copy snapshots (all, or those named) from --from to --repo; only missing data is written.', load: async () => (await import('./copy.ts')).copy },
  { name: 'unlock', summary: 'Remove stale locks left by a crashed or killed Airlock (--remove-all removes every lock).', load: async () => (await import('./unlock.ts')).unlock },
  { name: 'key list', summary: 'List the passphrase slots of the repository.', load: async () => (await import('./key.ts')).keyList },
  { name: 'key add', summary: 'Add another passphrase (from AIRLOCK_NEW_PASSPHRASE, --new-passphrase-file, or a prompt).', load: async () => (await import('./key.ts')).keyAdd },
  { name: 'key remove', summary: 'Remove a passphrase slot (not the one used to open the repository).', load: async () => (await import('./key.ts')).keyRemove },
  { name: 'key passwd', summary: 'Change the passphrase you opened the repository with.', load: async () => (await import('./key.ts')).keyPasswd },
  { name: 'catalog rebuild', summary: 'Rebuild the local catalog\'s snapshot lists from the repositories (no backup depends on the catalog).', load: async () => (await import('./catalog.ts')).catalogRebuild },
  { name: 'job add', summary: 'Add a scheduled backup job (shows its next 5 run times before saving; --dry-run only shows them).', load: async () => (await import('./job.ts')).jobAdd },
  { name: 'job edit', summary: 'Change a job: only the options given change (--repo/--source replace the lists, each source with the options given after it; any --keep-* replaces the retention policy).', load: async () => (await import('./job.ts')).jobEdit },
  { name: 'job list', summary: 'List the scheduled jobs with their next and last runs.', load: async () => (await import('./job.ts')).jobList },
  { name: 'job show', summary: 'Show a job: its definition, next 5 run times and recent runs.', load: async () => (await import('./job.ts')).jobShow },
  { name: 'job remove', summary: 'Remove a job. Its snapshots stay in the repositories, and its history in the catalog.', load: async () => (await import('./job.ts')).jobRemove },
  { name: 'job run', summary: 'Run a job now and wait for it; exit code as for backup (0 done, 3 partial, other codes on failure).', load: async () => (await import('./job.ts')).jobRun },
  { name: 'job pause', summary: 'Pause a job: no scheduled runs until it is resumed (it can still be run by hand).', load: async () => (await import('./job.ts')).jobPause },
  { name: 'job resume', summary: 'Resume a paused job; times missed while paused are not made up.', load: async () => (await import('./job.ts')).jobResume },
  { name: 'job export', summary: 'Write jobs (all, or those named) as a readable JSON file, to set up a second site with `airlock job import`.', load: async () => (await import('./job.ts')).jobExport },
  { name: 'job import', summary: 'Add the jobs of a file written by `airlock job export`; --replace updates jobs with the same names. All or nothing.', load: async () => (await import('./job.ts')).jobImport },
  { name: 'status', summary: 'Are my backups OK? Every job with its state, last and next run, each repository\'s space, and warnings.', load: async () => (await import('./status.ts')).status },
  { name: 'audit', summary: 'Show the audit log (newest last); --verify checks its hash chain and exits 1 if an entry was altered, removed or reordered.', load: async () => (await import('./audit.ts')).audit },
  { name: 'daemon', summary: 'Run the job scheduler headless (one per AIRLOCK_HOME; SIGTERM stops it cleanly); --install-service prints a systemd unit.', load: async () => (await import('./daemon.ts')).daemon },
  { name: 'alerts show', summary: 'Show where alerts go: the log, email through the local SMTP relay, escalation and the daily digest.', load: async () => (await import('./alerts.ts')).alertsShow },
  { name: 'alerts set', summary: 'Change where alerts go; only the options given change. Mail goes to the configured relay and nowhere else.', load: async () => (await import('./alerts.ts')).alertsSet },
  { name: 'alerts test', summary: 'Send a test email through the configured SMTP relay, to check the settings.', load: async () => (await import('./alerts.ts')).alertsTest },
];
