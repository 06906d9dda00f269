import type { RestartPolicy } from '../restart/restart-policy.js';
import type { ExitReason, StopReason } from '../state-machine/states.js';
import type { AttemptEnd } from './attempt.js';
import { exitVerdict } from './exit-verdict.js';
import type { RestartScheduled } from './types.js';

export type RestartStep = { restart: false; crashLoop: boolean } | { restart: true; delayMs: number; reason: ExitReason; scheduled: RestartScheduled };

/**
 * What follows an attempt of a process with a restart policy: another one after a delay (with the
 * reason the `backoff` state carries and the `restart` event's payload), or the end.
 */
export function restartStep(policy: RestartPolicy, end: AttemptEnd, stopReason: StopReason | undefined, attempt: number): RestartStep {
  const verdict = exitVerdict({ spawnFailed: false, stopReason, code: end.code, signal: end.signal, survivors: 0 });
  // A watchdog's stop (idle, memory-limit) is a failure of the run, though its state says stopped.
  const failed = verdict.state === 'failed' || verdict.reason === 'idle' || verdict.reason === 'memory-limit';
  const decision = policy.decide({ failed, uptimeMs: end.uptimeMs }, performance.now());
  if (!decision.restart) return decision;
  const previous = { attempt, code: end.code, signal: end.signal, reason: verdict.reason, uptimeMs: Math.round(end.uptimeMs) };
  return {
    restart: true,
    delayMs: decision.delayMs,
    reason: verdict.reason,
    scheduled: { attempt: decision.restarts, delayMs: decision.delayMs, failedStarts: policy.failedStarts, previous },
  };
}
