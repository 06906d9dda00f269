/**
 * Figure 4: peak RSS of the host while a child writes 1 GiB, each side in a fresh Node process
 * (bench/memory-worker.ts). procward keeps the default output cap; the budget is 2×cap + 5 MiB.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../src/options/defaults.js';
import { runWorker } from './lib/worker.js';
import { row, type Row } from './lib/report.js';
import { alternate, median, round, worstOf } from './lib/stats.js';

const REPS = 3;
const MiB = 1024 * 1024;
const WORKER = fileURLToPath(new URL('./memory-worker.ts', import.meta.url));

interface WorkerResult {
  hwm: number;
  hwmReset: boolean;
  sampledPeak: number;
  rssBefore: number;
  ms: number;
}

const seen: Record<'raw' | 'procward', WorkerResult[]> = { raw: [], procward: [] };

async function runSide(side: 'raw' | 'procward'): Promise<number> {
  const r = await runWorker<WorkerResult>(WORKER, side);
  seen[side].push(r);
  // VmHWM is the kernel's own peak; without a reset it would include module loading.
  return (r.hwmReset ? r.hwm : r.sampledPeak) / MiB;
}

export async function benchMemory(): Promise<Row[]> {
  const s = await alternate(
    REPS,
    () => runSide('raw'),
    () => runSide('procward'),
    0,
  );
  const cap = DEFAULTS.outputMaxBytes / MiB;
  const budget = 2 * cap + 5;
  const diff = median(s.procward) - median(s.raw);
  const pick = (rs: WorkerResult[], k: keyof WorkerResult) => rs.map((r) => round(Number(r[k]) / MiB, 1));
  return [
    row({
      figure: '4 peak RSS, child writes 1 GiB',
      unit: 'MiB',
      raw: median(s.raw),
      procward: median(s.procward),
      compare: 'diff',
      target: `diff <= ${budget} MiB (2x${cap}+5)`,
      pass: diff <= budget,
      worst: worstOf(s, 'lower'),
      detail: {
        measure: seen.raw[0]?.hwmReset ? 'VmHWM after clear_refs reset' : 'sampled rss every 5 ms',
        hwmRaw: pick(seen.raw, 'hwm'),
        hwmProcward: pick(seen.procward, 'hwm'),
        sampledPeakRaw: pick(seen.raw, 'sampledPeak'),
        sampledPeakProcward: pick(seen.procward, 'sampledPeak'),
        rssBeforeRaw: pick(seen.raw, 'rssBefore'),
        rssBeforeProcward: pick(seen.procward, 'rssBefore'),
        growthRaw: seen.raw.map((r) => round((r.hwm - r.rssBefore) / MiB, 1)),
        growthProcward: seen.procward.map((r) => round((r.hwm - r.rssBefore) / MiB, 1)),
      },
    }),
  ];
}
