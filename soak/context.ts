/** What every operation of the soak works with: the manager, the PRNG, the findings and the trace. */
import type { ManagedProcess, ProcessManager } from '../src/index.js';
import { isProcwardError } from '../src/index.js';
import type { Findings } from './findings.js';
import type { Planned } from './kinds.js';
import type { Prng } from './prng.js';
import type { Tracked } from './tracker.js';

/** A stop that has not settled this long after it was asked for is hung (grace ≤ 300 ms per step, killTimeoutMs 3 s). */
export const STOP_DEADLINE_MS = 15_000;
/** A follower still going this long after its process's exit is hung. */
export const FOLLOW_DEADLINE_MS = 5_000;

export interface Follower {
  t: Tracked;
  done: boolean;
  aborted: boolean;
}

export class SoakContext {
  readonly tracked: Tracked[] = [];
  readonly byProcess = new Map<ManagedProcess, Tracked>();
  readonly followers: Follower[] = [];
  readonly trace: string[] = [];
  readonly opCounts = new Map<string, number>();
  readonly codeCounts = new Map<string, number>();
  /** The plan of the spawn in progress, for the manager's `spawn` event to pick up. */
  planning: Planned | undefined;
  stdinBytes = 0;
  /** When each stopAll, stopScope and shutdown began (soak clock, ms). */
  readonly stopsOfMany: number[] = [];
  /** Most live processes (queued to stopping) seen at once. */
  peakLive = 0;

  constructor(
    readonly pm: ProcessManager,
    readonly r: Prng,
    readonly findings: Findings,
    /** How long any fixture may live (the soak's duration and then some). */
    readonly fixtureDeadlineMs: number,
  ) {}

  /** A recent process (most often the latest ones), chosen by the PRNG only: the same seed picks the same. */
  target(): Tracked | undefined {
    const n = this.tracked.length;
    const x = this.r.next();
    if (n === 0) return undefined;
    return this.tracked[n - 1 - Math.floor(x * x * Math.min(n, 150))];
  }

  log(op: string, t: Tracked | undefined, detail = ''): void {
    this.opCounts.set(op, (this.opCounts.get(op) ?? 0) + 1);
    this.trace.push(`#${this.findings.op} ${this.findings.elapsedMs}ms ${op}${t ? ` p#${t.idx}(${t.plan.kind},${t.p.state})` : ''}${detail ? ` ${detail}` : ''}`);
  }

  /** Checks a thrown or rejected error: a ProcwardError whose code is one this call may give. */
  expectCode(err: unknown, allowed: readonly string[], what: string, t?: Tracked): void {
    if (!isProcwardError(err) || typeof err.code !== 'string') {
      this.findings.violation('error-without-code', `${what}: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`, t?.idx);
      return;
    }
    this.codeCounts.set(err.code, (this.codeCounts.get(err.code) ?? 0) + 1);
    if (!allowed.includes(err.code)) this.findings.violation('unexpected-code', `${what}: ${err.code}: ${err.message}`, t?.idx);
  }

  /** Runs a value-returning call: it may throw only a ProcwardError with an allowed code. */
  sync<T>(what: string, allowed: readonly string[], fn: () => T, t?: Tracked): { ok: true; value: T } | { ok: false; code: string | undefined } {
    try {
      return { ok: true, value: fn() };
    } catch (err) {
      this.expectCode(err, allowed, what, t);
      return { ok: false, code: isProcwardError(err) ? err.code : undefined };
    }
  }

  /**
   * Runs a promise-returning call: it must not throw synchronously (the API's rule), and its
   * rejection must be a ProcwardError with an allowed code.
   */
  async<T>(what: string, allowed: readonly string[], fn: () => Promise<T>, t?: Tracked): Promise<{ ok: true; value: T } | { ok: false; code: string | undefined }> {
    let promise: Promise<T>;
    try {
      promise = fn();
    } catch (err) {
      this.findings.violation('threw-instead-of-rejecting', `${what} threw synchronously: ${err instanceof Error ? err.message : String(err)}`, t?.idx);
      return Promise.resolve({ ok: false, code: undefined });
    }
    return promise.then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => {
        this.expectCode(err, allowed, what, t);
        return { ok: false as const, code: isProcwardError(err) ? err.code : undefined };
      },
    );
  }
}
