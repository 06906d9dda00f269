import PQueue from 'p-queue';
import { AdmissionGate, type AdmissionEvent } from '../admission/admission-gate.js';
import { HostLoadSampler, type HostLoad } from '../admission/host-load.js';
import type { AdmissionOptions } from '../options/schemas.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ProcessExit } from '../process/types.js';

export interface SpawnQueueSettings {
  /** Processes started at once; Infinity: no limit. */
  maxConcurrent: number;
  admission: (AdmissionOptions & { pollMs: number }) | undefined;
}

/**
 * The way from spawn() to a running child: a priority queue behind maxConcurrent (p-queue), the
 * admission gate that holds it while the host is overloaded, and one event-loop turn per start so
 * that a burst of spawns leaving the queue does not block the host for the sum of them. Without a
 * limit and a gate there is no queue: a spawn starts at once.
 */
export class SpawnQueue {
  readonly #queue: PQueue | undefined;
  readonly #gate: AdmissionGate | undefined;
  readonly #onError: (err: unknown, p: ManagedProcess) => void;
  #turn: Promise<void> = Promise.resolve();

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
    if (!queue) {
      void start();
      return;
    }
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
