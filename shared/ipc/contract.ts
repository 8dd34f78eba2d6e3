// The typed IPC contract between the renderer and the engine: every channel once (zod input and output), and the event stream.

import * as z from 'zod';

// Times cross as ISO 8601 strings in UTC (`Date.prototype.toISOString`), everywhere, so the renderer can format them with Intl.
const isoTime = z.string().min(1);
const nullableTime = isoTime.nullable();
const bytes = z.number().nonnegative();
const count = z.number().int().nonnegative();
const text = z.string().trim().min(1);
/** A repository is named by its location (the folder it lives in), as the catalog and the jobs name it. */
const repository = text;
/** Long operations answer at once with the id their events carry. */
const runIdOutput = z.object({ runId: z.string() });
const empty = z.object({});

// ── Runs and their events ────────────────────────────────────────────────────

export const runKinds = ['backup', 'restore', 'check', 'drill', 'export'] as const;
export const runStates = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] as const;
const runKind = z.enum(runKinds);
const runState = z.enum(runStates);

const runProgress = z.object({
  runId: z.string(),
  kind: runKind,
  title: z.string(),
  phase: z.string(),
  bytesDone: bytes,
  bytesTotal: bytes.optional(),
  itemsDone: count,
  itemsTotal: count.optional(),
  bytesPerSecond: bytes.optional(),
  etaSeconds: z.number().nonnegative().optional(),
  currentItem: z.string().optional(),
});

const runStateEvent = z.object({
  runId: z.string(),
  kind: runKind,
  title: z.string(),
  state: runState,
  /** Why it failed or was cancelled: a sentence a person can act on. */
  message: z.string().optional(),
  /** The proof at the end: "1,204 files restored, all checksums match". */
  summary: z.string().optional(),
});

const activeRun = z.object({
  runId: z.string(),
  kind: runKind,
  title: z.string(),
  state: runState,
  startedAt: isoTime,
  /** The job the run belongs to, when a job started it. */
  jobId: z.string().nullable(),
  progress: runProgress.nullable(),
});

const alertEvent = z.object({ level: z.enum(['info', 'warning', 'error']), title: z.string(), message: z.string() });

export const events = {
  'run.progress': runProgress,
  'run.state': runStateEvent,
  alert: alertEvent,
  /** Something the dashboard shows changed (a run ended, a job was edited): fetch `app.status` again. */
  'status.changed': empty,
} as const;

// ── Dashboard ────────────────────────────────────────────────────────────────

const suggestedAction = z.object({
  kind: z.enum(['add-job', 'run-backup', 'run-check', 'free-space', 'plug-in-drive', 'resume-job', 'show-error', 'show-skipped', 'show-changes', 'show-running', 'show-history']),
  /** The button's text, e.g. "Run check now". */
  label: z.string(),
  /** The job name, repository location or drive label the action is about. */
  target: z.string(),
});

const statusWarning = z.object({
  level: z.enum(['info', 'warning', 'critical']),
  about: z.object({ kind: z.enum(['job', 'repository']), name: z.string() }).nullable(),
  message: z.string(),
  detail: z.string().nullable(),
  action: suggestedAction,
});

const jobStatus = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['ok', 'warning', 'failing', 'never-run']),
  paused: z.boolean(),
  running: z.boolean(),
  /** "Documents — OK: last backup 2 hours ago · next tomorrow at 2:00 AM". */
  line: z.string(),
  lastSuccessAt: nullableTime,
  lastRunAt: nullableTime,
  lastRunState: z.enum(['ok', 'partial', 'failed', 'cancelled', 'interrupted', 'running']).nullable(),
  nextRunAt: nullableTime,
  /** Share of recent attempts that succeeded, 0..1; null before the first run. */
  successRate: z.number().min(0).max(1).nullable(),
  /** Plain sentences: why the job is in its state. */
  reasons: z.array(z.string()),
  anomalies: z.array(z.object({ kind: z.string(), severity: z.enum(['info', 'warning', 'critical']), message: z.string() })),
});

