import type { SpawnFailedError } from '../errors/procward-error.js';
import type { PtyUnavailableError } from '../errors/pty-unavailable-error.js';
import type { ChildEvents, ChildHandle } from '../spawn/child-handle.js';

/**
 * Where a launcher puts the child of an attempt: one it spawns (launch.ts) or one it takes over
 * from an earlier host (ledger/adopt.ts). The attempt behind it owns everything that follows.
 */
export interface ChildSlot {
  readonly processId: string;
  /** What the child reports; bound to this attempt, so nothing of it reaches a later one. */
  readonly events: ChildEvents;
  /** The child exists: its output is read from now on, its tree is watched once its pid is known. */
  attach(child: ChildHandle, forksBefore: number): void;
  /** The leader's pid is known before its handle (a take-over): its tree is watched and its output counted as open now. */
  expect(pid: number): void;
  /** It could not be started; always called asynchronously, so that the caller of spawn() could listen first. */
  fail(error: SpawnFailedError | PtyUnavailableError): void;
  /** A promise chain of the launcher failed: told on the process's `error`, never thrown into the host. */
  internalFailure(what: string, err: unknown): void;
}
