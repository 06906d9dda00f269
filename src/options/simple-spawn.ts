import type { z } from 'zod';
import type { SpawnOptionsSchema } from './schemas.js';
import { MAX_TIMER_MS } from './values.js';

type Parsed = z.output<typeof SpawnOptionsSchema>;
type Check = (value: unknown) => unknown;

/** A string the OS takes whole: no NUL (see osString). */
const osText = (min: number) => (v: unknown) => (typeof v === 'string' && v.length >= min && !v.includes('\0') ? v : FAIL);
const oneOf =
  (...values: readonly unknown[]) =>
  (v: unknown) =>
    values.includes(v) ? v : FAIL;

const FAIL = Symbol('not simple');

/**
 * The options most spawns consist of, each with a check that accepts exactly what its schema in
 * schemas.ts accepts and returns the value the full parse would give. None of them takes part in
 * SpawnOptionsSchema's cross-field refinements (they concern pty, persist, restart and the
 * watchdogs), so a spawn made of these alone needs no refinement either.
 */
const CHECKS: Record<string, Check | undefined> = Object.assign(Object.create(null) as Record<string, Check>, {
  command: osText(1),
  args: (v) => {
    if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return FAIL;
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!Object.hasOwn(v, i)) return FAIL;
      const s: unknown = v[i];
      if (typeof s !== 'string' || s.includes('\0')) return FAIL;
      out.push(s);
    }
    return out;
  },
  cwd: osText(1),
  env: (v) => {
    const vars = plainObject(v);
    if (!vars) return FAIL;
    const out: Record<string, string | undefined> = Object.create(null);
    for (const key of Object.keys(vars)) {
      const value: unknown = vars[key];
      if (key === '' || key.includes('=') || key.includes('\0')) return FAIL;
      if (value !== undefined && (typeof value !== 'string' || value.includes('\0'))) return FAIL;
      out[key] = value;
    }
    return out;
  },
  inheritEnv: (v) => (typeof v === 'boolean' ? v : FAIL),
  label: (v) => (typeof v === 'string' ? v : FAIL),
  scope: (v) => {
    const s = plainObject(v);
    if (!s) return FAIL;
    const keys = Object.keys(s);
    if (keys.length !== 2 || !Object.hasOwn(s, 'kind') || !Object.hasOwn(s, 'id')) return FAIL;
    const kind = s.kind;
    const id = s.id;
    if (typeof kind !== 'string' || kind === '' || typeof id !== 'string' || id === '') return FAIL;
    const out: Record<string, string> = Object.create(null);
    out.kind = kind;
    out.id = id;
    return out;
  },
  shell: (v) => (typeof v === 'boolean' ? v : osText(1)(v)),
  stdin: oneOf('pipe', 'ignore'),
  type: oneOf('command', 'service'),
  timeoutMs: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_TIMER_MS ? v : FAIL),
  signal: (v) => (v instanceof AbortSignal ? v : FAIL),
} satisfies Record<string, Check>);

/** Own keys of an object literal (or a null-prototype object); undefined for anything else. */
function plainObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === Object.prototype || proto === null ? (v as Record<string, unknown>) : undefined;
}

/**
 * The spawn options as parseOptions(SpawnOptionsSchema, …) would return them, when they use only
 * the common options above with valid values; undefined otherwise (then the full parse runs and
 * names whatever is wrong). The full parse costs tens of microseconds per spawn, a tenth of what
 * the library adds to one; this check costs a few. Each value is read once, as the full parse
 * would read it, and anything unusual (a getter that throws, an unknown key, a foreign prototype)
 * is left to the full parse and its messages.
 */
export function simpleSpawnOptions(input: unknown): Parsed | undefined {
  try {
    const o = plainObject(input);
    if (!o) return undefined;
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(o)) {
      const check = CHECKS[key];
      if (!check) return undefined;
      const raw = o[key];
      // Every option but command is optional, and an optional key given as undefined stays, as
      // undefined, in what the full parse returns.
      const value = raw === undefined && key !== 'command' ? undefined : check(raw);
      if (value === FAIL) return undefined;
      out[key] = value;
    }
    return typeof out.command === 'string' ? (out as Parsed) : undefined;
  } catch {
    return undefined;
  }
}