const repositoryStatus = z.object({
  location: z.string(),
  /** Whether the repository's folder is there now (a USB drive may be unplugged). */
  available: z.boolean(),
  bytesUsed: bytes.nullable(),
  freeBytes: bytes.nullable(),
  totalBytes: bytes.nullable(),
  percentFull: z.number().nullable(),
  /** Growth per day in bytes, from recent backups; null until there is enough history. */
  growthBytesPerDay: z.number().nullable(),
  daysUntilFull: z.number().nullable(),
  lastCheckAt: nullableTime,
  /** "83% full — about 12 days left; last checked 2 hours ago". */
  summary: z.string(),
});

const historyPoint = z.object({
  jobId: z.string(),
  jobName: z.string(),
  time: isoTime,
  state: z.enum(['ok', 'partial', 'failed', 'cancelled', 'interrupted']),
  durationMs: z.number().nonnegative().nullable(),
  bytesRead: bytes.nullable(),
  bytesAdded: bytes.nullable(),
});

const appStatus = z.object({
  overall: z.enum(['ok', 'attention', 'failing', 'empty']),
  /** "All backups are OK", "2 things need your attention", … */
  headline: z.string(),
  jobs: z.array(jobStatus),
  repositories: z.array(repositoryStatus),
  /** Most serious first; each with the button that fixes it. */
  warnings: z.array(statusWarning),
  /** Finished job runs, oldest first, for the size and duration charts. */
  history: z.array(historyPoint),
  activeRuns: z.array(activeRun),
});

// ── Repositories, keys, drives ───────────────────────────────────────────────

const repositoryInfo = z.object({
  /** The id from the repository's config; null for a location no one has opened yet. */
  id: z.string().nullable(),
  location: z.string(),
  lastSeenAt: nullableTime,
  /** Whether the folder is there now. */
  available: z.boolean(),
  /** Unlocked in this session: browsing and restoring need no passphrase. */
  unlocked: z.boolean(),
  /** Its passphrase is kept in the system's secret store, so scheduled jobs can open it. */
  passphraseRemembered: z.boolean(),
  snapshotCount: count.nullable(),
});

const unlockInput = z.object({ path: text, passphrase: z.string().min(1), remember: z.boolean() });
const repositoryInput = z.object({ repository });

const repositoryStats = z.object({
  snapshots: count,
  /** Sum of the original sizes of every snapshot, as if each were restored. */
  restoreSize: bytes,
  uniqueRawSize: bytes,
  uniqueStoredSize: bytes,
  /** Every repository file on disk. */
  repositorySize: bytes,
  blobs: count,
  packs: count,
  unusedBlobs: count,
  freeSpace: bytes.nullable(),
});

const keyInfo = z.object({ id: z.string(), createdAt: z.string(), hostname: z.string(), username: z.string(), current: z.boolean() });

const driveInfo = z.object({
  mountPath: z.string(),
  label: z.string().nullable(),
  uuid: z.string().nullable(),
  device: z.string().nullable(),
  fsType: z.string().nullable(),
  freeBytes: bytes.nullable(),
  totalBytes: bytes.nullable(),
  /** Looks like a USB drive or card (mounted under /media, /run/media, /Volumes). */
  removable: z.boolean(),
});

// ── Local files (the browser has no native picker) ───────────────────────────

const entryKind = z.enum(['directory', 'file', 'symlink', 'other']);
const fsEntry = z.object({ name: z.string(), path: z.string(), kind: entryKind, size: bytes.nullable(), modifiedAt: nullableTime });

// ── Sources ──────────────────────────────────────────────────────────────────

/** A folder (absolute path), sqlite:///abs/file.db, or mysql:// mariadb:// postgres:// without the password. */
const sourceInput = z.object({ source: text, password: z.string().optional() });
const sourceKind = z.enum(['files', 'sqlite', 'mysql', 'postgres']);

