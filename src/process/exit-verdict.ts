import type { StateReason, StopReason } from '../state-machine/states.js';
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
export function exitVerdict(f: ExitFacts): { state: ProcessExit['state']; reason: StateReason } {
  if (f.spawnFailed) return { state: 'failed', reason: 'spawn-error' };
  if (f.stopReason) return { state: f.survivors > 0 ? 'failed' : 'stopped', reason: f.stopReason };
  if (f.signal !== null) return { state: 'failed', reason: 'signal' };
  return { state: f.code === 0 && f.survivors === 0 ? 'completed' : 'failed', reason: 'exit' };
}
