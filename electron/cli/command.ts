// The shape of a CLI command and the context every command runs with.

import type { ParseArgsOptionsConfig } from 'node:util';
import type { ProgressListener } from '../engine/progress.ts';
import type { Catalog } from '../engine/catalog/catalog.ts';
import type { Repository } from '../engine/repo/repository.ts';

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface OptionGiven {
  readonly name: string;
  readonly value: string | undefined;
}

export interface CommandContext {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
  /** Every option as given, in command-line order, for options that apply to the one before them (`job add --source X --exclude P`). */
  readonly optionOrder: readonly OptionGiven[];
  readonly json: boolean;
  readonly signal: AbortSignal;
  readonly progress: ProgressListener;
  /** Human output on stdout (suppressed with --json). */
  say(text: string): void;
  /** The one JSON document on stdout with --json. */
  result(value: unknown): void;
  /** Warnings on stderr. */
  warn(text: string): void;
  repoLocation(option?: string): string;
  openRepository(option?: string): Promise<Repository>;
  passphrase(): Promise<string>;
  /**
   * The local catalog, or undefined (with a warning) when it cannot be opened: it is a cache, never a reason to skip a
   * backup. Asynchronous so that its code (SQLite, the job stores) loads only for commands that use it.
   */
  catalog(): Promise<Catalog | undefined>;
}

/** A command's code; its name and summary live in commands/index.ts so that listing them loads none of it. */
export interface Command {
  readonly usage: string;
  readonly options: ParseArgsOptionsConfig;
  /** Returns the exit code (0 when omitted). */
  run(ctx: CommandContext): Promise<number | undefined>;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}
