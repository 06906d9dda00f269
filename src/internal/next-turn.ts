/**
 * Resolves in a later turn of the event loop, after pending I/O callbacks: a long synchronous job
 * awaits it every so many items so that the host's timers and sockets are served in between.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
