import type { HostLoad, HostLoadSampler } from './host-load.js';

export interface AdmissionLimits {
  /**
   * Hold spawns while the host's memory in use is above this share, 0..100.
   * @default undefined (memory is not looked at)
   * @example 90
   */
  maxHostMemoryPercent?: number;
  /**
   * Hold spawns while the host's CPU use over the last poll interval is above this share of all
   * cores, 0..100.
   * @default undefined (CPU is not looked at)
   * @example 85
   */
  maxHostCpuPercent?: number;
  /**
   * How often the host is read. It is also the window the CPU figure is measured over; /proc
   * counts CPU time in 10 ms ticks per core, so a window much under a second gives a coarse figure.
   * @example 1000
   */
  pollMs: number;
}

/**
 * A change of the gate. Every `held: true` is followed by exactly one `held: false`, when the
 * waiters are let through (the host recovered, or the gate closed) or all of them gave up.
 */
export type AdmissionEvent =
  | {
      held: true;
      /** The reading that was over a limit. */
      load: HostLoad;
      waiting: number;
    }
  | {
      held: false;
      load: HostLoad;
      /** Time since the `held: true` event, ms. */
      heldMs: number;
      /** Waiters let through now; 0 when all of them were aborted while the host was over. */
      released: number;
    };

const FIRST_POLL_MS = 100;

interface Waiter {
  priority: number;
  /** Resolves the waiter's promise and drops its abort listener. */
  settle: () => void;
}

/** 'unknown': a CPU limit is set and there is no CPU figure yet (it takes two readings). */
type Verdict = 'within' | 'over' | 'unknown';

/**
 * @internal Holds spawns while the host is over its memory or CPU limit. A timer reads the host
 * every pollMs whether or not anyone waits, so that pass() can decide at once with a CPU figure
 * of the last interval.
 *
 * @example
 * const gate = new AdmissionGate({ maxHostMemoryPercent: 90, pollMs: 1000 }, new HostLoadSampler(), (e) => emit('admission', e));
 * await gate.pass(priority, signal);
 * if (stopped) return; // the abort settles pass() too: see pass()
 */
export class AdmissionGate {
  readonly #limits: AdmissionLimits;
  readonly #sampler: HostLoadSampler;
  readonly #onChange: (e: AdmissionEvent) => void;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #latest: HostLoad | undefined;
  /** Highest priority first, first come first within one priority. */
  #waiters: Waiter[] = [];
  /** Monotonic start of the current holding episode; set only while there are waiters. */
  #heldSince: number | undefined;
  #readFailed = false;

  constructor(limits: AdmissionLimits, sampler: HostLoadSampler, onChange: (e: AdmissionEvent) => void) {
    this.#limits = limits;
    this.#sampler = sampler;
    this.#onChange = onChange;
  }

