// Renders progress events on stderr: a live line with rate and ETA on a terminal, JSON lines on request.

import type { Progress, ProgressListener } from '../engine/progress.ts';
import { formatBytes, formatDuration } from './format.ts';

export type ProgressMode = 'auto' | 'json' | 'none';

const REDRAW_MS = 250;

export function progressRenderer(mode: ProgressMode, now: () => number = Date.now): { listener: ProgressListener; done: () => void } {
  const started = now();
  let last = 0;
  let drawn = false;
  const interactive = mode === 'auto' && process.stderr.isTTY;
  let lastPhase: string | undefined;
  const listener = (p: Progress) => {
    const t = now();
    // Throttled, except the first report of a phase and the one that completes it: a reader waiting for 100% sees it.
    const completes = p.bytesTotal !== undefined && p.bytesDone >= p.bytesTotal;
    if (t - last < REDRAW_MS && p.phase === lastPhase && !completes) return;
    last = t;
    lastPhase = p.phase;
    const elapsed = (t - started) / 1000;
    const rate = elapsed > 0 ? p.bytesDone / elapsed : 0;
    const eta = p.bytesTotal !== undefined && rate > 0 ? ((p.bytesTotal - p.bytesDone) / rate) * 1000 : undefined;
    if (mode === 'json') {
      process.stderr.write(JSON.stringify({ type: 'progress', ...p, rate: Math.round(rate), etaMs: eta === undefined ? null : Math.round(eta), elapsedMs: t - started }) + '\n');
    } else if (interactive) {
      const total = p.bytesTotal !== undefined ? ` / ${formatBytes(p.bytesTotal)}` : '';
      const pct = p.bytesTotal ? ` ${Math.min(100, (100 * p.bytesDone) / p.bytesTotal).toFixed(0)}%` : '';
      const etaText = eta !== undefined ? `, ETA ${formatDuration(eta)}` : '';
      const line = `${p.phase}:${pct} ${formatBytes(p.bytesDone)}${total}, ${p.itemsDone} items, ${formatBytes(rate)}/s${etaText}`;
      process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
      drawn = true;
    }
  };
  return {
    listener,
    done: () => {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  };
}
