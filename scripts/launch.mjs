// Runs a script under Node >= 22.12, re-executing under the bundled Node 24 when the current one is older.
// Deliberately plain JavaScript that Node 20 can parse: it is the one file that must run before Node 24 exists.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN = [22, 12];
const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));

function parse(version) {
  return version.replace(/^v/, '').split('.').map(Number);
}

function isRecentEnough(version) {
  const [major, minor] = parse(version);
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
}

function typeStrippingIsDefault(version) {
  const [major, minor] = parse(version);
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
}

/** The Node 24 that npm installed as a platform-specific optional dependency, if any. */
function bundledNode() {
  const pkg = `node-${process.platform}-${process.arch}`;
  try {
    const require = createRequire(join(projectRoot, 'package.json'));
    const pkgDir = dirname(require.resolve(`${pkg}/package.json`));
    const exe = join(pkgDir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
    const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    return existsSync(exe) ? { exe, pkgDir, version } : undefined;
  } catch {
    return undefined;
  }
}

export function nodeForProject() {
  if (isRecentEnough(process.version)) return { exe: process.execPath, version: process.version, env: {} };
  const found = bundledNode();
  if (!found) {
    process.stderr.write(
      `airlock needs Node ${MIN.join('.')} or newer (this is ${process.version}), and the bundled ` +
        `Node 24 package for ${process.platform}-${process.arch} is not installed. Run \`npm install\` ` +
        'in the project folder, or install Node 24.\n',
    );
    process.exit(1);
  }
  const binDir = dirname(found.exe);
  const sep = process.platform === 'win32' ? ';' : ':';
  return {
    exe: found.exe,
    version: found.version,
    // Child processes (vitest workers, npm rebuilds of native addons) must see Node 24 first and build
    // against its headers, not the system's (the machine's npm config points nodedir at Node 20's).
    env: { PATH: `${binDir}${sep}${process.env.PATH ?? ''}`, npm_config_nodedir: found.pkgDir },
  };
}

/**
 * Node flags for the airlock command (bin/airlock; the benchmark measures with them too). A small young generation:
 * a backup turns over a buffer per chunk, and V8's default young generation (up to 32 MiB here) let their wrappers,
 * and so the memory behind them, pile up between collections. Measured with 2 MiB, on 47,000 small files: user CPU
 * 20.3 s -> 15.3 s and peak memory 399 -> 358 MB; MariaDB 2 million rows: 347 -> 287 MB.
 * And a fixed heap growth of 40% per major collection instead of V8's own factor, which let the old generation grow
 * to two or three times what was alive before collecting it: an unchanged re-run of 80,000 files (1.6 GB) peaked
 * at 257-267 MB with V8's factor and 176-183 MB with this one, in the same time (4.4-5.4 s); a first backup and a
 * restore of the same files measured within their run-to-run spread. It costs a database dump more collections:
 * MariaDB, 4 x 500k rows, 4.4-4.8 s -> 4.7-5.3 s (user CPU 4.2-4.8 -> 4.9-5.4 s), for a peak of 250-270 MB instead
 * of 267-310 MB, which crossed the 300 MB bound once in four runs. 100% cost about half as much and bounded less.
 */
export const cliNodeFlags = ['--max-semi-space-size=2', '--heap-growing-percent=40'];

/** Runs `script args...` under a suitable Node, with extra `nodeFlags` if given, and exits with its status. */
export function launch(script, args, nodeFlags = []) {
  const node = nodeForProject();
  const flags = ['--disable-warning=ExperimentalWarning', ...nodeFlags];
  // Node 22.12-22.17 strip TypeScript types only when asked; later versions do it by default.
  if (!typeStrippingIsDefault(node.version)) flags.push('--experimental-strip-types');
  const child = spawn(node.exe, [...flags, script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, ...node.env },
  });
  // A terminal's Ctrl-C reaches the child through the process group already; forwarding it
  // too would deliver it twice and turn a graceful cancel into an abrupt one.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [script, ...args] = process.argv.slice(2);
  if (!script) {
    process.stderr.write('usage: node scripts/launch.mjs <script> [args...]\n');
    process.exit(2);
  }
  launch(script, args);
}
