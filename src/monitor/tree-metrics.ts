import type { ProcEntry } from '../tree/proc-table.js';
import { commandLine } from './command-line.js';

/** One member of a sampled tree. */
export interface TreeMember {
  pid: number;
  ppid: number;
  command: string;
  /** Share of one CPU since the previous sample (100 = one core busy); null on the first sample. */
  cpuPercent: number | null;
  memoryBytes: number;
}

/** A sample of a process and all its descendants. Plain data: JSON-serialisable. */
export interface ProcessMetrics {
  /** Wall-clock time of the sample, ms since the epoch. */
  at: number;
  /** The whole tree's CPU use since the previous sample, in % of one core; null on the first sample. */
  cpuPercent: number | null;
  /** The whole tree's resident memory. */
  memoryBytes: number;
  /** Live processes of the tree besides the leader. */
  descendants: number;
  tree: TreeMember[];
}

/**
 * Turns successive usage readings of a tree into metrics. CPU % is the CPU time each process used
 * between two samples over the time between them (on the monotonic clock); a process seen for the
 * first time counts from its own first reading.
 */
export class TreeMetrics {
  #prev = new Map<string, number>(); // pid:startTicks → cpuMs
  // pid:startTicks:comm → command line. Read once per process image: the comm changes with an exec
  // (a forked shell becoming `sleep`), so the key does too; an argv rewritten in place
  // (setproctitle) is not followed, the price of not reading every cmdline on every sample.
  #commands = new Map<string, string>();
  #prevAt: number | undefined;

  /** `members`: the tree as just read (each entry carries its CPU time and resident memory). */
  sample(members: readonly ProcEntry[], leaderPid: number, now = performance.now()): ProcessMetrics {
    const elapsed = this.#prevAt === undefined ? 0 : now - this.#prevAt;
    const next = new Map<string, number>();
    const commands = new Map<string, string>();
    const tree: TreeMember[] = [];
    let cpuMs = 0;
    let memoryBytes = 0;
    for (const u of members) {
      const key = `${u.pid}:${u.startTicks}`;
      const before = this.#prev.get(key);
      next.set(key, u.cpuMs);
      const image = `${key}:${u.comm}`;
      const command = this.#commands.get(image) ?? commandLine(u);
      commands.set(image, command);
      const used = before === undefined ? null : Math.max(0, u.cpuMs - before);
      if (used !== null) cpuMs += used;
      memoryBytes += u.rssBytes;
      tree.push({
        pid: u.pid,
        ppid: u.ppid,
        command,
        cpuPercent: used === null || elapsed <= 0 ? null : round((used / elapsed) * 100),
        memoryBytes: u.rssBytes,
      });
    }
    this.#prev = next;
    this.#commands = commands;
    this.#prevAt = now;
    return {
      at: Date.now(),
      cpuPercent: elapsed > 0 ? round((cpuMs / elapsed) * 100) : null,
      memoryBytes,
      descendants: members.filter((u) => u.pid !== leaderPid).length,
      tree,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
