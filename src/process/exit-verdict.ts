import type { ExitReason, StopReason } from '../state-machine/states.js';
import type { AttemptEnd } from './attempt.js';
import type { ProcessExit } from './types.js';

export interface ExitFacts {
  spawnFailed: boolean;
  /** Why the library ended it, if it did. */
  stopReason: StopReason | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Members that outlived SIGKILL. */
  survivors: number;
}

/**
 * The terminal state and reason from what happened. Never `stopped` or `completed` while a member
 * of the tree outlived SIGKILL: a clean verdict must mean that nothing is left.
 */
export function exitVerdict(f: ExitFacts): { state: ProcessExit['state']; reason: ExitReason } {
  if (f.spawnFailed) return { state: 'failed', reason: 'spawn-error' };
  if (f.stopReason) return { state: f.survivors > 0 ? 'failed' : 'stopped', reason: f.stopReason };
  if (f.signal !== null) return { state: 'failed', reason: 'signal' };
  return { state: f.code === 0 && f.survivors === 0 ? 'completed' : 'failed', reason: 'exit' };
}

/** What the process adds to its last attempt's end for the exit record. */
export interface ExitContext {
  stopReason: StopReason | undefined;
  /** The restart policy gave up. */
  crashLoop: boolean;
  startedAt: number | null;
  endedAt: number;
  durationMs: number | null;
  stderrTail: string;
  restarts: number;
}

/** The exit record, from how the last attempt ended (none: the process never ran one to its end). */
export function exitRecord(last: AttemptEnd | undefined, c: ExitContext): ProcessExit {
  const survivors = last?.survivors ?? [];
  const { state, reason } = c.crashLoop
    ? ({ state: 'failed', reason: 'crash-loop' } as const)
    : exitVerdict({ spawnFailed: last?.spawnError !== undefined, stopReason: c.stopReason, code: last?.code ?? null, signal: last?.signal ?? null, survivors: survivors.length });
  const error = last?.spawnError;
  return {
    state,
    code: last?.code ?? null,
    signal: last?.signal ?? null,
    reason,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    durationMs: c.durationMs,
    stderrTail: c.stderrTail,
    orphans: last?.orphans ?? [],
    survivors,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    restarts: c.restarts,
  };
}
