/**
 * Finds live processes by the markers procward puts in every child's environment
 * (PROCWARD_TREE=<process id>, PROCWARD_MANAGER=<manager id>), in one pass over /proc. Zombies
 * and dead tasks count as gone: nothing reaps orphans here, and a zombie holds nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { uptime } from 'node:os';

export interface Marked {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  cmd: string;
}

/** Clock ticks since boot, a little in the past: processes started before it are not ours. */
export function ticksNow(): number {
  return Math.floor((uptime() - 1) * 100);
}

/** Live processes whose `name` variable is one of `values`, by value. */
export function scanMarked(name: string, values: ReadonlySet<string>, notBeforeTicks: number): Map<string, Marked[]> {
  const found = new Map<string, Marked[]>();
  if (values.size === 0) return found;
  const key = `\0${name}=`;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57 || entry.charCodeAt(0) < 48) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z' || f[0] === 'X' || Number(f[19]) < notBeforeTicks) continue;
      const env = '\0' + readFileSync(`/proc/${pid}/environ`, 'latin1');
      const at = env.indexOf(key);
      if (at < 0) continue;
      const from = at + key.length;
      const stop = env.indexOf('\0', from);
      const value = env.slice(from, stop < 0 ? undefined : stop);
      if (!values.has(value)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim().slice(0, 160);
      const list = found.get(value) ?? [];
      list.push({ pid, ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]), state: f[0]!, cmd });
      found.set(value, list);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Whether a pid names a live process (not a zombie). */
export function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function killAll(list: readonly Marked[]): void {
  for (const m of list) {
    try {
      process.kill(m.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
