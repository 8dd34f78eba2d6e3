// Which paths a files backup skips: gitignore-style patterns, cache directories, and a size limit.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** The signature that marks a cache directory (https://bford.info/cachedir/). */
const CACHEDIR_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55';

export interface ExcludeOptions {
  /** gitignore-style patterns, matched against paths relative to each backed-up folder. */
  readonly patterns?: readonly string[];
  /** Skip directories that contain a valid CACHEDIR.TAG. */
  readonly excludeCaches?: boolean;
  /** Skip files larger than this many bytes. */
  readonly maxFileSize?: number;
}

export class Excluder {
  /** None without patterns: the matcher remembers every path it is asked about, which costs memory per file. */
  private readonly matcher: Ignore | undefined;
  private readonly options: ExcludeOptions;

  constructor(options: ExcludeOptions) {
    this.options = options;
    const patterns = options.patterns ?? [];
    this.matcher = patterns.length > 0 ? ignore().add([...patterns]) : undefined;
  }

  /** `relative` uses forward slashes and no leading slash. */
  excludesPath(relative: string, isDirectory: boolean): boolean {
    if (relative === '' || this.matcher === undefined) return false;
    return this.matcher.ignores(isDirectory ? `${relative}/` : relative);
  }

  excludesSize(size: number): boolean {
    return this.options.maxFileSize !== undefined && size > this.options.maxFileSize;
  }

  async isCacheDirectory(dir: string): Promise<boolean> {
    if (!this.options.excludeCaches) return false;
    try {
      const head = await readFile(join(dir, 'CACHEDIR.TAG'), { encoding: 'utf8' });
      return head.startsWith(CACHEDIR_SIGNATURE);
    } catch {
      return false;
    }
  }
}

/** Parses sizes such as 500M, 2G, 100k, 1048576. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[(m[2] ?? '').toLowerCase()] ?? 0;
  return Math.round(Number(m[1]) * 1024 ** power);
}
