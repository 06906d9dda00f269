/** When a process that ended by itself is started again. */
export type RestartMode = 'never' | 'on-failure' | 'always';

export interface BackoffSettings {
  /** Delay before the first restart, and again after a healthy run. */
  initialMs: number;
  /** Each failed start in a row multiplies the delay by this. */
  factor: number;
  /** The delay never exceeds this, jitter included. */
  maxMs: number;
  /** Fraction of the delay drawn at random, either way (0.2: ±20 %), so that crashed siblings do not restart in step. */
  jitter: number;
}

export interface RestartSettings {
  mode: RestartMode;
  /** Restarts allowed within windowMs; one more is a crash loop. */
  maxRestarts: number;
  windowMs: number;
  /** A run shorter than this is a failed start (supervisord's startsecs); a longer one is healthy and resets the backoff. */
  minUptimeMs: number;
  backoff: BackoffSettings;
}

/** How an attempt ended, as far as the policy cares. */
export interface AttemptOutcome {
  /** Exited non-zero, died of a signal, or was stopped by a watchdog (idle, memory-limit). */
  failed: boolean;
  /** From spawn to the leader's exit, on the monotonic clock. */
  uptimeMs: number;
}

export type RestartDecision = { restart: true; delayMs: number; /** Restarts so far, this one included. */ restarts: number } | { restart: false; crashLoop: boolean };

/**
 * The arithmetic of restarts, decided once per exit: whether to start again, after how long, and
 * when to give up. Pure apart from the clock and the random source it is handed, so that tests
 * can check every number.
 */
export class RestartPolicy {
  readonly #settings: RestartSettings;
  readonly #random: () => number;
  /** Monotonic times of the restarts still inside the window. */
  #recent: number[] = [];
  #failedStarts = 0;
  #restarts = 0;

  constructor(settings: RestartSettings, random: () => number = Math.random) {
    this.#settings = settings;
    this.#random = random;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Failed starts in a row (runs shorter than minUptimeMs) since the last healthy run. */
  get failedStarts(): number {
    return this.#failedStarts;
  }

  decide(outcome: AttemptOutcome, now: number): RestartDecision {
    const s = this.#settings;
    if (s.mode === 'never' || (s.mode === 'on-failure' && !outcome.failed)) return { restart: false, crashLoop: false };
    this.#failedStarts = outcome.uptimeMs < s.minUptimeMs ? this.#failedStarts + 1 : 0;
    this.#recent = this.#recent.filter((t) => now - t < s.windowMs);
    if (this.#recent.length >= s.maxRestarts) return { restart: false, crashLoop: true };
    this.#recent.push(now);
    this.#restarts++;
    return { restart: true, delayMs: this.delayFor(this.#failedStarts), restarts: this.#restarts };
  }

  /** The delay after `failedStarts` failed starts in a row (0 after a healthy run). */
  delayFor(failedStarts: number): number {
    const b = this.#settings.backoff;
    const base = Math.min(b.maxMs, b.initialMs * b.factor ** Math.max(0, failedStarts - 1));
    const spread = base * b.jitter * (2 * this.#random() - 1);
    return Math.round(Math.min(b.maxMs, Math.max(0, base + spread)));
  }
}
