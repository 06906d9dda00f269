import { afterEach } from 'vitest';
import { ProcessManager, type ManagerOptions } from '../../src/index.js';

export interface UseManagerOptions {
  /** Options of every manager of the file; a call's own options are spread over them (shallow: a call's `stop` replaces the default `stop` whole). */
  defaults?: ManagerOptions;
  /** After each test, before its managers shut down; given them, oldest first (e.g. to stop what shutdown would let run on). */
  beforeShutdown?: (managers: ProcessManager[]) => unknown;
  /** After each test, once its managers have shut down (e.g. to remove a stateDir, or to check for a leak). */
  afterShutdown?: () => unknown;
  /** Time limit of that afterEach hook, in ms (default: the config's hookTimeout). */
  timeoutMs?: number;
}

/**
 * The managers of a test file (or of a describe block, when called inside one). Returns a
 * function that creates a ProcessManager, and registers an afterEach that shuts down every
 * manager the test created, newest first:
 *
 * ```ts
 * const newManager = useManager();                  // once, at the top of the file
 * it('…', async () => {
 *   const pm = newManager({ maxConcurrent: 2 });    // as many as the test needs
 *   …
 * });
 * ```
 *
 * A test may still call `shutdown()` itself, to check what it does: a second shutdown returns the
 * first one's promise. What a file does around the shutdown goes in `beforeShutdown` and
 * `afterShutdown`. Every step of the teardown runs even when one before it failed (a hook that
 * throws, a shutdown that rejects): every manager is asked to shut down, and then the afterEach
 * fails with the error, or with an AggregateError of them all.
 *
 * Whether any process outlived the run is checked once, for every file, by the global setup in
 * leak-check.ts; a check after each test goes in `afterShutdown`.
 */
export function useManager({ defaults, beforeShutdown, afterShutdown, timeoutMs }: UseManagerOptions = {}): (options?: ManagerOptions) => ProcessManager {
  const managers: ProcessManager[] = [];
  afterEach(async () => {
    const created = managers.splice(0);
    const failures: unknown[] = [];
    const attempt = async (step: () => unknown) => {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    };
    if (beforeShutdown) await attempt(() => beforeShutdown(created));
    for (const pm of [...created].reverse()) await attempt(() => pm.shutdown());
    if (afterShutdown) await attempt(afterShutdown);
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} steps of the manager teardown failed`);
  }, timeoutMs);
  return (options) => {
    // Without defaults a call's options reach the constructor as the test wrote them.
    const pm = new ProcessManager(defaults ? { ...defaults, ...options } : options);
    managers.push(pm);
    return pm;
  };
}
