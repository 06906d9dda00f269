import PQueue from 'p-queue';
import { AdmissionGate, type AdmissionEvent } from '../admission/admission-gate.js';
import { HostLoadSampler, type HostLoad } from '../admission/host-load.js';
import type { AdmissionOptions } from '../options/schemas.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ProcessExit } from '../process/types.js';

/** Time the spawns started in one event-loop turn may take before the rest wait for the next turns. */
export const BURST_BUDGET_MS = 25;

export interface SpawnQueueSettings {
  /** Processes started at once; Infinity: no limit. */
  maxConcurrent: number;
  admission: (AdmissionOptions & { pollMs: number }) | undefined;
}

/**
 * The way from spawn() to a running child: a priority queue behind maxConcurrent (p-queue), the
 * admission gate that holds it while the host is overloaded, and one event-loop turn per start so
 * that a burst of spawns leaving the queue does not block the host for the sum of them. Without a
 * limit and a gate there is no queue: a spawn starts at once, within a time budget per turn.
 */
export class SpawnQueue {
  readonly #queue: PQueue | undefined;
  readonly #gate: AdmissionGate | undefined;
  readonly #onError: (err: unknown, p: ManagedProcess) => void;
  #turn: Promise<void> = Promise.resolve();
  /** Spawns held back by the burst budget, oldest first. */
  readonly #deferred: { p: ManagedProcess; start: () => Promise<ProcessExit> }[] = [];
  /** Time the spawns of this turn have taken, ms. */
  #spentMs = 0;
  #drainScheduled = false;

  constructor(settings: SpawnQueueSettings, onAdmission: (e: AdmissionEvent) => void, onError: (err: unknown, p: ManagedProcess) => void) {
    this.#onError = onError;
    const a = settings.admission;
    if (a) {
      this.#gate = new AdmissionGate({ maxHostMemoryPercent: a.maxHostMemoryPercent, maxHostCpuPercent: a.maxHostCpuPercent, pollMs: a.pollMs }, new HostLoadSampler(), (e) => {
        // While the host is over, later spawns stay in the queue, in priority order, rather than
        // piling up at the gate.
        if (e.held) this.#queue!.pause();
        else this.#queue!.start();
        onAdmission(e);
      });
      // Reading from now on means the first spawns find a CPU figure to decide with.
      this.#gate.start();
    }
    if (Number.isFinite(settings.maxConcurrent) || this.#gate) this.#queue = new PQueue({ concurrency: settings.maxConcurrent });
  }

  /** The admission gate's view of the host, when there is a gate. */
  get admission(): { holding: boolean; load: HostLoad | undefined } | undefined {
    return this.#gate && { holding: this.#gate.holding, load: this.#gate.latest };
  }

  /** Starts `p` now, or when the queue (and the gate) let it; `start` resolves when it is terminal. */
  submit(p: ManagedProcess, start: () => Promise<ProcessExit>, priority: number): void {
    const queue = this.#queue;
    if (!queue) return this.#startInBurst(p, start);
    const hasSlot = queue.pending < queue.concurrency && queue.size === 0 && !queue.isPaused;
    queue
      .add(
        async () => {
          if (!hasSlot) await this.#nextTurn();
          if (this.#gate && p.state === 'queued') {
            const ended = new AbortController();
            void p.exited.then(() => ended.abort());
            await this.#gate.pass(priority, ended.signal);
          }
          if (p.state !== 'queued') return; // stopped while it waited
          await start();
        },
        { priority },
      )
      // Nothing in the task is meant to throw; if something does, the host hears of it instead
      // of losing it to an unhandled rejection (which ends a default Node host).
      .catch((err: unknown) => this.#onError(err, p));
  }

  /** Stops the gate's polling and drops what still waits (shutdown: those processes were stopped). */
  close(): void {
    this.#gate?.close();
    this.#queue?.clear();
    this.#deferred.length = 0;
  }

  /**
   * Without a queue a spawn starts at once, but only while the spawns of this event-loop turn have
   * taken less than BURST_BUDGET_MS (a spawn blocks until the child has exec'd: 1–40 ms for a Node
   * child, more on a loaded machine). The rest stay `queued` and start, in order, in the turns
   * after, a budget's worth each: a burst of spawns never blocks the host for the sum of them.
   */
  #startInBurst(p: ManagedProcess, start: () => Promise<ProcessExit>): void {
    if (this.#deferred.length > 0 || this.#spentMs >= BURST_BUDGET_MS) {
      this.#deferred.push({ p, start });
      return this.#drainSoon();
    }
    this.#timed(start);
  }

  #timed(start: () => Promise<ProcessExit>): void {
    const t0 = performance.now();
    void start();
    if (this.#spentMs === 0) this.#drainSoon(); // the budget is the turn's: renewed in the next one
    this.#spentMs += performance.now() - t0;
  }

  #drainSoon(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      this.#spentMs = 0;
      while (this.#deferred.length > 0 && this.#spentMs < BURST_BUDGET_MS) {
        const next = this.#deferred.shift()!;
        if (next.p.state === 'queued') this.#timed(next.start); // else stopped while it waited
      }
      if (this.#deferred.length > 0) this.#drainSoon();
    });
  }

  /**
   * Resolves in an event-loop turn of its own: spawns leaving the queue take one turn each
   * (chained, since setImmediates queued in one turn all run in the next) instead of blocking the
   * host for the sum of several spawns.
   */
  #nextTurn(): Promise<void> {
    const turn = this.#turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.#turn = turn;
    return turn;
  }
}
