// Whether a test may run Airlock as the unprivileged user "nobody": only as root, with setpriv, and where nobody can read the project.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const nobody = 65534;
const projectRoot = join(import.meta.dirname, '..', '..');

function nobodyReads(path: string): boolean {
  return spawnSync('setpriv', [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', 'cat', path], { stdio: 'ignore' }).status === 0;
}

/** Why such a test cannot run here, or undefined when it can. A clone inside a private folder (mktemp -d is 0700) is one reason. */
export function nobodySkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to switch to the user nobody';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'needs setpriv (util-linux) to switch to the user nobody';
  if (!nobodyReads(join(projectRoot, 'package.json'))) return `the user nobody cannot read the project at ${projectRoot} (a parent folder is private)`;
  return undefined;
}
