import type { StopOptions } from '../options/schemas.js';
import type { StopReason } from '../state-machine/states.js';
import type { ChildSlot } from './child-slot.js';
import type { ProcessExit } from './types.js';

/**
 * How the library drives a process: handed only to whoever creates it (createProcess), so none of
 * it is on the process's public face. The manager starts, stops, adopts and lets go of its
 * processes through it; an agent run reports activity through it.
 */
export interface ProcessControl {
  /** The queue let it start. Resolves when it is terminal. */
  start(): Promise<ProcessExit>;
  /** Ends a process that never left the queue. */
  cancelQueued(reason: StopReason): void;
  /** A stop for a reason of the manager's (scope, shutdown); `options` already validated. */
  stopFor(reason: StopReason, options: StopOptions): Promise<ProcessExit>;
  /** Last-resort synchronous SIGKILL of the tree: the host is exiting. */
  killSync(): void;
  /** Takes over a child an earlier host started: `begin` puts it into the attempt's slot. */
  adopt(startedAt: number | null, begin: (slot: ChildSlot) => void): void;
  /** The host goes and leaves this persisted process running: stop following it. */
  detach(): void;
  /** Parsed events, not raw output, count as activity for the idle watch (agent runs). */
  idleByEvents(): void;
  /** Activity for the idle watch. */
  touch(): void;
}
