// Throughput of the content-defined chunker over random data: `node scripts/launch.mjs bench/chunker.bench.ts [MiB]`.

import { randomBytes } from 'node:crypto';
import { chunkStream, defaultChunkerParams, gearTable } from '../electron/engine/repo/chunker.ts';
import type { ChunkerParams } from '../electron/engine/repo/chunker.ts';

export interface ChunkerBenchResult {
  readonly pieceBytes: number;
  readonly totalBytes: number;
  readonly chunks: number;
  /** Median over the runs, in decimal MB/s of wall time. */
  readonly mbPerSecond: number;
  readonly runsMbPerSecond: readonly number[];
  /** Median MB per second of this process's CPU time: steadier than wall time on a shared, busy machine. */
  readonly mbPerCpuSecond: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// A 64 MiB block of random data, replayed: big enough that boundaries look like real ones, small enough to hold.
const blockBytes = 64 * 1024 * 1024;

async function* replay(block: Buffer, totalBytes: number, pieceBytes: number): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < totalBytes; ) {
    const offset = done % block.length;
    const piece = block.subarray(offset, Math.min(offset + pieceBytes, block.length, offset + totalBytes - done));
    done += piece.length;
    yield await Promise.resolve(piece);
  }
}

export async function benchChunker(
  totalBytes = 512 * 1024 * 1024,
  pieceSizes: readonly number[] = [64 * 1024, 1024 * 1024],
  runs = 3,
  params: ChunkerParams = defaultChunkerParams,
): Promise<ChunkerBenchResult[]> {
  const block = randomBytes(blockBytes);
  const gear = gearTable(randomBytes(32));
  const results: ChunkerBenchResult[] = [];
  for (const pieceBytes of pieceSizes) {
    const rates: number[] = [];
    const cpuRates: number[] = [];
    let chunks = 0;
    for (let run = 0; run < runs; run++) {
      chunks = 0;
      let bytes = 0;
      const started = process.hrtime.bigint();
      const cpuBefore = process.cpuUsage();
      for await (const chunk of chunkStream(replay(block, totalBytes, pieceBytes), params, gear)) {
        chunks++;
        bytes += chunk.length;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      cpuRates.push(bytes / 1e6 / ((cpu.user + cpu.system) / 1e6));
      if (bytes !== totalBytes) throw new Error(`chunker returned ${bytes} bytes of ${totalBytes}`);
      rates.push(bytes / 1e6 / seconds);
    }
    results.push({ pieceBytes, totalBytes, chunks, mbPerSecond: median(rates), runsMbPerSecond: rates, mbPerCpuSecond: median(cpuRates) });
  }
  return results;
}

if (import.meta.main) {
  const mib = Number(process.argv[2] ?? 512);
  const results = await benchChunker(mib * 1024 * 1024);
  for (const r of results) {
    const runs = r.runsMbPerSecond.map((x) => x.toFixed(0)).join(', ');
    process.stdout.write(
      `chunkStream ${mib} MiB in ${r.pieceBytes / 1024} KiB pieces: ${r.mbPerSecond.toFixed(0)} MB/s median (runs ${runs}), ` +
        `${r.mbPerCpuSecond.toFixed(0)} MB per CPU-second, ` +
        `${r.chunks} chunks, mean ${(r.totalBytes / r.chunks / 1024).toFixed(0)} KiB\n`,
    );
  }
  process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (includes the 64 MiB input block)\n`);
}
