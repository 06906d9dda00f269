import type { Writable } from 'node:stream';
import type { OutputStream } from '../output/output-buffer.js';

/**
 * What a running child reports to its ManagedProcess, whichever way it was spawned (pipes or a
 * pseudo-terminal). The process owns the lifecycle; a backend only translates its mechanism.
 */
export interface ChildEvents {
  /** The child is running (exec succeeded as far as the OS tells). */
  spawned(): void;
  /** The child could not be started; `err` is the OS error (ENOENT, EACCES, …). */
  spawnFailed(err: NodeJS.ErrnoException): void;
  /** An error on a running child (a pipe read error, a failed signal). */
  failed(err: Error): void;
  data(stream: OutputStream, data: Buffer): void;
  /** The leader has been reaped. Output may still be arriving. */
  exited(code: number | null, signal: NodeJS.Signals | null): void;
  /** All output has been read: every writer closed its end (or closeOutput() forced it). */
  outputClosed(): void;
}

export interface ChildHandle {
  readonly pid: number | undefined;
  /**
   * True when this process forked the child and reaps it, the child leading its own session: until
   * its exit is reported, its pid names it (see tree/table-view).
   */
  readonly ownChild?: boolean;
  /** Input to the child, when it has any: a pipe, or the terminal. */
  readonly input: Writable | undefined;
  /** Stops reading output now (nothing of ours is left writing it); outputClosed follows. */
  closeOutput(): void;
  /** Terminal size, for PTY children. */
  resize?(cols: number, rows: number): void;
  readonly terminalSize?: { cols: number; rows: number };
}
