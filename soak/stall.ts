/**
 * Event-loop stalls of the host. A timer ticks every TICK_MS; a tick that comes late is a stall.
 * The machine is shared (two cores, other test runs, a hundred children), so a late tick may only
 * mean that the host was not given a core. What the library (or the soak) can be blamed for is the
 * CPU time of the host's main thread over the gap, read from /proc/self/task/<pid>/stat (worker
 * and GC threads do not block the loop): a stall with more CPU time than the limit would have
 * blocked the loop that long on an idle machine too. Both figures are reported; only the second
 * fails the run. monitorEventLoopDelay gives the percentiles of the wall-clock delay.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const TICK_MS = 20;
const MS_PER_CLOCK_TICK = 10; // USER_HZ is 100 on every Linux ABI Node runs on

/** CPU time (user + system) of the main thread, the one that runs the event loop, in ms. */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * MS_PER_CLOCK_TICK;
}

export interface Stall {
  ms: number;
  cpuMs: number;
  /** When the late tick came (the stall's end), on the soak's clock. */
  atMs: number;
  op: number;
}

export class StallMonitor {
  worst: Stall = { ms: 0, cpuMs: 0, atMs: 0, op: 0 };
  /** The stall during which the host itself spent the most CPU time. */
  worstBusy: Stall = { ms: 0, cpuMs: 0, atMs: 0, op: 0 };
  readonly busyOver: Stall[] = [];
  readonly #histogram = monitorEventLoopDelay({ resolution: 10 });
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limitMs: number,
    private readonly currentOp: () => number,
    /** The soak's clock, so that a stall's time can be compared with the operations'. */
    private readonly elapsedMs: () => number,
  ) {}

  start(): void {
    this.#histogram.enable();
    let last = performance.now();
    let lastCpu = mainThreadCpuMs();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const cpu = mainThreadCpuMs();
      const late = now - last - TICK_MS;
      const cpuMs = cpu - lastCpu;
      last = now;
      lastCpu = cpu;
      if (late <= 0) return;
      const stall = { ms: Math.round(late), cpuMs: Math.round(cpuMs), atMs: this.elapsedMs(), op: this.currentOp() };
      if (late > this.worst.ms) this.worst = stall;
      if (cpuMs > this.worstBusy.cpuMs) this.worstBusy = stall;
      if (late > this.limitMs && cpuMs > this.limitMs) this.busyOver.push(stall);
    }, TICK_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }

  /** Percentiles of the event-loop delay, in ms. */
  get percentiles(): { p50: number; p99: number; max: number } {
    const h = this.#histogram;
    return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  }
}
