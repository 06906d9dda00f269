/**
 * What an exit record must say of itself: its state agrees with its reason, code and signal, its
 * times are in order. Returns the problems found (none for a consistent record).
 */
import type { ProcessExit } from '../src/index.js';

const STOP_REASONS = new Set(['stop', 'kill', 'timeout', 'abort', 'scope', 'shutdown', 'idle', 'memory-limit']);

export function exitProblems(exit: ProcessExit, createdAt: number): string[] {
  const out: string[] = [];
  const { state, reason, code, signal } = exit;
  if (code !== null && signal !== null) out.push(`both code ${code} and signal ${signal}`);
  if (state === 'completed' && (reason !== 'exit' || code !== 0 || signal !== null)) out.push(`completed with reason ${reason}, code ${code}, signal ${signal}`);
  if (state === 'stopped' && !STOP_REASONS.has(reason)) out.push(`stopped with reason ${reason}`);
  if (state === 'stopped' && exit.survivors.length > 0) out.push(`stopped with survivors ${JSON.stringify(exit.survivors)}`);
  if (state === 'failed') {
    const ok =
      (reason === 'exit' && (code !== 0 || exit.survivors.length > 0)) ||
      (reason === 'signal' && signal !== null) ||
      (reason === 'spawn-error' && exit.error !== undefined) ||
      reason === 'crash-loop' ||
      (STOP_REASONS.has(reason) && exit.survivors.length > 0);
    if (!ok) out.push(`failed with reason ${reason}, code ${code}, signal ${signal}, ${exit.survivors.length} survivors`);
  }
  if (reason === 'signal' && signal === null) out.push('reason signal without a signal');
  if (reason === 'spawn-error' && (exit.startedAt !== null || exit.error === undefined)) out.push(`spawn-error with startedAt ${exit.startedAt}, error ${JSON.stringify(exit.error)}`);
  if ((exit.startedAt === null) !== (exit.durationMs === null)) out.push(`startedAt ${exit.startedAt} but durationMs ${exit.durationMs}`);
  if (exit.durationMs !== null && !(exit.durationMs >= 0)) out.push(`durationMs ${exit.durationMs}`);
  if (exit.startedAt !== null && !(exit.endedAt >= exit.startedAt)) out.push(`endedAt ${exit.endedAt} before startedAt ${exit.startedAt}`);
  if (exit.startedAt !== null && exit.startedAt < createdAt) out.push(`startedAt ${exit.startedAt} before createdAt ${createdAt}`);
  if (!(exit.endedAt >= createdAt)) out.push(`endedAt ${exit.endedAt} before createdAt ${createdAt}`);
  if (!Number.isInteger(exit.restarts) || exit.restarts < 0) out.push(`restarts ${exit.restarts}`);
  if (typeof exit.stderrTail !== 'string') out.push('stderrTail is not a string');
  return out;
}
