/** Small statistics helpers: every figure in the suite is a median over repetitions. */

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Linear-interpolated percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = (p / 100) * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export interface Paired {
  raw: number[];
  procward: number[];
}

/**
 * Runs `reps` repetitions of a raw and a procward measurement, alternating which goes first
 * (raw, pw, pw, raw, raw, pw, …) so slow drift of the machine hits both sides alike.
 * `warmup` unrecorded rounds run first (JIT, module loading, page cache).
 */
export async function alternate(reps: number, raw: () => Promise<number>, procward: () => Promise<number>, warmup = 1): Promise<Paired> {
  for (let i = 0; i < warmup; i++) {
    await raw();
    await procward();
  }
  const out: Paired = { raw: [], procward: [] };
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      out.raw.push(await raw());
      out.procward.push(await procward());
    } else {
      out.procward.push(await procward());
      out.raw.push(await raw());
    }
  }
  return out;
}

/**
 * procward / raw of each round with the raw round run next to it: the machine's slow and fast
 * stretches (seconds long here) hit both sides of a pair alike, so the spread of these ratios is
 * the library's, not the machine's. Median and the worst (lowest for rates, highest for times).
 */
export function pairedRatios(s: Paired, better: 'lower' | 'higher' = 'lower'): { median: number; worst: number; all: number[] } {
  const all = s.raw.map((r, i) => s.procward[i]! / r);
  return { median: median(all), worst: better === 'lower' ? Math.max(...all) : Math.min(...all), all };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * Like alternate() for more than two measurements: each round runs every one of `fns` once, round i
 * starting at fns[i mod n] (A B C, B C A, C A B, …), after `warmup` unrecorded rounds. Returns the
 * samples of each measurement, in the order of `fns`.
 */
export async function rotate(reps: number, fns: readonly (() => Promise<number>)[], warmup = 1): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const out: number[][] = fns.map(() => []);
  for (let i = 0; i < reps; i++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length;
      out[j]!.push(await fns[j]!());
    }
  }
  return out;
}

/**
 * The worst round of each side: the largest sample where lower is better (times), the smallest
 * where higher is better (rates). A stall the median hides shows up here.
 */
export function worstOf(s: Paired, better: 'lower' | 'higher' = 'lower'): { raw: number; procward: number } {
  const pick = better === 'lower' ? Math.max : Math.min;
  return { raw: pick(...s.raw), procward: pick(...s.procward) };
}
