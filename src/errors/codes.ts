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
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
