import type { ProcessEvents } from './types.js';

/**
 * How a process reports to its manager. Generic in the process type so that this file needs no
 * import of the class that calls it.
 */
export interface ProcessHooks<P> {
  /** Every event of the process, with the process first, called after the process's own listeners. */
  event<K extends keyof ProcessEvents>(p: P, event: K, ...args: ProcessEvents[K]): void;
  /** Lines cost a split of every chunk: made only while someone listens, on the process or here. */
  wantsLines(): boolean;
  /** A leader was spawned (`running`), or its attempt is over and nothing of its tree is left to guard. */
  leader(p: P, pid: number, running: boolean): void;
}
