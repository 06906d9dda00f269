import { z } from 'zod';

/**
 * Node's timers hold a signed 32-bit delay: anything above 2³¹−1 ms (about 24.8 days) is taken as
 * 1 ms, so a `timeoutMs: 2 ** 31` would kill at once. Every duration the library arms a timer with
 * is refused above this bound rather than silently shortened.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A tmux session or socket name that tmux takes literally. tmux rewrites "." and ":" in a session
 * name (they separate window and pane in a target), reads "=", "$", "@" and "%" at the start of a
 * target as match and id prefixes, expands "#" in -s, and makes the socket name a file name. A name
 * made of these characters means the same everywhere. Here rather than in tmux/ because the option
 * schemas and the ledger check it before any tmux code runs.
 */
export const TMUX_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** A duration in ms that a timer can honour: an integer from `min` to MAX_TIMER_MS. */
export function durationMs(name: string, min = 0): z.ZodNumber {
  return z
    .number({ error: (issue) => `${name} must be a number of milliseconds, got ${describe(issue.input)}` })
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, min === 0 ? `${name} must not be negative` : `${name} must be at least ${min} ms`)
    .max(MAX_TIMER_MS, `${name} must be at most ${MAX_TIMER_MS} ms (2^31-1, about 24.8 days): Node's timers cannot wait longer`);
}

/**
 * A string handed to the OS (a command, an argument, a path, an environment entry). C strings end
 * at NUL, so one would silently cut the value short on one backend and fail on another: refused
 * for every backend alike.
 */
export function osString(name: string, min = 0): z.ZodString {
  return z
    .string({ error: (issue) => `${name} must be a string, got ${describe(issue.input)}` })
    .min(min, `${name} must be a non-empty string`)
    .refine((s) => !s.includes('\0'), `${name} must not contain a NUL byte (the OS would cut it short there)`) as unknown as z.ZodString;
}

/** A name for the environment: no NUL, no "=" (the separator of NAME=value), not empty. */
export const EnvNameSchema = z
  .string()
  .min(1, 'an environment variable name must not be empty')
  .refine((s) => !s.includes('=') && !s.includes('\0'), 'an environment variable name must not contain "=" or a NUL byte');

/**
 * Why `value` does not survive JSON.stringify → JSON.parse unchanged, or undefined when it does.
 * Metadata is written to the ledger and returned by `info`, both promised to be plain JSON.
 */
export function jsonProblem(value: unknown, path = '', seen: Set<object> = new Set(), depth = 0): string | undefined {
  const at = path || 'the value';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${at} is ${value}, which JSON cannot hold`;
    case 'bigint':
      return `${at} is a BigInt, which JSON cannot hold (store it as a string)`;
    case 'undefined':
      return `${at} is undefined, which JSON drops`;
    case 'function':
    case 'symbol':
      return `${at} is a ${typeof value}, which JSON cannot hold`;
  }
  if (value === null) return undefined;
  const obj = value as object;
  if (depth > 64) return `${at} is nested more than 64 levels deep`;
  if (seen.has(obj)) return `${at} refers back to itself (a cycle), which JSON cannot hold`;
  const proto = Object.getPrototypeOf(obj);
  if (Array.isArray(obj)) {
    seen.add(obj);
    for (let i = 0; i < obj.length; i++) {
      const p = jsonProblem(obj[i], `${path}[${i}]`, seen, depth + 1);
      if (p) return p;
    }
    seen.delete(obj);
    return undefined;
  }
  if (proto !== Object.prototype && proto !== null) {
    return `${at} is a ${obj.constructor?.name ?? 'non-plain object'}, not a plain object: JSON would not give it back as it is`;
  }
  seen.add(obj);
  for (const key of Object.keys(obj)) {
    const p = jsonProblem((obj as Record<string, unknown>)[key], path ? `${path}.${key}` : key, seen, depth + 1);
    if (p) return p;
  }
  seen.delete(obj);
  return undefined;
}

/** A short description of a value for an error message: its type and, when small, itself. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}" (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