  /** Whether waiters are held because the host was over a limit (not merely waiting for a CPU figure). */
  get holding(): boolean {
    return this.#heldSince !== undefined;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** The last reading: a poll's, or the one pass() took (fresh memory, the last poll's CPU). */
  get latest(): HostLoad | undefined {
    return this.#latest;
  }

  /** Starts polling (pass() does it too). Does nothing once closed. */
  start(): void {
    if (this.#timer || this.#closed) return;
    this.#read(); // the baseline the first poll's CPU figure is measured from
    this.#timer = setInterval(() => this.#poll(), this.#limits.pollMs);
    // Polling never keeps a host alive: the processes waiting on it have their own handles.
    this.#timer.unref();
    // A first CPU figure sooner than one period: spawns right after start-up need one to pass a
    // CPU limit. 100 ms is 20 ticks of /proc time per core: coarse, but enough to tell busy from idle.
    if (this.#limits.pollMs > FIRST_POLL_MS) setTimeout(() => this.#timer && this.#poll(), FIRST_POLL_MS).unref();
  }

  /**
   * Resolves when a spawn may go ahead: at once when nobody waits and the host is within limits,
   * else at the first poll that finds it within, in priority order (higher first).
   *
   * An abort of `signal` settles it too, by resolving rather than rejecting: the caller (a queued
   * process being stopped) has to check its own state after the await anyway, and a rejection
   * would need a catch on a path where nothing went wrong.
   */
  async pass(priority = 0, signal?: AbortSignal): Promise<void> {
    if (this.#closed || signal?.aborted) return;
    this.start();
    if (this.#waiters.length === 0) {
      const load = this.#readNow();
      const verdict = load ? this.#judge(load) : 'unknown';
      if (verdict === 'within') return;
      const waited = this.#enqueue(priority, signal);
      if (load && verdict === 'over') this.#hold(load);
      return waited;
    }
    return this.#enqueue(priority, signal);
  }

  /** Stops polling and lets every waiter through, so that nothing hangs at shutdown. Final. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#releaseAll(this.#latest);
  }

  #enqueue(priority: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const onAbort = () => this.#abandon(waiter);
      const waiter: Waiter = {
        priority,
        settle: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      let i = this.#waiters.length;
      while (i > 0 && this.#waiters[i - 1]!.priority < priority) i--;
      this.#waiters.splice(i, 0, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #abandon(waiter: Waiter): void {
    const i = this.#waiters.indexOf(waiter);
    if (i < 0) return;
    this.#waiters.splice(i, 1);
    waiter.settle();
    if (this.#waiters.length === 0) this.#endEpisode(this.#latest, 0);
  }

  #poll(): void {
    const load = this.#read();
    if (!load || this.#waiters.length === 0) return;
    const verdict = this.#judge(load);
    if (verdict === 'within') this.#releaseAll(load);
    else if (verdict === 'over') this.#hold(load);
  }

  #judge(load: HostLoad): Verdict {
    const { maxHostMemoryPercent: maxMemory, maxHostCpuPercent: maxCpu } = this.#limits;
    if (maxMemory !== undefined && load.memoryPercent > maxMemory) return 'over';
    if (maxCpu === undefined) return 'within';
    if (load.cpuPercent === null) return 'unknown';
    return load.cpuPercent <= maxCpu ? 'within' : 'over';
  }

  #hold(load: HostLoad): void {
    if (this.#heldSince !== undefined) return;
    this.#heldSince = performance.now();
    this.#emit({ held: true, load, waiting: this.#waiters.length });
  }

  #releaseAll(load: HostLoad | undefined): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    // Resolved in order, so their continuations run in priority order too.
    for (const w of waiters) w.settle();
    this.#endEpisode(load, waiters.length);
  }

  #endEpisode(load: HostLoad | undefined, released: number): void {
    const since = this.#heldSince;
    this.#heldSince = undefined;
    // A held episode always has a reading: it began with one.
    if (since === undefined || load === undefined) return;
    this.#emit({ held: false, load, heldMs: Math.round(performance.now() - since), released });
  }

  /** A full reading (the poll's); it moves the CPU baseline. */
  #read(): HostLoad | undefined {
    return this.#guard(() => (this.#latest = this.#sampler.sample()));
  }

  /** Fresh memory with the last poll's CPU figure; leaves the CPU baseline alone. */
  #readNow(): HostLoad | undefined {
    const latest = this.#latest;
    if (!latest) return undefined;
    return this.#guard(() => (this.#latest = { at: performance.now(), cpuPercent: latest.cpuPercent, memoryPercent: this.#sampler.readMemoryPercent() }));
  }

  /**
   * A read that throws (the default source was readable at construction, so this is a broken
   * injected source or a vanished /proc) would, from the timer, end the host process. It counts
   * as no reading, which waits for the next poll; the first failure is reported as a warning.
   */
  #guard(read: () => HostLoad): HostLoad | undefined {
    try {
      return read();
    } catch (err) {
      if (!this.#readFailed) process.emitWarning(`procward: reading the host load failed: ${String((err as Error)?.stack ?? err)}`);
      this.#readFailed = true;
      return undefined;
    }
  }

  /** Called after the gate's state is settled, so a throwing listener cannot corrupt it. */
  #emit(event: AdmissionEvent): void {
    try {
      this.#onChange(event);
    } catch (err) {
      process.emitWarning(`procward: an admission listener threw: ${String((err as Error)?.stack ?? err)}`);
    }
  }
}