const sourceTest = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), kind: sourceKind, /** "MariaDB 10.11.6, 12 tables", "4,211 files, 1.2 GB". */ detail: z.string() }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);

const tableInfo = z.object({ name: z.string(), schema: z.string().nullable(), rows: count.nullable(), bytes: bytes.nullable() });

// ── Jobs ─────────────────────────────────────────────────────────────────────

export const retentionPolicy = z.object({
  keepLast: count.optional(),
  keepHourly: count.optional(),
  keepDaily: count.optional(),
  keepWeekly: count.optional(),
  keepMonthly: count.optional(),
  keepYearly: count.optional(),
  keepWithinMs: z.number().int().positive().optional(),
  keepTags: z.array(z.string().min(1)).optional(),
});

const everyDays = z.number().int().min(1).max(3660);
const verificationPolicy = z.object({
  checkAfterRun: z.boolean(),
  readData: z.object({ percent: z.number().gt(0).max(100), everyDays }).optional(),
  restoreDrill: z
    .object({
      everyDays,
      /** Files restored per folder source; the whole snapshot when absent. */
      sampleFiles: z.number().int().min(1).max(100_000).optional(),
      /** The server a database snapshot is restored into for the drill (a throw-away database); the source's own when absent. */
      scratch: z.string().optional(),
    })
    .optional(),
});

/** Removing the space of forgotten snapshots, at most this often. */
const prunePolicy = z.object({ everyDays });

/**
 * What of one source a job backs up. Folders: exclusions; SQLite files and database servers: only these tables.
 * The engine refuses an option that does not fit the source's kind.
 */
export const sourceOptions = z.object({
  /** gitignore-style patterns, relative to the folder ("*.tmp", "node_modules/"). */
  exclude: z.array(text).optional(),
  /** Skip folders holding a CACHEDIR.TAG. */
  excludeCaches: z.boolean().optional(),
  /** Skip files larger than this many bytes. */
  excludeLargerThan: z.number().int().positive().optional(),
  tables: z.array(text).optional(),
});

/** What a person sets when creating or editing a job; the engine checks the rest (schedule, sources) and says what is wrong. */
const jobFields = z.object({
  name: text,
  /** Folders, sqlite:///… files, or database URLs without passwords. */
  sources: z.array(text).min(1),
  /** Options of some of those sources, keyed by the source as written in `sources`; a source not named here is backed up whole. */
  sourceOptions: z.record(z.string(), sourceOptions).optional(),
  /** Repository locations. */
  repositories: z.array(text).min(1),
  /** A preset ("daily at 02:00", "every 6 hours", "weekdays at 18:30") or a cron expression. */
  schedule: text,
  /** An IANA zone such as Europe/Berlin; "local" for this computer's zone. */
  timeZone: text,
  retention: retentionPolicy.optional(),
  verification: verificationPolicy.partial().optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).max(10).optional(),
  missedRuns: z.enum(['catch-up', 'skip']).optional(),
  paused: z.boolean().optional(),
  priority: z.number().int().min(-10).max(10).optional(),
  prune: prunePolicy.optional(),
});

/** Database passwords keyed by source URL; kept in the secret store, never in the catalog. */
const sourcePasswords = z.record(z.string(), z.string()).optional();

const jobInfo = z.object({
  id: z.string(),
  name: z.string(),
  sources: z.array(z.string()),
  /** Options of the sources that have any, keyed by source. */
  sourceOptions: z.record(z.string(), sourceOptions),
  repositories: z.array(z.string()),
  schedule: z.string(),
  timeZone: z.string(),
  /** "Every day at 02:00". */
  scheduleSummary: z.string(),
  retention: retentionPolicy.nullable(),
  verification: verificationPolicy,
  timeoutMs: z.number().nullable(),
  retries: count,
  missedRuns: z.enum(['catch-up', 'skip']),
  paused: z.boolean(),
  priority: z.number().int(),
  prune: prunePolicy.nullable(),
  /** Database sources with no password stored: fine for a server that needs none, else their backups fail. */
  sourcesMissingPassword: z.array(z.string()),
  createdAt: isoTime,
  updatedAt: isoTime,
});

