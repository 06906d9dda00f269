/** The `n` of each line of trickle.mjs output, in order: what a test of lost or repeated bytes compares with 0, 1, 2, … */
export function lineNumbers(output: Buffer): number[] {
  return output
    .toString()
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { n: number }).n);
}

/** 0 to count − 1. */
export const upTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
