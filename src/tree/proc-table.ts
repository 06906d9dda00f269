import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { uptime } from 'node:os';
import { shieldStdio } from '../internal/inheritable-fds.js';
import { inWindow, type PidWindow } from './pid-window.js';

/** One row of the system's process table: what is needed to walk a tree and tell a pid reuse. */
export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Kernel state letter: R, S, D, T, Z, … */
  state: string;
  /** Start time in clock ticks since boot; with the pid it identifies a process for its lifetime. */
  startTicks: number;
  comm: string;
  /** CPU time used so far (user + system), ms. */
  cpuMs: number;
  /** Resident memory, bytes. */
  rssBytes: number;
  /** Threads of the process (1 where unknown). */
  threads: number;
}

export const HAS_PROC = process.platform === 'linux';
const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux ABI Node supports
const TICK_MS = 1000 / CLOCK_TICKS;
// Resident pages to bytes: 4 KiB on x86-64 and most arm64 kernels; reading the real size would
// take a sysconf call, i.e. native code.
const PAGE_BYTES = 4096;

// One buffer for every stat read: the scan runs synchronously, so it is never shared.
const statBuf = Buffer.allocUnsafe(4096);

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may itself contain spaces
 * and parentheses, so fields are read after the last ')'.
 */
function parseStat(pid: number, text: string): ProcEntry | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const f = text.slice(close + 2).split(' ', 22);
  // After the comm: state(0) ppid(1) pgrp(2) session(3) … utime(11) stime(12) … num_threads(17) … starttime(19) vsize(20) rss(21)
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    state: f[0] ?? '?',
    startTicks: Number(f[19]),
    comm: text.slice(open + 1, close),
    cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS,
    rssBytes: Number(f[21]) * PAGE_BYTES,
    threads: Number(f[17]),
  };
}

function readStat(pid: number): ProcEntry | undefined {
  let fd: number;
  // Reading a pid that is gone is routine (every check that a member died ends with one): skip
  // the stack trace the ENOENT would capture, the larger part of the cost of such a read.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
  try {
    const n = readSync(fd, statBuf, 0, statBuf.length, 0);
    return parseStat(pid, statBuf.toString('latin1', 0, n));
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether /proc/<pid> names a process rather than one of its threads: /proc lists only processes,
 * but answers for a thread's id too. A process of one thread is its own leader; otherwise status
 * says which thread group the id leads.
 */
export function isProcessId(e: ProcEntry): boolean {
  if (e.threads <= 1) return true;
  try {
    return readFileSync(`/proc/${e.pid}/status`, 'latin1').includes(`\nTgid:\t${e.pid}\n`);
  } catch {
    return false;
  }
}

/** The current state of one pid, or undefined when no such process exists. */
export function readProcEntry(pid: number): ProcEntry | undefined {
  if (HAS_PROC) return readStat(pid);
  return readProcTable().get(pid);
}

/**
 * A snapshot of the machine's processes (Linux: /proc, elsewhere: one `ps` run). `window`, asked
 * once /proc is listed, may narrow which pids are read to those handed out in it (see pid-window).
 */
export function readProcTable(window?: () => PidWindow | undefined): Map<number, ProcEntry> {
  if (process.platform === 'win32') return new Map(); // no ps and no process groups: see tree-kill in process-tree
  return HAS_PROC ? readLinuxTable(window) : readPsTable();
}

function readLinuxTable(window?: () => PidWindow | undefined): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  const names = readdirSync('/proc');
  const wanted = window?.();
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    if (wanted && !inWindow(wanted, pid)) continue;
    const entry = readStat(pid);
    if (entry) table.set(pid, entry);
  }
  return table;
}

function readPsTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  const out = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,sess=,stat=,rss=,time=,lstart=,comm='], { encoding: 'utf8', stdio: shieldStdio('pipe') });
  for (const line of (out.stdout ?? '').split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\w{3}\s+\w{3}\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    table.set(pid, {
      pid,
      ppid: Number(m[2]),
      pgid: Number(m[3]),
      sid: Number(m[4]),
      state: m[5]!.charAt(0),
      startTicks: Math.floor(Date.parse(m[8]!) / 10),
      comm: m[9] ?? '',
      cpuMs: parseCpuTime(m[7]!),
      rssBytes: Number(m[6]) * 1024,
      threads: 1,
    });
  }
  return table;
}

/** ps prints CPU time as [[dd-]hh:]mm:ss. */
function parseCpuTime(s: string): number {
  const dash = s.indexOf('-');
  const days = dash > 0 ? Number(s.slice(0, dash)) : 0;
  let seconds = 0;
  for (const part of s.slice(dash + 1).split(':')) seconds = seconds * 60 + Number(part);
  return (days * 86_400 + seconds) * 1000;
}

