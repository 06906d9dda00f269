/**
 * How long the host's event loop was held during a measured stretch: a chain of 1 ms timers
 * records the gap between consecutive turns that ran it, from the moment the probe starts (so a
 * synchronous block right after it counts too: monitorEventLoopDelay drops its first interval).
 * A gap of g ms is a block of about g − 1. Raw and procward runs are probed alike, so the probe's
 * own cost cancels.
 */
import { percentile } from './stats.js';

export interface LoopBlock {
  /** Longest block, ms. */
  max: number;
  /** 99th percentile of the blocks, ms. */
  p99: number;
  /**
   * CPU time this process spent in its longest-busy gap, ms: the host's own work in one stretch.
   * A gap longer than this is time the host was runnable but not running (on 2 cores, 50 Node
   * children starting at once preempt it for 50-100 ms at a time, whatever the host does).
   */
  busy: number;
}

export function probeLoop(): () => LoopBlock {
  const blocks: number[] = [];
  let busy = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const mark = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    blocks.push(Math.max(0, now - last - 1));
    busy = Math.max(busy, (cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
  };
  let timer = setTimeout(function tick() {
    mark();
    timer = setTimeout(tick, 1);
  }, 1);
  return () => {
    clearTimeout(timer);
    mark();
    return { max: Math.max(...blocks), p99: percentile(blocks, 99), busy };
  };
}
