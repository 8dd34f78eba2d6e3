// `npm run build`: the renderer (Vite, into renderer/dist), then the Electron main and preload bundles when the shell's build is present.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';

const projectRoot = join(import.meta.dirname, '..');
const rendererRoot = join(projectRoot, 'renderer');

/** Builds the renderer into `outDir` (default renderer/dist); the e2e test calls this too. */
export async function buildRenderer(outDir = join(rendererRoot, 'dist')): Promise<void> {
  await build({ root: rendererRoot, configFile: join(rendererRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

async function main(): Promise<void> {
  await buildRenderer();
  console.log('Built the renderer into renderer/dist.');
  const shell = join(projectRoot, 'electron', 'build-shell.ts');
  if (existsSync(shell)) {
    const { buildShell } = (await import(pathToFileURL(shell).href)) as typeof import('../electron/build-shell.ts');
    await buildShell();
    console.log('Built the Electron main process and preload into out/.');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
