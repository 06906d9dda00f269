import { readFile } from 'node:fs/promises';
import { openSync, readFileSync, readSync } from 'node:fs';

/**
 * Which pids can belong to processes created after a given one, so that a tree scan reads the
 * few processes that can be members rather than the whole machine (each /proc/<pid>/stat read
 * costs the kernel ~10 µs; a laptop runs hundreds of processes).
 *
 * Linux hands out pids in increasing order and wraps at pid_max, skipping pids in use. Every
 * member of a tree was created after its leader, so its pid lies in the cyclic interval from the
 * leader's pid to the last pid handed out, provided allocation has not lapped the leader since.
 * That is ruled out by counting: forks since the leader (from /proc/stat, counted from a sample
 * taken before the spawn) plus tasks alive, plus the reserved low pids, must stay below pid_max.
 * When that cannot be shown the answer is "scan everything".
 */

const RESERVED_PIDS = 300; // the kernel never wraps back below this
let pidMax: number | undefined;
let sample = -1; // forks since boot at some earlier moment
let sampledAt = Number.NEGATIVE_INFINITY;
let refreshing = false;
// A fork-count sample older than this is refreshed (in the background) at the next spawn; an old
// sample only widens the window's proof obligation, never makes it wrong.
const STALE_MS = 500;

function readForks(text: string): number {
  const at = text.indexOf('\nprocesses ');
  return at < 0 ? -1 : Number.parseInt(text.slice(at + 11), 10);
}

/**
 * A lower bound of the number of forks since boot, for a process about to be spawned: the latest
 * sample, refreshed in the background when stale (no I/O on the caller's path but the first
 * time). -1 when unknown.
 */
export function forksBeforeSpawn(): number {
  const now = performance.now();
  if (sample < 0 && process.platform === 'linux') {
    // No sample yet: the first spawns of a host (often a burst of hundreds in one turn) would get
    // none, and their trees no window for their whole life. One synchronous read, once.
    try {
      sample = readForks(readFileSync('/proc/stat', 'utf8'));
      sampledAt = now;
    } catch {
      /* no /proc/stat: no windows */
    }
    return sample;
  }
  if (now - sampledAt > STALE_MS && !refreshing && process.platform === 'linux') {
    refreshing = true;
    readFile('/proc/stat', 'utf8')
      .then((text) => {
        const forks = readForks(text);
        if (forks >= 0) {
          sample = forks;
          sampledAt = performance.now();
        }
      })
      .catch(() => {})
      .finally(() => {
        refreshing = false;
      });
  }
  return sample;
}

/**
 * A /proc file read again and again (the kernel regenerates it on each read): kept open and read
 * from offset 0, sparing an open and a close per read. libuv opens it close-on-exec, so no child
 * inherits it. `looksRight` catches a descriptor a host closed and whose number was reused.
 */
class KeptProcFile {
  #fd: number | undefined;
  #buf: Buffer;

  constructor(
    private readonly path: string,
    size: number,
    private readonly looksRight: (text: string) => boolean,
  ) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  /** The file's text, or undefined where it cannot be read. */
  read(): string | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.#fd ??= openSync(this.path, 'r');
        let n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
        // Larger than the buffer (/proc/stat on a machine of many cores): grow it and read again.
        while (n === this.#buf.length) {
          this.#buf = Buffer.allocUnsafe(this.#buf.length * 2);
          n = readSync(this.#fd, this.#buf, 0, this.#buf.length, 0);
        }
        const text = this.#buf.toString('latin1', 0, n);
        if (!this.looksRight(text)) throw new Error(`not ${this.path}`);
        return text;
      } catch {
        // Closed under us (a host closing fds it does not own), or no /proc: open again once.
        this.#fd = undefined;
      }
    }
    return undefined;
  }
}

// Read several times per tree scan, per stop and per exit.
const loadavgFile = new KeptProcFile('/proc/loadavg', 128, (t) => t.includes('/'));
const statFile = new KeptProcFile('/proc/stat', 16 * 1024, (t) => t.startsWith('cpu'));

/** The last pid handed out in this pid namespace (from /proc/loadavg), or -1. */
export function lastPid(): number {
  const text = loadavgFile.read();
  return text === undefined ? -1 : Number.parseInt(text.slice(text.trimEnd().lastIndexOf(' ') + 1), 10);
}

/** Pids handed out from `first` to `last` inclusive, going round at pid_max when last < first. */
export interface PidWindow {
  first: number;
  last: number;
}

export function inWindow(w: PidWindow, pid: number): boolean {
  return w.last >= w.first ? pid >= w.first && pid <= w.last : pid >= w.first || pid <= w.last;
}

/** What the kernel says now about pid allocation: enough to prove the window of any leader. */
export type MachineReadings = Omit<PidReadings, 'leaderPid' | 'forksBefore'>;

/**
 * The figures every window proof needs, read once: a scan shared by many trees proves each one's
 * window from the same readings. Read after listing /proc, so that every listed pid was handed out
 * before `last`. Undefined where they cannot be read.
 */
export function machineReadings(): MachineReadings | undefined {
  try {
    pidMax ??= Number.parseInt(readFileSync('/proc/sys/kernel/pid_max', 'utf8'), 10);
    // "load1 load5 load15 running/total last_pid"
    const loadavg = loadavgFile.read()?.trim().split(' ');
    const stat = statFile.read();
    if (!loadavg || stat === undefined) return undefined;
    return {
      forksNow: readForks(stat),
      tasks: Number.parseInt(loadavg[3]!.split('/')[1]!, 10),
      last: Number.parseInt(loadavg[4]!, 10),
      pidMax,
    };
  } catch {
    return undefined;
  }
}

/**
 * The pids handed out since the leader (the leader's own included), or undefined to read them
 * all. Call it after listing /proc, so that every listed pid was handed out before `last` was read.
 */
export function pidWindow(leaderPid: number, forksBefore: number): PidWindow | undefined {
  if (forksBefore < 0) return undefined;
  const now = machineReadings();
  return now && windowFrom({ leaderPid, forksBefore, ...now });
}

/** What pidWindow reads from the kernel, so that the proof can be checked on any figures. */
export interface PidReadings {
  leaderPid: number;
  /** Forks since boot, sampled before the leader was spawned. */
  forksBefore: number;
  /** Forks since boot now. */
  forksNow: number;
  /** Tasks alive now. */
  tasks: number;
  /** The last pid handed out. */
  last: number;
  pidMax: number;
}

/** The window the readings prove, or undefined when allocation may have lapped the leader. */
export function windowFrom(r: PidReadings): PidWindow | undefined {
  if (!(r.forksBefore >= 0) || !(r.forksNow >= r.forksBefore) || !(r.tasks > 0) || !(r.last > 0) || !(r.pidMax > 0)) return undefined;
  if (r.forksNow - r.forksBefore + r.tasks + RESERVED_PIDS >= r.pidMax) return undefined; // may have lapped
  return { first: r.leaderPid, last: r.last };
}
