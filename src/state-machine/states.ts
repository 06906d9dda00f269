/**
 * The lifecycle of a managed process as an explicit table. Hosts render it, tests assert on it,
 * and the runtime refuses anything the table does not list.
 */
export const PROCESS_STATES = ['queued', 'starting', 'running', 'paused', 'stopping', 'backoff', 'completed', 'failed', 'stopped'] as const;

export type ProcessState = (typeof PROCESS_STATES)[number];

/** States a process never leaves. */
export const TERMINAL_STATES: readonly ProcessState[] = Object.freeze(['completed', 'failed', 'stopped']);

/**
 * from → allowed targets.
 * - `completed`: exited 0 on its own; `failed`: spawn error, non-zero exit or a signal it did not get from us;
 *   `stopped`: ended by stop, kill, timeout, abort, scope, shutdown, idle or memory-limit (the exit reason says which).
 * - `stopping → completed | failed`: a process that exited on its own while the library cleaned up
 *   descendants it left behind keeps the verdict of its own exit.
 * - `backoff`: the restart policy decided to start a process that ended by itself again; it waits
 *   there (nothing of it alive) until the delay is over (`starting`, reason `restart`) or a stop
 *   ends it (`stopped`). A process the policy gives up on ends `failed` with reason `crash-loop`.
 */
export const TRANSITIONS: Readonly<Record<ProcessState, readonly ProcessState[]>> = Object.freeze({
  queued: ['starting', 'stopped'],
  starting: ['running', 'stopping', 'failed'],
  running: ['paused', 'stopping', 'backoff', 'completed', 'failed'],
  paused: ['running', 'stopping', 'backoff', 'completed', 'failed'],
  stopping: ['stopped', 'failed', 'completed', 'backoff'],
  backoff: ['starting', 'stopped'],
  completed: [],
  failed: [],
  stopped: [],
});

export function canTransition(from: ProcessState, to: ProcessState): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

export function isTerminal(state: ProcessState): boolean {
  return state === 'completed' || state === 'failed' || state === 'stopped';
}

/** Why a process is in its state; carried by every `state` event and by the exit record. */
export type StateReason =
  | 'queued'
  | 'start'
  | 'spawned'
  | 'pause'
  | 'resume'
  | 'exit'
  | 'signal'
  | 'spawn-error'
  | 'orphans'
  | 'stop'
  | 'kill'
  | 'timeout'
  | 'abort'
  | 'scope'
  | 'shutdown'
  | 'idle'
  | 'memory-limit'
  | 'restart'
  | 'crash-loop'
  | 'recover';

/**
 * Reasons that end a process on the library's initiative (its terminal state is `stopped`): the
 * host's own stops (and the deadlines it set), then the watchdogs it configured.
 */
export const STOP_REASONS = ['stop', 'kill', 'timeout', 'abort', 'scope', 'shutdown', 'idle', 'memory-limit'] as const;

export type StopReason = (typeof STOP_REASONS)[number];

/** Stops a watchdog of the process decided on: a restart policy may still start it again. */
const WATCHDOG_STOPS: ReadonlySet<StopReason> = new Set(['idle', 'memory-limit']);

export function isStopReason(reason: string): reason is StopReason {
  return (STOP_REASONS as readonly string[]).includes(reason);
}

/** A stop the host asked for (directly or by a deadline it set): it ends the process for good, whatever its restart policy. */
export function isHostStop(reason: StopReason): boolean {
  return !WATCHDOG_STOPS.has(reason);
}

/**
 * What can end a process, as its exit record says: `exit` / `signal` on its own, `spawn-error`
 * when it never ran, `crash-loop` when its restart policy gave up, or the stop that ended it.
 */
export type ExitReason = 'exit' | 'signal' | 'spawn-error' | 'crash-loop' | StopReason;

export interface StateChange {
  from: ProcessState;
  to: ProcessState;
  reason: StateReason;
  /** Wall-clock time of the transition, ms since the epoch. */
  at: number;
}
