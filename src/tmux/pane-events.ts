import type { ChildEvents } from '../spawn/child-handle.js';
import { deferred } from '../internal/deferred.js';

/**
 * The ChildEvents side of a tmux pane, keeping their order whatever order tmux tells things in:
 * output waits for spawned (the trampoline may print before it reports the command's pid);
 * exactly one of spawnFailed and exited; outputClosed once, last; only outputClosed once the pane
 * has been let go (a detach), and nothing at all if it was never followed (an adoption that did
 * not attach).
 */
export class PaneEvents {
  readonly #on: ChildEvents;
  readonly #settled = deferred<void>();
  /** Output that came before spawned(); undefined once spawned. */
  #held: Buffer[] | undefined = [];
  #isSettled = false;
  #isClosed = false;
  /** Let go: only outputClosed is still reported. */
  #silent = false;
  /** Never followed: nothing is reported. */
  #mute = false;

  constructor(on: ChildEvents) {
    this.#on = on;
  }

  /** Resolves at spawnFailed or exited. */
  get settledOnce(): Promise<void> {
    return this.#settled.promise;
  }

  get spawned(): boolean {
    return this.#held === undefined;
  }

  /** spawnFailed or exited has been reported, or will never be (silenced). */
  get settled(): boolean {
    return this.#isSettled || this.#silent;
  }

  get closed(): boolean {
    return this.#isClosed;
  }

  data(data: Buffer): void {
    if (this.#isClosed || this.#silent) return;
    if (this.#held) this.#held.push(data);
    else this.#on.data('pty', data);
  }

  spawnedNow(): void {
    if (!this.#held || this.#isSettled || this.#silent) return;
    const held = this.#held;
    this.#held = undefined;
    this.#on.spawned();
    for (const data of held) this.data(data);
  }

  spawnFailed(err: NodeJS.ErrnoException): void {
    if (this.settled) return;
    this.#isSettled = true;
    this.#settled.resolve();
    this.#on.spawnFailed(err);
  }

  /** The command's end; before spawned it is a failure to start. */
  exited(code: number | null, signal: NodeJS.Signals | null, label: string): void {
    if (this.settled) return;
    if (!this.spawned) return this.spawnFailed(new Error(`the tmux pane of "${label}" ended (${signal ?? `code ${code}`}) before the command started`));
    this.#isSettled = true;
    this.#settled.resolve();
    this.#on.exited(code, signal);
  }

  /** The end was not observed: say so, and still settle, so that nobody is left waiting. */
  unobserved(message: string, label: string): void {
    if (this.settled) return;
    if (!this.spawned) return this.spawnFailed(new Error(message));
    this.#on.failed(new Error(message));
    this.exited(null, null, label);
  }

  failed(err: Error): void {
    if (!this.#silent && !this.#isClosed) this.#on.failed(err);
  }

  /** outputClosed, once. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (!this.#mute) this.#on.outputClosed();
  }

  /** From now on nothing is reported but the closing outputClosed (a detach), or nothing at all (`mute`). */
  silence(mute = false): void {
    this.#silent = true;
    this.#mute ||= mute;
  }
}
