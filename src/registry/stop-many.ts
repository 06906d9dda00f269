import { StopFailedError, type Survivor } from '../errors/procward-error.js';
import type { ProcessExit } from '../process/types.js';

/**
 * Waits for every stop of a group (stopScope, stopAll, shutdown), then reports as one: the exit
 * records, or a StopFailedError naming every survivor of every tree. Any other failure is rethrown.
 */
export async function settleStops(stops: Promise<ProcessExit>[]): Promise<ProcessExit[]> {
  const settled = await Promise.allSettled(stops);
  const exits: ProcessExit[] = [];
  const survivors: Survivor[] = [];
  for (const s of settled) {
    if (s.status === 'fulfilled') exits.push(s.value);
    else if (s.reason instanceof StopFailedError) survivors.push(...s.reason.survivors);
    else throw s.reason;
  }
  if (survivors.length > 0) throw new StopFailedError(survivors);
  return exits;
}
