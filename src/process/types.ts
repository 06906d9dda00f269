import type { CpuHigh } from '../monitor/process-monitor.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import type { ProcwardError, Survivor } from '../errors/procward-error.js';
import type { OrphanPolicy, ProcessType, Scope } from '../options/schemas.js';
import type { OutputChunk, OutputStream } from '../output/output-buffer.js';
import type { ExitReason, ProcessState, StateChange } from '../state-machine/states.js';

/** How a process ended. Plain data: JSON-serialisable. */
export interface ProcessExit {
  state: Extract<ProcessState, 'completed' | 'failed' | 'stopped'>;
  /** Exit code of the leader, null when it was killed by a signal or never ran. */
  code: number | null;
  /** Signal that ended the leader, null when it exited with a code. */
  signal: NodeJS.Signals | null;
  /** `exit` / `signal` / `spawn-error` on its own; `stop`, `kill`, `timeout`, `abort`, `scope`, `shutdown` when ended by the library. */
  reason: ExitReason;
  /** When the process was running, ms since the epoch; null if it never started. */
  startedAt: number | null;
  endedAt: number;
  /** From spawn to the end, on the monotonic clock; null if it never started. */
  durationMs: number | null;
  /** The last few KB of stderr, so that a failure comes with its reason. */
  stderrTail: string;
  /** Descendants found alive after the leader exited on its own. */
  orphans: number[];
  /** Members that outlived SIGKILL (see StopFailedError). */
  survivors: Survivor[];
  /** Why it failed to start, for `spawn-error`. */
  error?: { code: string; message: string };
  /** Times the restart policy started it again; code, signal and stderrTail are those of the last attempt. */
  restarts: number;
}

/** How one attempt of a restarted process ended. Plain data. */
export interface AttemptExit {
  /** 0 for the first run, then 1, 2, … */
  attempt: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `exit`, `signal`, or the watchdog that stopped it (`idle`, `memory-limit`). */
  reason: ExitReason;
  /** Spawn to the leader's exit, monotonic clock. */
  uptimeMs: number;
}

/** The restart policy will start the process again (`restart` event). */
export interface RestartScheduled {
  /** The attempt about to start (1 for the first restart). */
  attempt: number;
  delayMs: number;
  /** Failed starts in a row (runs shorter than minUptimeMs) that set the delay. */
  failedStarts: number;
  previous: AttemptExit;
}

/** A plain, JSON-serialisable snapshot of a process. */
export interface ProcessInfo {
  id: string;
  command: string;
  args: string[];
  cwd: string;
  label: string | undefined;
  type: ProcessType;
  scope: Scope | undefined;
  metadata: Record<string, unknown>;
  state: ProcessState;
  pid: number | undefined;
  stdin: 'pipe' | 'ignore';
  shell: boolean | string;
  /** The terminal's current size, for PTY processes; null on pipes. */
  pty: { cols: number; rows: number; /** With backend 'tmux': attach with `tmux -L <socket> attach -t <session>`. */ tmux?: { session: string; socket: string } } | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Total bytes of output so far (also the offset of the next byte). */
  outputBytes: number;
  /** Times the restart policy has started it again (each attempt keeps this id). */
  restarts: number;
  /** Outlives the host (spawn option persist). */
  persist: boolean;
  exit: ProcessExit | null;
}

export interface OrphansFound {
  pids: number[];
  policy: OrphanPolicy;
}

/** One line of output (for `line` listeners). On a PTY, control sequences and carriage returns are removed. */
export interface OutputLine {
  stream: OutputStream;
  /** The line without its newline: on pipes without a trailing \r, on a terminal as the screen shows the row (TerminalLine). */
  text: string;
  /** True for a piece of a line longer than 1 MiB: the rest follows in further pieces. */
  partial: boolean;
}

/** Nothing happened for idleTimeoutMs (`idle` event). */
export interface IdleReport {
  idleMs: number;
  /** What the process does about it (spawn option onIdle): `stop` it, or only raise this `event`. */
  action: 'stop' | 'event';
}

export interface ProcessEvents {
  state: [change: StateChange];
  output: [chunk: OutputChunk];
  line: [line: OutputLine];
  exit: [exit: ProcessExit];
  error: [error: ProcwardError];
  orphans: [found: OrphansFound];
  /** A sample of the tree's CPU and memory (spawn with `metrics`, `maxMemoryBytes` or `maxCpuPercent`). */
  metrics: [metrics: ProcessMetrics];
  /** The tree used more CPU than maxCpuPercent for cpuWindowMs; raised once per episode. */
  'cpu-high': [high: CpuHigh];
  /** Nothing happened for idleTimeoutMs (output; for agent runs, parsed events). Raised once per silence. */
  idle: [idle: IdleReport];
  /** An attempt ended and the restart policy will start the process again after `delayMs` (state `backoff`). */
  restart: [restart: RestartScheduled];
}