const jobIdInput = z.object({ id: text });

const schedulePreview = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), summary: z.string(), nextRuns: z.array(isoTime) }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);

const retentionPreview = z.object({
  /** Newest first. */
  snapshots: z.array(
    z.object({
      id: z.string(),
      time: isoTime,
      source: z.string(),
      keep: z.boolean(),
      /** "daily #3", "latest", "within 7d"; empty when it would be forgotten. */
      reasons: z.array(z.string()),
    }),
  ),
  keepCount: count,
  forgetCount: count,
});

// ── Snapshots ────────────────────────────────────────────────────────────────

const snapshotInfo = z.object({
  id: z.string(),
  shortId: z.string(),
  time: isoTime,
  hostname: z.string(),
  sourceKind: z.string(),
  /** "~/Documents", "mysql://shop@db1/shop". */
  source: z.string(),
  tags: z.array(z.string()),
  /** The job that made it, when the catalog knows. */
  jobId: z.string().nullable(),
  files: count.nullable(),
  /** Original size of everything in it. */
  bytes: bytes.nullable(),
  bytesAdded: bytes.nullable(),
});

const snapshotRef = z.object({ repository, snapshotId: text });

const snapshotEntry = z.object({
  name: z.string(),
  /** Path inside the snapshot, starting with "/". */
  path: z.string(),
  kind: z.enum(['directory', 'file', 'symlink', 'table', 'other']),
  size: bytes.nullable(),
  modifiedAt: nullableTime,
});

const searchMatch = z.object({ snapshotId: z.string(), time: isoTime, path: z.string(), kind: snapshotEntry.shape.kind, size: bytes.nullable() });

const diffChange = z.object({ path: z.string(), change: z.enum(['added', 'removed', 'modified', 'metadata']), kind: snapshotEntry.shape.kind });

// ── Restore ──────────────────────────────────────────────────────────────────

const restoreTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), path: text }),
  z.object({ kind: z.literal('sqlite-file'), path: text }),
  z.object({ kind: z.literal('database'), url: text, password: z.string().optional() }),
  z.object({ kind: z.literal('sql-file'), path: text }),
]);

const restoreInput = z.object({
  repository,
  snapshotId: text,
  /** Paths inside the snapshot (files, folders) or table names; empty restores everything. */
  items: z.array(z.string()),
  target: restoreTarget,
  /** Replace files that are already there; off by default so nothing is overwritten by accident. */
  overwrite: z.boolean().optional(),
});

const restorePlan = z.object({
  snapshotId: z.string(),
  /** "the folder /home/ana/Restored", "a new database shop_restored on 127.0.0.1". */
  targetDescription: z.string(),
  writes: z.array(
    z.object({
      /** What is read from the snapshot. */
      from: z.string(),
      /** Where it is written. */
      to: z.string(),
      kind: snapshotEntry.shape.kind,
      size: bytes.nullable(),
      /** Something is already there; written only with overwrite. */
      clash: z.boolean(),
    }),
  ),
  /** True when `writes` was cut short for size; the totals still count everything. */
  truncated: z.boolean(),
  totalItems: count,
  totalBytes: bytes,
  clashes: count,
  /** Why it cannot start as asked, in plain words; empty when it can. */
  problems: z.array(z.string()),
});

// ── Activity ─────────────────────────────────────────────────────────────────

