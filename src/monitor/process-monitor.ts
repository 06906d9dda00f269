import { guarded } from '../internal/guarded.js';
import type { ProcessTree } from '../tree/process-tree.js';
import { everyInterval } from './sample-clock.js';
import { TreeMetrics, type ProcessMetrics } from './tree-metrics.js';

// One sample in this many re-collects the tree with a full scan instead of a walk.
const FULL_SCAN_EVERY = 10;
// Monitors started together (a burst of spawns) would all do their full scan in the same tick:
// each starts at the next phase of this counter, so the scans of N monitors spread over 10 ticks.
let nextPhase = 0;

export interface MonitorSettings {
  /** Sampling period; undefined: sample only when asked (metrics()). */
  intervalMs: number | undefined;
  /** Tree RSS above which the process is stopped (reason memory-limit). */
  maxMemoryBytes: number | undefined;
  /** Tree CPU % (of one core) that, held for cpuWindowMs, raises cpu-high. */
  maxCpuPercent: number | undefined;
  cpuWindowMs: number;
}

export interface CpuHigh {
  cpuPercent: number;
  /** How long it has been above the limit, ms. */
  forMs: number;
  limit: number;
}

export interface MonitorEvents {
  sample(metrics: ProcessMetrics): void;
  memoryLimit(metrics: ProcessMetrics, limit: number): void;
  cpuHigh(high: CpuHigh): void;
  /** A periodic sample failed (/proc unreadable, out of file descriptors): sampling goes on. */
  failed(error: unknown): void;
}

/**
 * Samples a process tree's CPU and memory on an interval and applies the limits. The tree is
 * re-collected at each sample (a cheap read of the pids handed out since the leader, see
 * pid-window), so descendants that come and go are counted while they live.
 */
export class ProcessMonitor {
  readonly #metrics = new TreeMetrics();
  #stopSampling: (() => void) | undefined;
  #latest: ProcessMetrics | undefined;
  /** Monotonic time since which the CPU limit has been exceeded without a break. */
  #cpuHighSince: number | undefined;
  #cpuHighRaised = false;
  #memoryLimitHit = false;
  #samples = nextPhase++ % FULL_SCAN_EVERY;

  constructor(
    private readonly tree: ProcessTree,
    private readonly settings: MonitorSettings,
    private readonly on: MonitorEvents,
  ) {}

  get latest(): ProcessMetrics | undefined {
    return this.#latest;
  }

  start(): void {
    if (this.settings.intervalMs === undefined || this.#stopSampling) return;
    this.sample();
    this.#stopSampling = everyInterval(
      this.settings.intervalMs,
      guarded(
        () => this.sample(),
        (err) => this.on.failed(err),
      ),
    );
  }

  stop(): void {
    this.#stopSampling?.();
    this.#stopSampling = undefined;
  }

  sample(): ProcessMetrics {
    // A walk of children links each time; a full scan now and then also finds what left the tree
    // unseen (a daemon that double-forked between two samples).
    const members = ++this.#samples % FULL_SCAN_EVERY === 0 ? this.tree.collect() : this.tree.walk();
    const now = performance.now();
    const m = this.#metrics.sample(members, this.tree.leaderPid, now);
    this.#latest = m;
    this.on.sample(m);
    this.#check(m, now);
    return m;
  }

  #check(m: ProcessMetrics, now: number): void {
    const { maxMemoryBytes, maxCpuPercent, cpuWindowMs } = this.settings;
    if (maxMemoryBytes !== undefined && m.memoryBytes > maxMemoryBytes && !this.#memoryLimitHit) {
      this.#memoryLimitHit = true;
      this.on.memoryLimit(m, maxMemoryBytes);
    }
    if (maxCpuPercent === undefined || m.cpuPercent === null) return;
    if (m.cpuPercent <= maxCpuPercent) {
      // The episode is over: a later one is reported again.
      this.#cpuHighSince = undefined;
      this.#cpuHighRaised = false;
      return;
    }
    // The first sample above the limit covers the interval before it too.
    this.#cpuHighSince ??= now - (this.settings.intervalMs ?? 0);
    const forMs = now - this.#cpuHighSince;
    if (!this.#cpuHighRaised && forMs >= cpuWindowMs) {
      this.#cpuHighRaised = true;
      this.on.cpuHigh({ cpuPercent: m.cpuPercent, forMs: Math.round(forMs), limit: maxCpuPercent });
    }
  }
}
