import type { OrphanPolicy, SignalName } from './schemas.js';

/**
 * Defaults of the manager's options; each spawn inherits the manager's values. (They live here,
 * not as zod defaults in the spawn schema, because a spawn's default is its manager's setting.)
 */
export const DEFAULTS = {
  /** Output kept per process: a long agent session's worth of text, bounded. */
  outputMaxBytes: 8 * 1024 * 1024,
  /** Exited processes kept for inspection; each may hold up to outputMaxBytes. */
  retainExited: 20,
  stopSignal: 'SIGTERM' as SignalName,
  /** Time to exit after the first signal: enough for a dev server or an agent to flush and close. */
  graceMs: 5000,
  /**
   * A terminal process's stop when neither its manager nor its spawn says how: what closing a
   * terminal does first, a hang-up, then SIGTERM, each with half of graceMs. An interactive bash
   * ignores SIGTERM (it would wait out the whole grace) and ends on SIGHUP at once, passing the
   * hang-up on to its jobs; what ignores a hang-up (nohup) still gets SIGTERM before SIGKILL.
   */
  ptyStop: [
    { signal: 'SIGHUP' as SignalName, graceMs: 2500 },
    { signal: 'SIGTERM' as SignalName, graceMs: 2500 },
  ],
  orphans: 'kill' as OrphanPolicy,
  /**
   * After the leader exits, how long its pipes may stay open before the library looks for who holds
   * them. Pipes normally close within a millisecond of the exit; this only bounds the rare case.
   */
  drainMs: 200,
  /** SIGKILL takes effect at once unless a process is in uninterruptible sleep (state D). */
  killTimeoutMs: 3000,
  /** Enough stderr to show why a command failed (a stack trace, a compiler error). */
  stderrTailBytes: 4096,
  /**
   * Sampling period for processes that ask for metrics: often enough to catch a runaway tree
   * within seconds, rare enough that a few hundred processes cost the host little (see bench).
   */
  metricsIntervalMs: 2000,
  /** CPU above the limit for this long is a trend, not a burst (a build step, a JIT warm-up). */
  cpuWindowMs: 10_000,
  /** A crash loop is five restarts within a minute: a flaky service survives, a broken one is given up on in seconds. */
  maxRestarts: 5,
  restartWindowMs: 60_000,
  /** supervisord's startsecs: a process that dies within a second never really started. */
  minUptimeMs: 1000,
  /** 250 ms, 500 ms, 1 s … 15 s: a missing dependency gets time to appear, a quick blip costs little. */
  backoff: { initialMs: 250, factor: 2, maxMs: 15_000, jitter: 0.2 },
  /** Host load is read once a second: CPU use needs an interval, and reading /proc costs microseconds. */
  admissionPollMs: 1000,
  /** Output kept on disk per process with stateDir: eight times what is kept in memory. */
  spoolMaxBytes: 64 * 1024 * 1024,
  /** The classic terminal size, what most programs assume when they cannot ask. */
  ptyCols: 80,
  ptyRows: 24,
  /** A TERM that every current terminal program knows, with 256 colours. */
  ptyName: 'xterm-256color',
} as const;
