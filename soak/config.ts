/** The soak's settings, from the environment. */
import { randomInt } from 'node:crypto';

export interface SoakConfig {
  /** How long operations are issued, in seconds (SOAK_S). @default 30 */
  seconds: number;
  /** Seed of the PRNG (SEED); random when unset, and always printed. */
  seed: number;
  /** SOAK_STRICT=1: known bugs fail the run too. */
  strict: boolean;
  /** A stall of the host's event loop beyond this fails the run (SOAK_STALL_MS). @default 200 */
  stallLimitMs: number;
}

function intFrom(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): SoakConfig {
  return {
    seconds: intFrom('SOAK_S', env.SOAK_S, 30, 1, 24 * 3600),
    seed: intFrom('SEED', env.SEED, randomInt(0, 2 ** 32), 0, 2 ** 32 - 1),
    strict: env.SOAK_STRICT === '1',
    stallLimitMs: intFrom('SOAK_STALL_MS', env.SOAK_STALL_MS, 200, 1, 60_000),
  };
}
