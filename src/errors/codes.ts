/**
 * Stable error codes. Hosts branch on these, so a code is never renamed once published;
 * messages may improve over time.
 */
export const ErrorCode = {
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  SPAWN_FAILED: 'SPAWN_FAILED',
  NOT_RUNNING: 'NOT_RUNNING',
  NOT_FOUND: 'NOT_FOUND',
  LIMIT_REACHED: 'LIMIT_REACHED',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  STOP_FAILED: 'STOP_FAILED',
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  STDIN_UNAVAILABLE: 'STDIN_UNAVAILABLE',
  STDIN_FAILED: 'STDIN_FAILED',
  LISTENER_FAILED: 'LISTENER_FAILED',
  /** Reading a child's stdout or stderr failed (the pipe reported an I/O error). */
  OUTPUT_FAILED: 'OUTPUT_FAILED',
  /** Node reported an error on a running child (e.g. it could not be signalled). */
  CHILD_ERROR: 'CHILD_ERROR',
  /** An agent reported an error result (its own failure, or the model API's). */
  AGENT_ERROR: 'AGENT_ERROR',
  /** An agent exited or died without reporting a result. */
  AGENT_EXITED: 'AGENT_EXITED',
  /** An agent run was stopped (stop, kill, timeout, abort, scope, shutdown) before its result. */
  AGENT_STOPPED: 'AGENT_STOPPED',
  /** A session was asked to continue while a run of it is still going. */
  SESSION_BUSY: 'SESSION_BUSY',
  /**
   * The ledger in stateDir cannot be read as one (truncated, garbage, another format, an entry
   * that procward would not write), or is not a bounded regular file of this uid in a stateDir of this uid.
   */
  LEDGER_CORRUPT: 'LEDGER_CORRUPT',
  /**
   * Writing the ledger or an output spool in stateDir failed (a full disk, permissions), or a file
   * or directory there is not what procward makes (a symlinked spool directory, a FIFO spool.json).
   */
  STATE_FAILED: 'STATE_FAILED',
  /**
   * A callback of the library itself failed (a timer, a poll, a promise chain it started): reported
   * here instead of being thrown into the event loop, where it would end the host. A bug: report it.
   */
  INTERNAL_FAILED: 'INTERNAL_FAILED',
  /** No usable pseudo-terminal addon: not installed, failed to load, or a version procward does not drive. */
  PTY_UNAVAILABLE: 'PTY_UNAVAILABLE',
  /** A wait for an event or for output ended without it: the process ended first, the timeout passed, or the signal aborted. */
  WAIT_FAILED: 'WAIT_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