const activityRun = z.object({
  id: z.number().int(),
  kind: z.enum(['init', 'backup', 'restore', 'export', 'check', 'verify', 'drill', 'forget', 'prune', 'copy', 'repair']),
  repository: z.string(),
  jobId: z.string().nullable(),
  source: z.string().nullable(),
  startedAt: isoTime,
  finishedAt: nullableTime,
  durationMs: z.number().nonnegative().nullable(),
  status: z.enum(['running', 'ok', 'partial', 'failed', 'cancelled', 'interrupted']),
  snapshotId: z.string().nullable(),
  bytesRead: bytes.nullable(),
  bytesAdded: bytes.nullable(),
  filesNew: count.nullable(),
  filesChanged: count.nullable(),
  warningCount: count,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

const activityRunDetail = activityRun.extend({ warnings: z.array(z.string()) });

const auditEntry = z.object({ seq: z.number().int(), time: isoTime, actor: z.string(), action: z.string(), target: z.string(), details: z.record(z.string(), z.unknown()) });

const auditVerification = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), length: count }),
  z.object({ ok: z.literal(false), seq: z.number().int().nullable(), problem: z.string(), reason: z.string() }),
]);

// ── Settings ─────────────────────────────────────────────────────────────────

const smtpSettings = z.object({
  host: text,
  port: z.number().int().min(1).max(65535),
  secure: z.boolean(),
  username: z.string().nullable(),
  from: text,
  to: z.array(text).min(1),
  /** Alerts below this level are not emailed; "warning" when not given. */
  minLevel: z.enum(['info', 'warning', 'critical']).optional(),
});

/**
 * The app's settings. The alert fields (smtp, escalateAfter, digest) are the same stored settings that
 * `airlock alerts set` writes and `airlock alerts show` reads; the app applies a change at once.
 */
export const settingsSchema = z.object({
  language: z.enum(['en', 'ar']),
  theme: z.enum(['system', 'light', 'dark']),
  notifications: z.boolean(),
  startAtLogin: z.boolean(),
  /** Where alerts are e-mailed through a local relay; null when off. */
  smtp: smtpSettings.nullable(),
  /** After this many failed runs of a job in a row, its alert becomes critical (and is emailed even with a digest). */
  escalateAfter: z.number().int().min(1).max(100),
  /** One summary email a day instead of one per alert ("07:30" in an IANA zone); null when off. */
  digest: z.object({ at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), timeZone: text }).nullable(),
});

const settingsOutput = settingsSchema.extend({
  /** Whether an SMTP password is kept in the secret store. */
  smtpPasswordSet: z.boolean(),
  /** Where the catalog lives (AIRLOCK_HOME). */
  dataFolder: z.string(),
  /** False when remembered passphrases are kept without the system keyring's encryption: show a warning. */
  secretStoreEncrypted: z.boolean(),
});

const settingsInput = settingsSchema.partial().extend({
  /** A new SMTP password; an empty string removes it. */
  smtpPassword: z.string().optional(),
});

// ── The channels ─────────────────────────────────────────────────────────────

