import { DEFAULTS } from './defaults.js';
import type { StopOptions, StopStep } from './schemas.js';

export type ResolvedStopStep = Required<StopStep>;

/**
 * The stop sequence that applies, given options and the sequence inherited (spawn from its manager,
 * stop() from its spawn). A `sequence` replaces the inherited one; `signal`/`graceMs` make a
 * one-step sequence whose missing half comes from the inherited first step.
 */
export function resolveStopSequence(options: StopOptions | undefined, inherited: readonly ResolvedStopStep[]): ResolvedStopStep[] {
  if (options?.sequence) return options.sequence.map((s) => ({ signal: s.signal, graceMs: s.graceMs, target: s.target ?? 'tree' }));
  if (options?.signal === undefined && options?.graceMs === undefined) return [...inherited];
  const first = inherited[0]!;
  return [{ signal: options.signal ?? first.signal, graceMs: options.graceMs ?? first.graceMs, target: 'tree' }];
}

/**
 * The stop sequences a manager hands its spawns: for pipes and for terminals. With `stop` given to
 * the manager both are that; without, pipes get SIGTERM and graceMs, terminals DEFAULTS.ptyStop.
 */
export function managerStopSequences(options: StopOptions | undefined): { pipes: ResolvedStopStep[]; terminals: ResolvedStopStep[] } {
  const pipes = resolveStopSequence(options, [{ signal: DEFAULTS.stopSignal, graceMs: DEFAULTS.graceMs, target: 'tree' }]);
  const given = options?.sequence !== undefined || options?.signal !== undefined || options?.graceMs !== undefined;
  return { pipes, terminals: given ? pipes : DEFAULTS.ptyStop.map((s) => ({ ...s, target: 'tree' as const })) };
}
