// The scheduler's log: one JSON object per line, rotated by size, with known secrets scrubbed from every line.

import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface JsonLog {
  readonly path: string;
  write(level: LogLevel, event: string, fields?: LogFields): void;
  close(): void;
}

export interface JsonLogOptions {
  /** The file's name in its folder. Default airlock.log. */
  readonly fileName?: string;
  /** Rotate before a line would take the file past this size. Default 5 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one (airlock.log.1 … .N). Default 4. */
  readonly keep?: number;
  /**
   * Values that must never reach the log, such as the passphrase in AIRLOCK_PASSPHRASE. Nothing should log them in
   * the first place; this is the second line of defence.
   */
  readonly secrets?: readonly (string | undefined)[];
  readonly now?: () => Date;
  /** Also hands each finished line to this (the daemon prints them for journald). */
  readonly echo?: (line: string) => void;
}

export const redacted = '[redacted]';

/** JSON.stringify that survives what log fields may hold: errors, bigints, cycles. */
function serialise(value: unknown): string {
  const seen = new WeakSet();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message, ...('code' in v ? { code: v.code } : {}) };
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

/** Replaces every occurrence of each secret, as written and as JSON escapes it. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) out = out.split(form).join(redacted);
  }
  return out;
}

/** Opens (creating its folder) a size-rotated JSON-lines log. Writes are synchronous: a crash loses no line. */
export function openJsonLog(folder: string, options: JsonLogOptions = {}): JsonLog {
  const path = join(folder, options.fileName ?? 'airlock.log');
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const keep = Math.max(0, options.keep ?? 4);
  const secrets = (options.secrets ?? []).filter((s): s is string => s !== undefined && s !== '');
  const now = options.now ?? (() => new Date());
  mkdirSync(folder, { recursive: true, mode: 0o700 });

  let fd: number | undefined = openSync(path, 'a', 0o600);
  let size = statSync(path).size;

  const rotate = (): void => {
    if (fd !== undefined) closeSync(fd);
    if (keep === 0) {
      rmSync(path, { force: true });
    } else {
      rmSync(`${path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) {
        try {
          renameSync(`${path}.${i}`, `${path}.${i + 1}`);
        } catch (err) {
          if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw err;
        }
      }
      renameSync(path, `${path}.1`);
    }
    fd = openSync(path, 'a', 0o600);
    size = 0;
  };

  return {
    path,
    write(level, event, fields = {}) {
      if (fd === undefined) return;
      const line = scrub(serialise({ time: now().toISOString(), level, event, ...fields }), secrets);
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      if (size > 0 && size + bytes.length > maxBytes) rotate();
      writeSync(fd, bytes);
      size += bytes.length;
      options.echo?.(line);
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}
