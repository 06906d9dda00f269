/**
 * Notices when nothing happened for a while. Activity costs one clock read (touch), not a timer
 * reset per output chunk: the one timer, when it fires, checks how long ago the last activity was
 * and sleeps the rest. Timers run on the monotonic clock, so a wall-clock jump changes nothing.
 */
export class IdleWatch {
  #last = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Raised for the current silence; raised again only after new activity. */
  #raised = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: (idleMs: number) => void,
  ) {}

  start(): void {
    this.#last = performance.now();
    this.#arm(this.timeoutMs);
  }

  touch(): void {
    this.#last = performance.now();
    if (this.#raised) {
      this.#raised = false;
      this.#arm(this.timeoutMs);
    }
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#check(), ms);
  }

  #check(): void {
    const idle = performance.now() - this.#last;
    if (idle < this.timeoutMs) return this.#arm(this.timeoutMs - idle);
    this.#raised = true;
    this.#timer = undefined;
    this.onIdle(Math.round(idle));
  }
}
