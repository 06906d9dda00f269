/**
 * fast-check arbitraries for option objects a careless or hostile caller may pass: plausible values
 * mixed with wrong types, NaN, ±Infinity, -0, 2³¹, NUL bytes, BigInt, symbols, functions, class
 * instances, cycles, unknown and misspelt keys, `__proto__`.
 */
import fc from 'fast-check';

export const hostileNumber = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -(2 ** 31),
);

export const hostileString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', '\0', 'a\0b', 'SIGTERM', 'SIGKILL', 'sigterm', 'INT', '__proto__', 'running', 'task', 'x'.repeat(5000), '\u{1F600}', '\uD800'),
);

const cycle = (): Record<string, unknown> => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
};

/** A leaf nobody should pass as an option, or a plausible one of the wrong kind. */
export const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.integer(),
  fc.double(),
  hostileString,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constant(Symbol('option')),
  fc.constant(() => 'a function'),
  fc.constant(new Date(0)),
  fc.constant(new Map([['a', 1]])),
  fc.constant(Buffer.from('buf')),
  fc.constant(null).map(cycle),
);

/** Keys a caller might write: the real ones, near misses, and ones that play with prototypes. */
export function keyOf(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'timeout', 'grace', 'Signal', 'cmd') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
}

/** Any JSON-ish value, nested a little, with hostile leaves. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, hostileLeaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 3 })),
})).v;

/**
 * An option object: each key a plausible value (from `plausible`, when it knows the key) or a
 * hostile one. `plausible` values make some objects pass validation, so both outcomes are tested.
 */
export function optionObject(known: readonly string[], plausible: Readonly<Record<string, fc.Arbitrary<unknown>>>): fc.Arbitrary<Record<string, unknown>> {
  const entry = keyOf(known).chain((key) =>
    fc.tuple(fc.constant(key), Object.hasOwn(plausible, key) ? fc.oneof({ weight: 4, arbitrary: plausible[key]! }, { weight: 1, arbitrary: hostileValue }) : hostileValue),
  );
  return fc.array(entry, { maxLength: 6 }).map((entries) => {
    const o: Record<string, unknown> = {};
    // defineProperty, so that a "__proto__" key is an own key and not a prototype change.
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  });
}

/** What the whole argument may be instead of an object. */
export const notAnObject: fc.Arbitrary<unknown> = fc.oneof(hostileLeaf, fc.array(hostileValue, { maxLength: 3 }), fc.constant(Object.create(null) as object));

/** The object again, with a getter that throws on one key (known or not). */
export function withThrowingGetter(o: fc.Arbitrary<Record<string, unknown>>, known: readonly string[]): fc.Arbitrary<{ value: Record<string, unknown>; key: string }> {
  return fc.tuple(o, fc.constantFrom(...known, 'unknownKey')).map(([base, key]) => {
    const value = { ...base };
    // How fast-check prints it: its own printer would run the getter.
    Object.defineProperty(value, fc.toStringMethod, {
      value: () =>
        `{ ${Object.keys(base)
          .map((k) => JSON.stringify(k))
          .join(', ')}, get ${JSON.stringify(key)}() { throw } }`,
    });
    Object.defineProperty(value, key, {
      enumerable: true,
      configurable: true,
      get() {
        throw new Error(`getter of ${key} threw`);
      },
    });
    return { value, key };
  });
}

/**
 * Objects whose reading itself throws: a revoked proxy, a proxy whose traps throw. Generated as a
 * name and built in the property (fast-check itself would trip over a revoked proxy).
 */
export const unreadable = fc.constantFrom('revoked', 'ownKeys', 'get', 'getPrototypeOf', 'getOwnPropertyDescriptor');

export function makeUnreadable(trap: string): object {
  if (trap === 'revoked') {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  }
  return new Proxy(
    { a: 1 },
    {
      [trap]() {
        throw new Error(`${trap} trap threw`);
      },
    },
  );
}

/**
 * Whether a value that JSON.stringify throws on (a BigInt, a cycle) sits under one of `keys`, at
 * any depth. The signal and state schemas once built their messages with JSON.stringify(input),
 * so such a value made validation throw a TypeError instead of INVALID_OPTIONS. The random
 * properties leave these out; a property of its own covers them.
 */
export function unprintableUnder(value: unknown, keys: readonly string[], seen = new Set<unknown>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  for (const [k, v] of Object.entries(value)) {
    if (keys.includes(k)) {
      try {
        JSON.stringify(v);
      } catch {
        return true;
      }
    }
    if (unprintableUnder(v, keys, seen)) return true;
  }
  return false;
}
