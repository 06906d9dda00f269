import { describe, expect, it } from 'vitest';
import { SpawnOptionsSchema, parseOptions } from '../../src/options/schemas.js';
import { simpleSpawnOptions } from '../../src/options/simple-spawn.js';

/** Deterministic, so that a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const holey = ['a'];
holey[2] = 'c';

const VALUES: Record<string, unknown[]> = {
  command: ['node', '/bin/true', '', 'a\0b', 42, null, undefined, ['node']],
  args: [[], ['-e', 'x'], ['', ' '], ['a\0'], [1], holey, 'arg', undefined, null, { 0: 'a', length: 1 }],
  cwd: ['/tmp', '', 'x\0', 7, undefined, null],
  env: [{}, { A: '1' }, { A: undefined }, { '': 'x' }, { 'A=B': 'x' }, { A: 1 }, { A: 'a\0' }, { 'A\0': 'x' }, [], null, undefined, Object.create({ A: '1' }) as object],
  inheritEnv: [true, false, 'true', 0, undefined],
  label: ['web', '', 3, undefined, null],
  scope: [{ kind: 'task', id: '1' }, { kind: '', id: '1' }, { kind: 'task' }, { kind: 'task', id: '1', extra: 1 }, { kind: 'task', id: 1 }, 'task', undefined, null],
  shell: [true, false, '/bin/sh', '', 'sh\0', 1, undefined],
  stdin: ['pipe', 'ignore', 'inherit', undefined, 0],
  type: ['command', 'service', 'daemon', undefined],
  timeoutMs: [1, 1000, 0, -1, 1.5, 2 ** 31 - 1, 2 ** 31, Number.NaN, Infinity, '10', undefined],
  signal: [new AbortController().signal, { aborted: false }, undefined, null],
  // Options outside the simple set: the full parse always decides these.
  metadata: [{ a: 1 }],
  pty: [true],
  restart: ['always'],
  bogus: [1],
};
const KEYS = Object.keys(VALUES);
const SIMPLE = KEYS.filter((k) => !['metadata', 'pty', 'restart', 'bogus'].includes(k));

function sample(r: () => number): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const keys = r() < 0.9 ? SIMPLE : KEYS;
  for (const key of keys) {
    if (r() < 0.55 && key !== 'command') continue;
    if (key === 'command' && r() < 0.03) continue;
    const pool = VALUES[key]!;
    // Valid values are listed first: lean on them so that most inputs are accepted.
    input[key] = pool[r() < 0.6 ? Math.floor(r() * Math.min(2, pool.length)) : Math.floor(r() * pool.length)];
  }
  return input;
}

function fullParse(input: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseOptions(SpawnOptionsSchema, input, 'spawn options') };
  } catch {
    return { ok: false };
  }
}

/** Same keys, values and prototypes (null-prototype objects, plain arrays) as the full parse. */
function sameShape(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || a instanceof AbortSignal) return Object.is(a, b);
  if (typeof b !== 'object' || b === null || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

describe('simpleSpawnOptions: the fast path agrees with the full parse', () => {
  it('accepts exactly the literals the full parse accepts among the simple options, and returns what it returns', () => {
    let accepted = 0;
    let declined = 0;
    for (let seed = 1; seed <= 4000; seed++) {
      const input = sample(rng(seed));
      const fast = simpleSpawnOptions(input);
      const full = fullParse(input);
      const simpleOnly = Object.keys(input).every((k) => SIMPLE.includes(k));
      if (fast !== undefined) {
        accepted++;
        expect(full.ok, `seed ${seed}: fast path accepted what the full parse refuses: ${String(Object.keys(input))}`).toBe(true);
        expect(sameShape(fast, (full as { value: unknown }).value), `seed ${seed}`).toBe(true);
      } else {
        declined++;
        // Declining is always safe, but among the simple options it would be a slow path for nothing.
        if (simpleOnly && !Object.values(input).some((v) => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) !== Object.prototype && !Array.isArray(v) && !(v instanceof AbortSignal))) {
          expect(full.ok, `seed ${seed}: the fast path declined simple options the full parse accepts`).toBe(false);
        }
      }
    }
    // Both branches are exercised, not only one.
    expect(accepted).toBeGreaterThan(400);
    expect(declined).toBeGreaterThan(400);
  });

  it('declines what the full parse reads differently: other prototypes, getters that throw, an unknown or inherited key', () => {
    const inherited = Object.create({ shell: true }) as Record<string, unknown>;
    inherited.command = 'node';
    expect(simpleSpawnOptions(inherited)).toBeUndefined();
    expect(fullParse(inherited)).toEqual({ ok: true, value: expect.anything() });
    expect((fullParse(inherited) as { value: { shell?: unknown } }).value.shell).toBeUndefined();

    const throwing = {
      command: 'node',
      get cwd(): string {
        throw new Error('no');
      },
    };
    expect(simpleSpawnOptions(throwing)).toBeUndefined();
    expect(fullParse(throwing).ok).toBe(false);

    expect(simpleSpawnOptions({ command: 'node', constructor: 1 })).toBeUndefined();
    expect(simpleSpawnOptions({ command: 'node', ['__proto__']: 1 })).toBeUndefined();
    expect(simpleSpawnOptions(null)).toBeUndefined();
    expect(simpleSpawnOptions('node')).toBeUndefined();
    expect(
      simpleSpawnOptions(
        new (class Opts {
          command = 'node';
        })(),
      ),
    ).toBeUndefined();
  });

  it('reads each value once, as the full parse does', () => {
    let reads = 0;
    const input = {
      get command(): string {
        reads++;
        return 'node';
      },
    };
    expect(simpleSpawnOptions(input)).toBeDefined();
    expect(reads).toBe(1);
  });
});
