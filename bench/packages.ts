// Which commands the benchmark's peers need, and installing the missing ones from Debian's packages in one go.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A command the benchmark runs and the Debian package that provides it. */
export interface Needed {
  readonly command: string;
  readonly pkg: string;
}

export function hasCommand(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function aptGet(args: readonly string[]): boolean {
  // Output goes to stderr so the table on stdout stays clean; a prompt-free front end since nobody answers it.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env }).status === 0;
}

/**
 * Installs the packages of the commands that are missing: `apt-get update` once, then one `apt-get install -y` (package by
 * package if the batch fails, so one unavailable package does not cost the others). Returns, for each command still
 * missing afterwards, why, so that its peer can be skipped with a message.
 */
export function ensureCommands(needed: readonly Needed[], log: (line: string) => void): Map<string, string> {
  const missing = needed.filter((n) => !hasCommand(n.command));
  const unavailable = new Map<string, string>();
  if (missing.length === 0) return unavailable;
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  if (process.getuid?.() !== 0) {
    for (const n of missing) unavailable.set(n.command, `${n.command} is not installed and this is not root (apt-get install -y ${n.pkg})`);
    return unavailable;
  }
  log(`Installing from Debian's packages: ${pkgs.join(', ')} (for ${missing.map((n) => n.command).join(', ')})…`);
  aptGet(['update', '-qq']);
  if (!aptGet(['install', '-y', '-qq', ...pkgs]) && pkgs.length > 1) {
    for (const pkg of pkgs) aptGet(['install', '-y', '-qq', pkg]);
  }
  for (const n of missing) {
    if (!hasCommand(n.command)) unavailable.set(n.command, `${n.command} is still missing after apt-get install -y ${n.pkg}`);
  }
  return unavailable;
}
