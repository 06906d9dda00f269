import type { z } from 'zod';
import { InvalidOptionsError, type OptionIssue } from '../errors/procward-error.js';

/**
 * Validates `input` against `schema` or throws InvalidOptionsError naming every problem (with the
 * nearest known name for a misspelt key). Options are read as own properties only: the input is
 * first copied into null-prototype objects, as Node's child_process does, so that a polluted
 * `Object.prototype.shell = true` or an `Object.create({ shell: true })` cannot turn a shell on.
 * The result is built of null-prototype objects too, so reading an absent key never reaches a
 * prototype either.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  let own: unknown;
  const unreadable: OptionIssue[] = [];
  try {
    own = ownCopy(input ?? {}, 0, '', unreadable);
  } catch (err) {
    throw new InvalidOptionsError(what, [{ path: '', message: `reading the options failed: ${messageOf(err)}` }]);
  }
  // Every property that could not be read is named, not only the first.
  if (unreadable.length > 0) throw new InvalidOptionsError(what, unreadable);
  let result: ReturnType<S['safeParse']>;
  try {
    result = schema.safeParse(own) as ReturnType<S['safeParse']>;
  } catch (err) {
    // A schema's own check or message threw on a value nobody foresaw: still the caller's bad input.
    throw new InvalidOptionsError(what, [{ path: '', message: `the options could not be checked: ${messageOf(err)}` }]);
  }
  if (result.success) return ownCopy(result.data, 0, '', []) as z.output<S>;
  throw new InvalidOptionsError(
    what,
    result.error.issues.flatMap((i) => describeIssue(schema, i)),
  );
}

const MAX_DEPTH = 32;

function messageOf(err: unknown): string {
  try {
    return (err as Error)?.message ?? String(err);
  } catch {
    return 'an unprintable value was thrown';
  }
}

/**
 * Plain objects (and arrays) copied by their own enumerable properties into null-prototype
 * objects. The one class instance options take, an AbortSignal, is kept as it is; any other (a
 * Date, a Map, an object of a host class, whose inherited getters would otherwise be read as
 * options) is refused where it stands.
 */
function ownCopy(value: unknown, depth: number, path: string, issues: OptionIssue[]): unknown {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(Object.hasOwn(value, i) ? ownCopy(read(value, i, path, issues), depth + 1, join(path, i), issues) : undefined);
    return out;
  }
  if (value instanceof AbortSignal) return value;
  if (!isPlain(value)) {
    issues.push({ path, message: `${path || 'the options'} must be a plain object, got ${kindOf(value)}` });
    return undefined;
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) out[key] = ownCopy(read(value, key, path, issues), depth + 1, join(path, key), issues);
  return out;
}

function read(obj: object, key: string | number, path: string, issues: OptionIssue[]): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (err) {
    issues.push({ path: join(path, key), message: `reading ${join(path, key)} threw: ${messageOf(err)}` });
    return undefined;
  }
}

// An empty key is shown as [""], so that it is not mistaken for the options object itself.
const join = (path: string, key: string | number): string => (key === '' ? `${path}[""]` : path ? `${path}.${key}` : String(key));

function kindOf(value: object): string {
  let name: unknown;
  try {
    name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  } catch {
    /* a hostile prototype: no name */
  }
  return typeof name === 'string' && name ? `a ${name} instance` : 'an object with a foreign prototype';
}

/**
 * Object literals, null-prototype objects, and objects made with Object.create() of one of those:
 * their inherited keys are not options, so only their own are copied.
 */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === null || proto === Object.prototype) return true;
  const grand = Object.getPrototypeOf(proto) as object | null;
  return (grand === null || grand === Object.prototype) && (proto as { constructor?: unknown }).constructor === Object;
}

function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue): OptionIssue[] {
  const path = issue.path.map(String).join('.');
  if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
  const known = knownKeys(schema, issue.path);
  return issue.keys.map((key) => {
    const near = nearest(key, known);
    const where = path ? `${path}.${key}` : key;
    return { path: where, message: `unknown option "${key}"${near ? `; did you mean "${near}"?` : known.length ? `; known: ${known.join(', ')}` : ''}` };
  });
}

/** The keys an object schema at `path` accepts (through optional, refinements, unions of objects). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (let i = 0; i <= path.length; i++) {
    const shapes = objectShapes(node);
    if (i === path.length) return [...new Set(shapes.flatMap((s) => Object.keys(s)))];
    const seg = path[i];
    if (typeof seg === 'number') {
      node = element(node);
      continue;
    }
    node = shapes.map((s) => s[String(seg)]).find((x) => x !== undefined);
    if (node === undefined) return [];
  }
  return [];
}

type Def = { type: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown; options?: unknown[]; element?: unknown };
const defOf = (node: unknown): Def | undefined => (node as { _zod?: { def?: Def } })?._zod?.def;

function objectShapes(node: unknown): Record<string, unknown>[] {
  const def = defOf(node);
  if (!def) return [];
  if (def.type === 'object') return [def.shape ?? {}];
  if (def.type === 'union') return (def.options ?? []).flatMap(objectShapes);
  const inner = def.innerType ?? def.in;
  return inner ? objectShapes(inner) : [];
}

function element(node: unknown): unknown {
  const def = defOf(node);
  if (!def) return undefined;
  if (def.type === 'array') return def.element;
  if (def.type === 'union') return (def.options ?? []).map(element).find((x) => x !== undefined);
  const inner = def.innerType ?? def.in;
  return inner ? element(inner) : undefined;
}

/** The known key closest to a misspelt one: a prefix of it (timeout → timeoutMs), or within a few edits. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const kl = k.toLowerCase();
    const score = kl.startsWith(lower) || lower.startsWith(kl) ? 0.5 : editDistance(lower, kl);
    if (score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return bestScore <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
