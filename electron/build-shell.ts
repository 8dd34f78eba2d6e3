// Bundles the Electron shell with Vite: the main process (ESM, engine included) and the sandboxed preload (one CommonJS file).

import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'vite';

const projectRoot = join(import.meta.dirname, '..');

export interface ShellBuildOptions {
  /** Where `main/` and `preload/` are written; default `out/` in the project. */
  readonly outDir?: string;
}

async function productionDependencies(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {});
}

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * The main process keeps its npm dependencies outside the bundle: they ship in node_modules, and better-sqlite3's
 * native addon must be loaded from disk (unpacked from the asar) anyway. Only our TypeScript is bundled.
 */
async function buildMain(outDir: string): Promise<void> {
  const dependencies = await productionDependencies();
  await build({
    configFile: false,
    root: projectRoot,
    logLevel: 'warn',
    ssr: { target: 'node', external: ['electron', ...dependencies] },
    build: {
      ssr: join(projectRoot, 'electron', 'main', 'index.ts'),
      outDir: join(outDir, 'main'),
      emptyOutDir: true,
      target: 'node22',
      minify: false,
      rolldownOptions: {
        external: (id) => id === 'electron' || nodeBuiltins.includes(id) || dependencies.some((d) => id === d || id.startsWith(`${d}/`)),
        // One file: the engine's lazily imported parts (database drivers) are worth splitting for a short CLI run,
        // not for a long-running app, and one file is what package.json "main" and the packaging expect.
        output: { format: 'es', entryFileNames: 'index.js', codeSplitting: false },
      },
    },
  });
}

/**
 * A sandboxed preload runs as a classic script whose `require` knows only 'electron' and a few shims, so the
 * contract's channel list and zod are bundled in and everything becomes one CommonJS file.
 */
async function buildPreload(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: projectRoot,
    logLevel: 'warn',
    ssr: { target: 'node', noExternal: true, external: ['electron'] },
    build: {
      ssr: join(projectRoot, 'electron', 'preload', 'index.ts'),
      outDir: join(outDir, 'preload'),
      emptyOutDir: true,
      target: 'chrome140',
      minify: false,
      rolldownOptions: {
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: 'index.cjs', codeSplitting: false },
      },
    },
  });
}

export async function buildShell(options: ShellBuildOptions = {}): Promise<void> {
  const outDir = options.outDir ?? join(projectRoot, 'out');
  await buildMain(outDir);
  await buildPreload(outDir);
}