export const channels = {
  'app.status': { input: empty, output: appStatus },

  'repositories.list': { input: empty, output: z.array(repositoryInfo) },
  'repositories.create': { input: unlockInput, output: repositoryInfo },
  'repositories.open': { input: unlockInput, output: repositoryInfo },
  /** Removes it from the known list and forgets its remembered passphrase; never deletes data. */
  'repositories.forget': { input: repositoryInput, output: z.object({ forgotten: z.boolean() }) },
  /** Ends this session's access; a remembered passphrase stays unless `forgetPassphrase`. */
  'repositories.lock': { input: z.object({ repository, forgetPassphrase: z.boolean().optional() }), output: empty },
  'repositories.check': { input: z.object({ repository, readDataPercent: z.number().min(0).max(100).optional() }), output: runIdOutput },
  'repositories.stats': { input: repositoryInput, output: repositoryStats },
  'repositories.keys.list': { input: repositoryInput, output: z.array(keyInfo) },
  'repositories.keys.add': { input: z.object({ repository, newPassphrase: z.string().min(1) }), output: z.object({ id: z.string() }) },
  'repositories.keys.remove': { input: z.object({ repository, keyId: text }), output: empty },
  /** Replaces the key this session unlocked with; the remembered passphrase follows. */
  'repositories.keys.changePassphrase': { input: z.object({ repository, newPassphrase: z.string().min(1) }), output: z.object({ id: z.string() }) },

  'drives.list': { input: empty, output: z.array(driveInfo) },

  'fs.browse': {
    input: z.object({ path: text, showHidden: z.boolean().optional() }),
    output: z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(fsEntry) }),
  },
  'fs.homeDir': { input: empty, output: z.object({ path: z.string() }) },

  'sources.test': { input: sourceInput, output: sourceTest },
  'sources.tables': { input: sourceInput, output: z.object({ tables: z.array(tableInfo) }) },

  'jobs.list': { input: empty, output: z.array(jobInfo) },
  'jobs.get': { input: jobIdInput, output: jobInfo },
  'jobs.create': { input: z.object({ job: jobFields, sourcePasswords }), output: jobInfo },
  'jobs.update': { input: z.object({ id: text, job: jobFields, sourcePasswords }), output: jobInfo },
  'jobs.remove': { input: jobIdInput, output: z.object({ removed: z.boolean() }) },
  'jobs.runNow': { input: jobIdInput, output: runIdOutput },
  'jobs.pause': { input: jobIdInput, output: jobInfo },
  'jobs.resume': { input: jobIdInput, output: jobInfo },
  'jobs.previewSchedule': { input: z.object({ schedule: z.string(), timeZone: z.string(), count: z.number().int().min(1).max(50).optional() }), output: schedulePreview },
  'jobs.previewRetention': {
    input: z.object({ repository, policy: retentionPolicy, /** Only the snapshots of this job's sources. */ jobId: z.string().optional(), timeZone: z.string().optional() }),
    output: retentionPreview,
  },

  'runs.cancel': { input: z.object({ runId: text }), output: z.object({ cancelled: z.boolean() }) },
  'runs.active': { input: empty, output: z.array(activeRun) },

  'snapshots.list': { input: z.object({ repository, jobId: z.string().optional() }), output: z.array(snapshotInfo) },
  'snapshots.browse': {
    input: snapshotRef.extend({ path: z.string() }),
    output: z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(snapshotEntry) }),
  },
  'snapshots.tables': { input: snapshotRef, output: z.object({ tables: z.array(tableInfo) }) },
  'snapshots.search': {
    input: z.object({ repository, text, limit: z.number().int().min(1).max(5000).optional() }),
    output: z.object({ matches: z.array(searchMatch), truncated: z.boolean() }),
  },
  'snapshots.diff': {
    input: z.object({ repository, a: text, b: text }),
    output: z.object({ changes: z.array(diffChange), truncated: z.boolean(), added: count, removed: count, modified: count }),
  },

  'restore.plan': { input: restoreInput, output: restorePlan },
  'restore.start': { input: restoreInput, output: runIdOutput },

  'activity.runs': {
    input: z.object({ limit: z.number().int().min(1).max(1000).optional(), repository: z.string().optional(), jobId: z.string().optional() }),
    output: z.array(activityRun),
  },
  'activity.run': { input: z.object({ id: z.number().int() }), output: activityRunDetail },
  'activity.audit': {
    input: z.object({ limit: z.number().int().min(1).max(10000).optional() }),
    output: z.object({ entries: z.array(auditEntry), verification: auditVerification }),
  },

  'settings.get': { input: empty, output: settingsOutput },
  'settings.set': { input: settingsInput, output: settingsOutput },
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType }>;

export type ChannelName = keyof typeof channels;
/** What a caller passes (defaults optional). */
export type ChannelInput<C extends ChannelName> = z.input<(typeof channels)[C]['input']>;
/** What the engine answers. */
export type ChannelOutput<C extends ChannelName> = z.output<(typeof channels)[C]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const channelNames = Object.keys(channels) as ChannelName[];
export const eventNames = Object.keys(events) as EventName[];

export type RunKind = (typeof runKinds)[number];
export type RunState = (typeof runStates)[number];
export type Settings = z.output<typeof settingsSchema>;
export type RetentionPolicyInput = z.input<typeof retentionPolicy>;
export type SourceOptionsInput = z.input<typeof sourceOptions>;