export function isDeadState(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

/** A lower bound of the start ticks of a process spawned now; cheap (a clock read, no I/O). */
export function startTicksLowerBound(slackS = 2): number {
  if (!HAS_PROC) return 0;
  return Math.max(0, Math.floor((uptimeSeconds() - slackS) * CLOCK_TICKS));
}

/** An upper bound of the start ticks of a process that was spawned before now; cheap (a clock read). */
export function startTicksUpperBound(slackS = 2): number {
  if (!HAS_PROC) return 0;
  return Math.ceil((uptimeSeconds() + slackS) * CLOCK_TICKS);
}

let uptimeAt = -1; // os.uptime() when last read
let monoAt = 0; // performance.now() then
let wallAt = 0; // Date.now() then

/**
 * Seconds since boot, as the kernel counts start ticks (suspend included). os.uptime() reads
 * /proc/uptime (a few µs, once per spawn on the spawn path); here it is read at most once a second
 * and carried forward on the monotonic clock in between. A suspend (the monotonic clock stops, the
 * kernel's does not) or a wall-clock jump shows as the two clocks disagreeing: read again then.
 */
function uptimeSeconds(): number {
  const mono = performance.now();
  const wall = Date.now();
  if (uptimeAt < 0 || mono - monoAt > 1000 || Math.abs(wall - wallAt - (mono - monoAt)) > 250) {
    uptimeAt = uptime();
    monoAt = mono;
    wallAt = wall;
  }
  return uptimeAt + (mono - monoAt) / 1000;
}

/** Whether /proc/<pid>/environ holds the given `NAME=value` entry. */
export function environHas(pid: number, needle: Buffer): boolean {
  return environHasAll(pid, [needle]);
}

/**
 * Whether /proc/<pid>/environ holds every one of the given `NAME=value\0` entries (read once).
 * False when it cannot be read: no such process, or one of another user (without the privilege to
 * read its environment).
 */
export function environHasAll(pid: number, needles: readonly Buffer[]): boolean {
  const env = readEnviron(pid);
  return env !== undefined && needles.every((needle) => hasEntry(env, needle));
}

/** /proc/<pid>/environ, or undefined (no /proc, no such process, not ours to read). */
function readEnviron(pid: number): Buffer | undefined {
  if (!HAS_PROC) return undefined;
  try {
    return readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
}

function hasEntry(env: Buffer, needle: Buffer): boolean {
  const at = env.indexOf(needle);
  return at === 0 || (at > 0 && env[at - 1] === 0);
}

/**
 * The value of environment variable `name` in /proc/<pid>/environ, or undefined (not set, no such
 * process, not readable).
 */
export function environValue(pid: number, name: string): string | undefined {
  return environEntry(pid, name) ?? undefined;
}

/**
 * The value of `name` in /proc/<pid>/environ: null when there is no such entry or the environment
 * cannot be read (gone, not ours to read); undefined when it reads empty, which a live process
 * shows for a moment in the middle of an exec (or for good, when it was started with none).
 */
export function environEntry(pid: number, name: string): string | null | undefined {
  const env = readEnviron(pid);
  if (!env) return null;
  if (env.length === 0) return undefined;
  const prefix = Buffer.from(`${name}=`);
  for (let at = env.indexOf(prefix); at >= 0; at = env.indexOf(prefix, at + 1)) {
    if (at > 0 && env[at - 1] !== 0) continue; // the name inside another entry's value
    const end = env.indexOf(0, at);
    return env.toString('utf8', at + prefix.length, end < 0 ? env.length : end);
  }
  return null;
}

/** The processes of `table` whose environment might be ours: live, not kernel threads, not this process. */
export function userProcesses(table: Map<number, ProcEntry>, notBeforeTicks = 0): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const e of table.values()) {
    if (e.startTicks < notBeforeTicks || e.ppid === 2 || e.pid <= 2 || e.pid === process.pid || isDeadState(e.state)) continue;
    out.push(e);
  }
  return out;
}

/**
 * Live processes of `table` whose environment holds `needle` (a `NAME=value\0` entry), skipping
 * kernel threads and anything started before `notBeforeTicks` so that few environments are read.
 */
export function withEnvMarker(table: Map<number, ProcEntry>, needle: Buffer, notBeforeTicks: number, skip?: (e: ProcEntry) => boolean): ProcEntry[] {
  const found: ProcEntry[] = [];
  if (!HAS_PROC) return found;
  for (const e of userProcesses(table, notBeforeTicks)) {
    if (skip?.(e)) continue;
    if (environHas(e.pid, needle)) found.push(e);
  }
  return found;
}
