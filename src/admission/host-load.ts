import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';

/** One reading of the whole machine's load. Plain data: JSON-serialisable. */
export interface HostLoad {
  /** Monotonic time of the reading (performance.now()), ms. */
  at: number;
  /**
   * Share of all cores' time spent busy since the previous reading, 0..100 (100 = every core
   * busy); null on the first reading, or when no CPU time was counted in between.
   */
  cpuPercent: number | null;
  /** Memory in use, % of the total: what new processes could not get without swapping. */
  memoryPercent: number;
}

/** Cumulative CPU time of all cores, in the source's own unit (only ratios of deltas are used). */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** @internal Where readings come from; tests inject numbers through it. */
export interface HostLoadSource {
  readCpuTimes(): CpuTimes;
  readMemoryPercent(): number;
}

/**
 * Reads the aggregate `cpu ` line of /proc/stat. Its first eight fields (user nice system idle
 * iowait irq softirq steal) add up to all the time there was; guest and guest_nice come after and
 * are already counted in user and nice. Waiting for I/O is idle time, not work.
 */
export function parseCpuLine(stat: string): CpuTimes | undefined {
  const line = /^cpu +([\d ]+)$/m.exec(stat)?.[1];
  const f = line?.trim().split(/ +/, 8).map(Number);
  if (!f || f.length < 8 || f.some((n) => !Number.isFinite(n))) return undefined;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/**
 * (MemTotal - MemAvailable) / MemTotal from /proc/meminfo. MemAvailable (Linux ≥ 3.14, and Node 20
 * needs 4.18) is the kernel's own estimate of what can be had without swapping: it counts the
 * reclaimable part of the page cache, which MemFree does not.
 */
export function parseMemoryPercent(meminfo: string): number | undefined {
  const total = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1]);
  const available = Number(/^MemAvailable:\s+(\d+)/m.exec(meminfo)?.[1]);
  if (!(total > 0) || !Number.isFinite(available)) return undefined;
  return ((total - available) / total) * 100;
}

/** @internal Linux: two small synchronous reads (tens of µs). Host-wide, not limited to a cgroup. */
export const procHostLoadSource: HostLoadSource = {
  readCpuTimes: () => must(parseCpuLine(readFileSync('/proc/stat', 'latin1')), '/proc/stat'),
  readMemoryPercent: () => must(parseMemoryPercent(readFileSync('/proc/meminfo', 'latin1')), '/proc/meminfo'),
};

/**
 * @internal Elsewhere (macOS, the BSDs, Windows). os.cpus() reports no iowait, so busy is user +
 * nice + sys + irq. On macOS os.freemem() counts only free pages, not the inactive ones the system
 * would hand out, so the memory figure there reads higher than the same load on Linux.
 */
export const osHostLoadSource: HostLoadSource = {
  readCpuTimes: () => {
    let busy = 0;
    let idle = 0;
    for (const { times: t } of cpus()) {
      busy += t.user + t.nice + t.sys + t.irq;
      idle += t.idle;
    }
    return { busy, total: busy + idle };
  },
  readMemoryPercent: () => {
    const total = totalmem();
    return total > 0 ? ((total - freemem()) / total) * 100 : 0;
  },
};

function must<T>(value: T | undefined, file: string): T {
  if (value === undefined) throw new Error(`Unexpected format of ${file}`);
  return value;
}

/** /proc when both files are there and parse (Linux, also WSL), else the os module. */
function pickSource(): HostLoadSource {
  try {
    procHostLoadSource.readCpuTimes();
    procHostLoadSource.readMemoryPercent();
    return procHostLoadSource;
  } catch {
    return osHostLoadSource;
  }
}

/**
 * Takes readings of the machine's CPU and memory use. CPU is a delta between two readings, so the
 * first reading has none: keep one sampler and read it on an interval.
 *
 * @example
 * const host = new HostLoadSampler();
 * host.sample(); // { at, cpuPercent: null, memoryPercent: 41.3 }
 * // …later
 * host.sample(); // { at, cpuPercent: 12.5, memoryPercent: 41.4 }
 */
export class HostLoadSampler {
  readonly #source: HostLoadSource;
  #previous: CpuTimes | undefined;

  /** `source` is for tests; the default is chosen once, here. */
  constructor(source: HostLoadSource = pickSource()) {
    this.#source = source;
  }

  /** A reading now; its CPU figure covers the time since the previous sample(). */
  sample(): HostLoad {
    const cpu = this.#source.readCpuTimes();
    const memoryPercent = this.readMemoryPercent();
    const before = this.#previous;
    this.#previous = cpu;
    return { at: performance.now(), cpuPercent: before ? cpuShare(before, cpu) : null, memoryPercent };
  }

  /** Memory alone, without moving the CPU baseline that the next sample() measures from. */
  readMemoryPercent(): number {
    return round(this.#source.readMemoryPercent());
  }
}

function cpuShare(before: CpuTimes, now: CpuTimes): number | null {
  const total = now.total - before.total;
  // Nothing counted in between (/proc counts in 10 ms ticks), or os.cpus(), which lists online
  // cores only, lost one.
  if (total <= 0) return null;
  // proc(5): iowait "may decrease in certain conditions", which makes busy jump: clamp.
  return round(Math.min(100, Math.max(0, ((now.busy - before.busy) / total) * 100)));
}

/** One decimal, as process metrics are reported. */
function round(n: number): number {
  return Math.round(n * 10) / 10;
}
