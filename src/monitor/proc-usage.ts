import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { HAS_PROC } from '../tree/proc-table.js';

/** What one process uses right now. */
export interface ProcUsage {
  pid: number;
  ppid: number;
  /** CPU time used so far (user + system), in ms. */
  cpuMs: number;
  /** Resident memory in bytes. */
  rssBytes: number;
  /** Identifies the process across samples together with its pid (pid reuse). */
  startTicks: number;
  command: string;
}

const TICK_MS = 10; // USER_HZ 100
// Resident pages to bytes. 4 KiB on x86-64 and most arm64 kernels; /proc/self/statm cannot tell the
// size, and a sysconf call would need native code.
const PAGE_BYTES = 4096;
const buf = Buffer.allocUnsafe(4096);

function readSmall(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('latin1', 0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function command(pid: number, comm: string): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0').filter(Boolean);
    return args.length > 0 ? args.join(' ') : `[${comm}]`;
  } catch {
    return `[${comm}]`;
  }
}

/** Linux: two small /proc reads per process (stat, cmdline); no child process is spawned. */
function readLinux(pid: number): ProcUsage | undefined {
  const text = readSmall(`/proc/${pid}/stat`);
  if (!text) return undefined;
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  // After the comm: state(0) ppid(1) … utime(11) stime(12) … starttime(19) vsize(20) rss(21)
  const f = text.slice(close + 2).split(' ', 22);
  const state = f[0];
  if (state === 'Z' || state === 'X') return undefined; // a zombie uses nothing
  return {
    pid,
    ppid: Number(f[1]),
    cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS,
    rssBytes: Number(f[21]) * PAGE_BYTES,
    startTicks: Number(f[19]),
    command: command(pid, text.slice(open + 1, close)),
  };
}

function parseCpuTime(s: string): number {
  // ps prints [[dd-]hh:]mm:ss
  const [days, rest] = s.includes('-') ? [Number(s.split('-')[0]), s.split('-')[1]!] : [0, s];
  const parts = rest.split(':').map(Number);
  let seconds = 0;
  for (const p of parts) seconds = seconds * 60 + p;
  return (days * 86_400 + seconds) * 1000;
}

/** Elsewhere: one `ps` run for all the pids of a sample. */
function readPs(pids: readonly number[]): ProcUsage[] {
  if (pids.length === 0) return [];
  const out = spawnSync('ps', ['-o', 'pid=,ppid=,rss=,time=,command=', '-p', pids.join(',')], { encoding: 'utf8' });
  const rows: ProcUsage[] = [];
  for (const line of (out.stdout ?? '').split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    rows.push({ pid: Number(m[1]), ppid: Number(m[2]), rssBytes: Number(m[3]) * 1024, cpuMs: parseCpuTime(m[4]!), startTicks: 0, command: m[5] ?? '' });
  }
  return rows;
}

/** Usage of each live pid given (the dead are left out). */
export function readUsage(pids: readonly number[]): ProcUsage[] {
  if (!HAS_PROC) return readPs(pids);
  const out: ProcUsage[] = [];
  for (const pid of pids) {
    const u = readLinux(pid);
    if (u) out.push(u);
  }
  return out;
}
