/**
 * One timer per sampling interval for every monitor of the host process, instead of one timer per
 * monitor: the monitors of an interval are sampled in one round, in slices of about SLICE_MS with
 * the event loop running between them. N monitors started together (a burst of spawns) would
 * otherwise fire in the same timers phase and block the host for the sum of their samples; and one
 * round lets their full scans share the process table's view (see tree/table-view).
 */

const SLICE_MS = 4;

class Clock {
  readonly #members = new Set<() => void>();
  readonly #timer: NodeJS.Timeout;
  #round: (() => void)[] = [];
  #next = 0;

  constructor(
    intervalMs: number,
    private readonly onEmpty: () => void,
  ) {
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    // Sampling never keeps a host alive: the children's own handles do that while they run.
    this.#timer.unref();
  }

  add(sample: () => void): void {
    this.#members.add(sample);
  }

  delete(sample: () => void): void {
    this.#members.delete(sample);
    if (this.#members.size > 0) return;
    clearInterval(this.#timer);
    this.onEmpty();
  }

  #tick(): void {
    // A round still under way when the next is due (a host so busy that slices wait) finishes
    // first; its monitors are sampled once, late, rather than twice in a row.
    if (this.#next < this.#round.length) return;
    this.#round = [...this.#members];
    this.#next = 0;
    this.#slice();
  }

  #slice(): void {
    const until = performance.now() + SLICE_MS;
    while (this.#next < this.#round.length) {
      const sample = this.#round[this.#next++]!;
      if (this.#members.has(sample)) sample(); // stopped meanwhile: skipped
      if (performance.now() >= until) break;
    }
    if (this.#next < this.#round.length) setImmediate(() => this.#slice());
  }
}

const clocks = new Map<number, Clock>();

/** Calls `sample` every `intervalMs` in the round of its interval, until the returned function is called. */
export function everyInterval(intervalMs: number, sample: () => void): () => void {
  let clock = clocks.get(intervalMs);
  if (!clock) {
    const made = new Clock(intervalMs, () => {
      if (clocks.get(intervalMs) === made) clocks.delete(intervalMs);
    });
    clocks.set(intervalMs, made);
    clock = made;
  }
  clock.add(sample);
  const owner = clock;
  return () => owner.delete(sample);
}
