import { spawn, type ChildProcess } from 'node:child_process';
import { HAS_PROC, startTicksLowerBound, startTicksUpperBound } from '../tree/proc-table.js';
import { PERSIST_ENV } from '../tree/process-tree.js';
import { shieldStdio } from '../internal/inheritable-fds.js';
import { reaperMain, WATCH_SCRIPT } from './watchdog-program.js';

// Below this many ended leaders the watchdog's list is not worth replacing.
const MIN_STALE = 64;
// Margin of the start-time bounds, in seconds: the clocks agree to a tick (both count since boot),
// so this only absorbs rounding; a narrow window is what tells a reused pid from the leader.
const BOUNDS_SLACK_S = 0.5;

/**
 * The host's side of the watchdog: starts it on the first guarded process, tells it which
 * leaders to guard, and starts a new one (with the current list) if it ever dies. The pipe and
 * the process are unref'd: the watchdog never keeps a host alive.
 *
 * Linux only (it reads /proc); elsewhere the `exit` hook (killOnHostExit) remains the guard.
 */
export class HostWatchdog {
  readonly #managerId: string;
  readonly #notBeforeTicks: number;
  readonly #guarded = new Map<number, string>(); // pid → `<lo>:<hi>`, the bounds of its start ticks, as announced
  readonly #pending = new Map<number, number>(); // pid → lower bound of its start ticks, to announce at the end of the turn
  #stale = 0; // ended leaders still on the watchdog's list
  #replace = false;
  #flushing = false;
  #child: ChildProcess | undefined;
  #closed = false;

  constructor(managerId: string, notBeforeTicks: number) {
    this.#managerId = managerId;
    this.#notBeforeTicks = notBeforeTicks;
  }

  static get supported(): boolean {
    return HAS_PROC;
  }

  /** The watchdog's pid, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Announces a leader. The announcements of one turn go out as one line once the turn's work is
   * done: a burst of spawns costs one pipe write and no /proc read. Each pid goes with bounds of its
   * start time taken from the clock (no I/O), which the reaper checks against the process that has
   * the pid when the host dies: a leader that ended and whose pid went to another process since is
   * not mistaken for it. The watchdog is started now, so a host killed before the line goes out is
   * still watched (its reaper also finds every leader by the manager marker in its environment).
   */
  guard(pid: number): void {
    if (this.#closed || !HAS_PROC) return;
    if (!this.#child) this.#start();
    this.#pending.set(pid, startTicksLowerBound(BOUNDS_SLACK_S));
    this.#flushSoon();
  }

  release(pid: number): void {
    if (this.#pending.delete(pid)) return;
    if (!this.#guarded.delete(pid)) return;
    // The watchdog's list keeps ended leaders (harmless: told apart by start ticks) until they are
    // as many as the live ones; then it is replaced whole.
    if (++this.#stale > Math.max(MIN_STALE, this.#guarded.size)) {
      this.#replace = true;
      this.#flushSoon();
    }
  }

  /** The manager shut down cleanly: the watchdog exits without killing anything. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    child.stdin?.end('bye\n');
  }

  #flushSoon(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = false;
    if (this.#closed) return;
    const lines: string[] = [];
    if (this.#pending.size > 0) {
      const hi = startTicksUpperBound(BOUNDS_SLACK_S);
      const added: string[] = [];
      for (const [pid, lo] of this.#pending) {
        const bounds = `${lo}:${hi}`;
        this.#guarded.set(pid, bounds);
        added.push(`${pid}:${bounds}`);
      }
      this.#pending.clear();
      lines.push(`+ ${added.join(' ')}`);
    }
    if (this.#replace) {
      this.#replace = false;
      this.#stale = 0;
      lines.push(`= ${this.#list()}`);
    }
    if (lines.length > 0) this.#send(lines.join('\n'));
  }

  /** Every guarded leader with its bounds: the list that replaces the watchdog's. */
  #list(): string {
    const out: string[] = [];
    for (const [pid, bounds] of this.#guarded) out.push(`${pid}:${bounds}`);
    return out.join(' ');
  }

  #send(line: string): void {
    const child = this.#child ?? this.#start();
    child.stdin?.write(line + '\n');
  }

  #start(): ChildProcess {
    // `__name`: transpilers that keep function names (tsx, when the source runs untranspiled by
    // tsup) wrap inner functions in a helper the function's text does not carry.
    const program = `const __name = (f) => f; (${reaperMain.toString()})(require('node:fs'), process.argv[1], Number(process.argv[2]), process.argv[3], process.argv.slice(4))`;
    const child = spawn('/bin/sh', ['-c', WATCH_SCRIPT, 'procward-watchdog', process.execPath, program, this.#managerId, String(this.#notBeforeTicks), PERSIST_ENV], {
      // Its own session: a terminal hang-up or a signal to the host's group does not reach it.
      detached: true,
      // No terminal master of the host's either: the watchdog outlives them and must not keep one open.
      stdio: shieldStdio(['pipe', 'ignore', 'ignore']),
      // Nothing of the host's environment: it must not carry a manager marker itself.
      env: { PATH: process.env.PATH ?? '' },
    });
    child.unref();
    const stdin = child.stdin as (NodeJS.WritableStream & { unref?(): void; on(e: 'error', fn: () => void): void }) | null;
    stdin?.unref?.();
    // A watchdog that died leaves the write end broken: writes fail with EPIPE, which is handled
    // by starting a new watchdog on its exit.
    stdin?.on('error', () => {});
    child.on('error', () => {});
    child.once('exit', () => {
      if (this.#child !== child || this.#closed) return;
      this.#child = undefined;
      if (this.#guarded.size > 0) {
        this.#stale = 0;
        this.#start().stdin?.write(`= ${this.#list()}\n`);
      }
    });
    this.#child = child;
    return child;
  }
}
