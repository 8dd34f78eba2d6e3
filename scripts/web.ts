// `npm run web`: the renderer in a browser against the real engine — builds the renderer when needed, starts the dev bridge, prints the local URL with its token.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogPath } from '../electron/engine/catalog/location.ts';
import { startDevBridge } from '../electron/engine/ipc/dev-bridge.ts';

const projectRoot = resolve(import.meta.dirname, '..');
const rendererRoot = join(projectRoot, 'renderer');
const staticDir = join(rendererRoot, 'dist');
const viteConfig = join(rendererRoot, 'vite.config.ts');

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

const { values } = parseArgs({
  options: {
    build: { type: 'boolean', default: false },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  say('npm run web [-- --build] [-- --port N]\n\nServes the Airlock window on 127.0.0.1 against an engine whose data lives under AIRLOCK_HOME\n(default: the same folder the airlock command uses). --build rebuilds the window first.');
  process.exit(0);
}

const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`"${values.port ?? ''}" is not a port number; give a whole number from 1 to 65535, or leave --port out for a free one.\n`);
  process.exit(2);
}

if (values.build || !existsSync(join(staticDir, 'index.html'))) {
  if (existsSync(viteConfig)) {
    say('Building the Airlock window…');
    const { build } = await import('vite');
    await build({ root: rendererRoot, configFile: viteConfig, logLevel: 'warn' });
  } else {
    say(`There is no ${viteConfig} yet, so the window cannot be built; serving what is there.`);
  }
}

// The same home the airlock command and the daemon use, so the browser sees their jobs and history.
const home = dirname(catalogPath());
const bridge = await startDevBridge({ home, staticDir, port });
say(`Airlock is running against the data in ${home}.`);
say(`Open this address in a browser on this computer (it carries the access token; do not share it):\n\n  ${bridge.url}\n`);
say('Passphrases you ask it to remember are kept only until this stops (the desktop app keeps them in the system keyring).');
say('Stop with Ctrl-C.');

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  say(`\n${signal}: stopping; a running backup is cancelled cleanly.`);
  bridge.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`Stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => {
  stop('Ctrl-C');
});
process.on('SIGTERM', () => {
  stop('SIGTERM');
});
