/**
 * What a soak run found: violations (the run fails) and occurrences of known bugs that are being
 * fixed elsewhere (counted and reported, not failed on, while they are listed in KNOWN).
 */

/**
 * Known bugs the soak tolerates, each with how it shows. Delete an entry once its fix lands: from
 * then on every occurrence is a violation. `SOAK_STRICT=1` fails on all of them now.
 */
export const KNOWN = {
  // Not fixed yet: each of N stops scans /proc on its own, synchronously, at
  // once and again every 50 ms of its grace, so stopping many trees together blocks the host.
  'stop-many-blocks-event-loop': 'stopAll(), stopScope() or shutdown() over many live trees blocks the event loop (one synchronous /proc scan per tree, and again per tree during the grace period)',
} as const;

export type KnownBug = keyof typeof KNOWN;

export interface Finding {
  what: string;
  detail: string;
  /** Spawn index of the process it is about, if any (see the trace). */
  proc?: number;
  op: number;
  atMs: number;
}

export class Findings {
  readonly violations: Finding[] = [];
  readonly known = new Map<KnownBug, Finding[]>();
  #op = 0;
  readonly #t0 = performance.now();

  constructor(
    readonly seed: number,
    readonly strict: boolean,
  ) {}

  /** The number of the operation being run, for the findings made during it. */
  set op(n: number) {
    this.#op = n;
  }

  get op(): number {
    return this.#op;
  }

  get elapsedMs(): number {
    return Math.round(performance.now() - this.#t0);
  }

  violation(what: string, detail: string, proc?: number): void {
    const f = { what, detail, proc, op: this.#op, atMs: this.elapsedMs };
    this.violations.push(f);
    // Said at once as well, so that a run that hangs later still shows what went wrong first.
    if (this.violations.length <= 20) console.error(`VIOLATION [seed=${this.seed}] ${format(f)}`);
  }

  /** A known bug showed; a violation once it is no longer listed in KNOWN, or in strict mode. */
  knownBug(bug: KnownBug, detail: string, proc?: number): void {
    if (this.strict || !(bug in KNOWN)) return this.violation(bug, detail, proc);
    const list = this.known.get(bug) ?? [];
    list.push({ what: bug, detail, proc, op: this.#op, atMs: this.elapsedMs });
    this.known.set(bug, list);
  }
}

export function format(f: Finding): string {
  return `${f.what} at op #${f.op} (${f.atMs} ms)${f.proc === undefined ? '' : ` process #${f.proc}`}: ${f.detail}`;
}
