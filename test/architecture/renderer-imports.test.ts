// The renderer's boundary: it imports neither the engine nor electron nor Node, only shared/ and its own files; and the lint rule that says so really fires.

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const rendererSrc = join(root, 'renderer', 'src');

async function rendererFiles(): Promise<string[]> {
  const entries = await readdir(rendererSrc, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const p of [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of source.matchAll(p)) if (m[1] !== undefined) found.push(m[1]);
  }
  return found;
}

/** Why an import is not allowed in the renderer, or undefined when it is. */
function violation(spec: string, file: string): string | undefined {
  if (spec === 'electron' || spec.startsWith('electron/')) return 'imports electron';
  if (spec.startsWith('node:')) return 'imports a Node built-in';
  if (spec.startsWith('.')) {
    const target = relative(root, resolve(dirname(file), spec));
    if (target.startsWith('electron')) return `reaches into ${target}`;
    if (!target.startsWith('renderer') && !target.startsWith('shared')) return `reaches outside renderer/ and shared/ (${target})`;
  }
  return undefined;
}

describe('renderer imports', () => {
  it('finds the renderer’s source files', async () => {
    expect((await rendererFiles()).length).toBeGreaterThan(20);
  });

  it('imports nothing from the engine, the Electron shell, electron or Node', async () => {
    const offenders: string[] = [];
    for (const file of await rendererFiles()) {
      for (const spec of specifiers(await readFile(file, 'utf8'))) {
        const why = violation(spec, file);
        if (why !== undefined) offenders.push(`${relative(root, file)} ${why}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('would catch each kind of forbidden import', () => {
    const file = join(rendererSrc, 'features', 'x', 'y.tsx');
    expect(violation('../../../../electron/engine/errors.ts', file)).toMatch(/electron/);
    expect(violation('electron', file)).toBe('imports electron');
    expect(violation('node:fs', file)).toBe('imports a Node built-in');
    expect(violation('../../../../scripts/demo.ts', file)).toMatch(/outside/);
    expect(violation('../../../../shared/ipc/contract.ts', file)).toBeUndefined();
    expect(violation('@mantine/core', file)).toBeUndefined();
  });

  it('has a lint rule that refuses the engine and electron in renderer code', async () => {
    const eslint = new ESLint({ cwd: root });
    const code = "import { AirlockError } from '../../electron/engine/errors.ts';\nimport { app } from 'electron';\nexport const x = [AirlockError, app];\n";
    const [result] = await eslint.lintText(code, { filePath: join(rendererSrc, 'api', 'client.ts') });
    const restricted = (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
    expect(restricted).toContain(1);
    expect(restricted).toContain(2);
  });
});
