import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressRenderer } from '../../electron/cli/progress-renderer.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function captured(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('progress lines', () => {
  it('are throttled, but the first line of a phase and the line that completes it always come out', () => {
    const lines = captured();
    let t = 1_000;
    const { listener } = progressRenderer('json', () => t);
    const at = (ms: number, phase: string, bytesDone: number) => {
      t = ms;
      listener({ phase, bytesDone, bytesTotal: 100, itemsDone: 0 });
    };
    at(1_300, 'backup', 10);
    at(1_350, 'backup', 20); // throttled
    at(1_400, 'backup', 100); // completes the phase
    at(1_420, 'restore', 1); // a new phase
    at(1_440, 'restore', 2); // throttled
    const shown = lines.map((l) => JSON.parse(l) as { phase: string; bytesDone: number }).map((p) => `${p.phase}:${p.bytesDone}`);
    expect(shown).toEqual(['backup:10', 'backup:100', 'restore:1']);
  });
});
