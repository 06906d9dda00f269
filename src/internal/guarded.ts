/**
 * The body of a library timer (setTimeout, setInterval, setImmediate) or of a promise chain the
 * library starts and does not return: whatever it throws, and whatever the promise it returns
 * rejects with, goes to `report` instead of reaching the event loop, where it would end the host
 * (an uncaught exception, or an unhandled rejection in Node ≥ 15). Should `report` itself throw,
 * the failure is printed as a process warning: a bug is never lost, and never fatal.
 *
 * @example
 * this.#timer = setTimeout(guarded(() => this.#restartNow(), (err) => this.#internalFailure('restart', err)), delayMs);
 */
export function guarded(body: () => unknown, report: (error: unknown) => void): () => void {
  const fail = (error: unknown) => {
    try {
      report(error);
    } catch (again) {
      process.emitWarning(`procward: reporting a failure failed: ${String((again as Error)?.stack ?? again)} (the failure: ${String((error as Error)?.stack ?? error)})`, 'PROCWARD_INTERNAL_FAILED');
    }
  };
  return () => {
    try {
      const result = body();
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** Runs `body` now, guarded the same way: for `void promise` chains started outside a timer. */
export function runGuarded(body: () => unknown, report: (error: unknown) => void): void {
  guarded(body, report)();
}
