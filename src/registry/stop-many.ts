import { StopFailedError, type Survivor } from '../errors/procward-error.js';
import { handled } from '../internal/deferred.js';
import type { ProcessExit } from '../process/types.js';

// Starting a stop scans and signals a tree (tens of µs to a ms): a stopAll of hundreds would hold
// the event loop for their sum. Stops are started in slices of about this long, the loop running
// between them (timers, I/O, the exits of the trees signalled so far).
const SLICE_MS = 8;

/**
 * Starts the stop of every item, a slice at a time (the first one synchronously, so a stop of a
 * few processes is under way when the call returns), then settles them as one (see settleStops).
 */
export async function stopInSlices<T>(items: readonly T[], start: (item: T) => Promise<ProcessExit>): Promise<ProcessExit[]> {
  const stops: Promise<ProcessExit>[] = [];
  let next = 0;
  const slice = (): boolean => {
    const until = performance.now() + SLICE_MS;
    while (next < items.length) {
      const item = items[next++]!;
      let stop: Promise<ProcessExit>;
      try {
        stop = start(item);
      } catch (err) {
        stop = Promise.reject(err as Error);
      }
      // A rejection is settled below, once every stop has started: not an unhandled one meanwhile.
      stops.push(handled(stop));
      if (performance.now() >= until) break;
    }
    return next < items.length;
  };
  if (slice()) {
    await new Promise<void>((resolve) => {
      const more = () => (slice() ? setImmediate(more) : resolve());
      setImmediate(more);
    });
  }
  return settleStops(stops);
}

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
