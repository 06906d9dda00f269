import type { Writable } from 'node:stream';
import { NotRunningError, StdinFailedError, StdinUnavailableError } from '../errors/procward-error.js';
import { deferred, handled } from '../internal/deferred.js';

/** What the port needs to know of its process to refuse a write with the right error. */
export interface StdinOwner {
  state(): string;
  /** Whether the child has been spawned (there is a pipe to write to). */
  spawned(): boolean;
  /** Whether the leader has exited (writes could only fail). */
  leaderExited(): boolean;
}

/**
 * A process's stdin: writes that settle when the data reaches the OS, and a typed error, thrown at
 * once, for every write that cannot succeed (stdin not piped, closed, or the process not running).
 */
export class StdinPort {
  readonly #id: string;
  readonly #owner: StdinOwner;
  readonly #mode: 'pipe' | 'ignore';
  #stream: Writable | undefined;
  #ended = false;

  constructor(id: string, mode: 'pipe' | 'ignore', owner: StdinOwner) {
    this.#id = id;
    this.#owner = owner;
    this.#mode = mode;
  }

  /** Attaches the child's stdin; `onError` hears of failures (EPIPE) nobody is waiting on. */
  attach(stream: Writable, onError: (error: StdinFailedError) => void): void {
    this.#stream = stream;
    this.#ended = false;
    // Without a listener an EPIPE (the child closed its stdin) would crash the host.
    stream.on('error', (err) => onError(new StdinFailedError(`stdin of ${this.#id} failed: ${err.message}`, err, this.#id)));
  }

  write(data: string | Uint8Array): Promise<void> {
    const stream = this.#writable('write to');
    const done = deferred<void>();
    const id = this.#id;
    stream.write(data, (err) => (err ? done.reject(new StdinFailedError(`Writing to stdin of ${id} failed: ${err.message}`, err, id)) : done.resolve()));
    return handled(done.promise);
  }

  end(): void {
    const stream = this.#writable('end');
    this.#ended = true;
    stream.end();
  }

  /** Releases the pipe of an attempt that ended; a restart attaches the next child's. */
  detach(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  /** Releases the pipe once the process is over. */
  close(): void {
    this.#stream?.destroy();
  }

  #writable(what: string): Writable {
    const id = this.#id;
    const state = this.#owner.state();
    if (this.#mode !== 'pipe') {
      throw new StdinUnavailableError(`Cannot ${what} stdin of ${id}: it was spawned with stdin "ignore"; pass stdin: 'pipe' to spawn.`, id);
    }
    if (!this.#owner.spawned()) {
      const why = state === 'queued' || state === 'starting' ? `it has not started yet (state ${state}); await p.started first` : `it never started (state ${state})`;
      throw new NotRunningError(`Cannot ${what} stdin of ${id}: ${why}.`, id);
    }
    if (state === 'backoff') {
      throw new NotRunningError(`Cannot ${what} stdin of ${id}: its last run ended and it is waiting to restart (state backoff); wait for state running.`, id);
    }
    if (this.#owner.leaderExited() || !this.#stream) {
      throw new NotRunningError(`Cannot ${what} stdin of ${id}: the process has exited (state ${state}).`, id);
    }
    if (this.#ended || this.#stream.writableEnded) {
      throw new StdinUnavailableError(`Cannot ${what} stdin of ${id}: stdin was already closed with end().`, id);
    }
    return this.#stream;
  }
}
