// The layering rules: only the Electron shell imports electron; the renderer never imports the engine; shared/ imports neither.

import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /\.(ts|tsx|mts|cts|js|mjs)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm];
  for (const p of patterns) for (const m of source.matchAll(p)) if (m[1]) found.push(m[1]);
  return found;
}

async function offenders(dirs: string[], bad: (specifier: string, file: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const file of await sourceFiles(dir)) {
      for (const spec of importsOf(await readFile(join(root, file), 'utf8'))) {
        if (bad(spec, file)) out.push(`${file} imports ${spec}`);
      }
    }
  }
  return out;
}

const isElectron = (spec: string) => spec === 'electron' || spec.startsWith('electron/');

describe('architecture', () => {
  it('finds the import statements it is meant to police', () => {
    expect(importsOf(`import { app } from 'electron';\nconst x = await import("electron/main");`)).toEqual(['electron', 'electron/main']);
  });

  it('imports electron only in electron/main and electron/preload', async () => {
    // This file names electron in its own fixtures, so it is the one file not scanned.
    const found = await offenders(['electron', 'shared', 'renderer', 'scripts', 'bench', 'test'], (spec, file) =>
      !file.startsWith(join('test', 'architecture')) &&
      isElectron(spec) && !/^electron[/\\](main|preload)[/\\]/.test(file));
    expect(found).toEqual([]);
  });

  it('keeps the renderer away from the engine and from electron', async () => {
    const found = await offenders(['renderer'], (spec) => isElectron(spec) || /electron[/\\](engine|main|cli)/.test(spec));
    expect(found).toEqual([]);
  });

  it('keeps shared/ free of the engine, the renderer and electron', async () => {
    const found = await offenders(['shared'], (spec) => isElectron(spec) || /(electron[/\\]|renderer[/\\])/.test(spec));
    expect(found).toEqual([]);
  });
});
