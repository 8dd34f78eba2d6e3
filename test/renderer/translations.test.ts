// Every string has an English and an Arabic text: same keys (Arabic with all six plural forms), and every key the code asks for exists.
import { describe, expect, it } from 'vitest';
import ar from '../../renderer/src/i18n/ar.json';
import en from '../../renderer/src/i18n/en.json';

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : leaves(v, `${prefix}${k}.`)));
}

const pluralSuffix = /_(zero|one|two|few|many|other)$/;
const base = (key: string): string => key.replace(pluralSuffix, '');
const enKeys = leaves(en);
const arKeys = leaves(ar);

// The renderer's own source, read as text through Vite, so this test needs no Node APIs.
const sources = import.meta.glob<string>('../../renderer/src/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true });

describe('translations', () => {
  it('has the same strings in English and Arabic', () => {
    expect([...new Set(arKeys.map(base))].sort()).toEqual([...new Set(enKeys.map(base))].sort());
  });

  it('gives Arabic all six plural forms wherever English has plurals', () => {
    const plural = [...new Set(enKeys.filter((k) => pluralSuffix.test(k)).map(base))];
    for (const key of plural) {
      for (const form of ['zero', 'one', 'two', 'few', 'many', 'other']) expect(arKeys, `${key}_${form}`).toContain(`${key}_${form}`);
    }
  });

  it('has an Arabic text that is really Arabic for every sentence', () => {
    const values = (tree: Tree): string[] => Object.values(tree).flatMap((v) => (typeof v === 'string' ? [v] : values(v)));
    // Product names stay as they are; placeholders carry no words.
    const names = new Set(['English', 'MySQL / MariaDB', 'PostgreSQL']);
    const untranslated = values(ar as Tree).filter((v) => !names.has(v) && /[A-Za-z]{3}/.test(v.replace(/\{\{\w+\}\}/g, '')) && !/[\u0600-\u06FF]/.test(v));
    expect(untranslated).toEqual([]);
  });

  it('defines every key the renderer asks for', () => {
    const known = new Set(enKeys.map(base));
    const missing: string[] = [];
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z-]+(?:\.[a-zA-Z-]+)+)'/g)) {
        if (m[1] !== undefined && !known.has(m[1])) missing.push(`${file}: ${m[1]}`);
      }
      // Keys chosen by a condition: t(cond ? 'a.b' : 'c.d').
      for (const m of text.matchAll(/\bt\([^()]*\?\s*'([a-zA-Z-]+(?:\.[a-zA-Z-]+)+)'\s*:\s*'([a-zA-Z-]+(?:\.[a-zA-Z-]+)+)'/g)) {
        for (const key of [m[1], m[2]]) if (key !== undefined && !known.has(key)) missing.push(`${file}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
