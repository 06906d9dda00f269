/**
 * Sampling many: N `sleep`s sampled every intervalMs through procward's `metrics` option, against
 * a raw host reading /proc/<pid>/stat (and, a second reference, stat and statm: CPU and memory,
 * what a sample holds) of each pid on one setInterval. Each side is measured over the same window
 * once all are running: host CPU, samples delivered and the longest event-loop block.
 */
import { readFileSync } from 'node:fs';
import { hostCpu } from '../lib/host-cpu.js';
import { probeLoop, type LoopBlock } from '../lib/loop-probe.js';
import { pwFleet, rawFleet, rawStop, settle, SLEEP } from './fleet.js';

export interface SamplingTrial {
  cpuPercent: number;
  block: LoopBlock;
  /** Samples taken in the window, and the fewest any one process got. */
  samples: number;
  fewest: number;
  /** Interval ticks in the window: what each process is owed. */
  owed: number;
}

export type Reference = 'stat' | 'stat+statm';

export async function rawSampling(n: number, intervalMs: number, windowMs: number, reads: Reference): Promise<SamplingTrial> {
  const fleet = await rawFleet(n);
  const paths = fleet.children.map((c) => [`/proc/${c.pid}/stat`, `/proc/${c.pid}/statm`] as const);
  const counts = new Array<number>(n).fill(0);
  await settle();
  const cpu = hostCpu();
  const probe = probeLoop();
  const timer = setInterval(() => {
    for (let i = 0; i < n; i++) {
      readFileSync(paths[i]![0], 'latin1');
      if (reads === 'stat+statm') readFileSync(paths[i]![1], 'latin1');
      counts[i]!++;
    }
  }, intervalMs);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  clearInterval(timer);
  const block = probe();
  const { percent } = cpu();
  await rawStop(fleet);
  return { cpuPercent: percent, block, samples: counts.reduce((a, b) => a + b, 0), fewest: Math.min(...counts), owed: Math.floor(windowMs / intervalMs) };
}

export async function pwSampling(n: number, intervalMs: number | undefined, windowMs: number): Promise<SamplingTrial> {
  const { pm, ps } = await pwFleet(n, undefined, { ...SLEEP, metrics: intervalMs === undefined ? true : { intervalMs } });
  const counts = new Array<number>(n).fill(0);
  let counting = false;
  ps.forEach((p, i) => p.on('metrics', () => counting && counts[i]!++));
  await settle();
  counting = true;
  const cpu = hostCpu();
  const probe = probeLoop();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  counting = false;
  const block = probe();
  const { percent } = cpu();
  await pm.shutdown();
  const every = intervalMs ?? 2000;
  return { cpuPercent: percent, block, samples: counts.reduce((a, b) => a + b, 0), fewest: Math.min(...counts), owed: Math.floor(windowMs / every) };
}
