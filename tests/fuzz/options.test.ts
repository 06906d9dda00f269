/**
 * Options fuzz: random option objects for every public entry. Each call either accepts (and the
 * process is valid and gets stopped) or refuses with INVALID_OPTIONS naming a field — thrown by a
 * method that returns a value, a rejection (never a throw) from one that returns a promise. Never
 * another error, never a host crash, never an unhandled rejection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcwardError, PROCESS_STATES, ProcessManager, TERMINAL_STATES, type ManagedProcess, type ProcwardError } from '../../src/index.js';
import {
  AGENT_KEYS,
  AGENT_PLAUSIBLE,
  defuseAgent,
  defuseManager,
  defuseSpawn,
  LIST_KEYS,
  LIST_PLAUSIBLE,
  MANAGER_KEYS,
  MANAGER_PLAUSIBLE,
  safeCommand,
  SPAWN_KEYS,
  SPAWN_PLAUSIBLE,
  STOP_KEYS,
  STOP_PLAUSIBLE,
} from './option-entries.js';
import { makeUnreadable, notAnObject, optionObject, unprintableUnder, unreadable, withThrowingGetter } from './hostile-values.js';

// Each property starts real processes (`true`, `sleep`): a few dozen runs keep the file to seconds.
const RUNS = { numRuns: 40 } as const;
const FEW = { numRuns: 15 } as const;

let pm: ProcessManager;
let dir: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  dir = mkdtempSync(join(tmpdir(), 'pw-fuzz-'));
  pm = new ProcessManager({ stop: { graceMs: 50 }, retainExited: 5 });
});
afterAll(async () => {
  await pm.shutdown();
  process.off('unhandledRejection', onUnhandled);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  // A rejection nobody handled is reported after the turn it happened in.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function callSync(call: () => unknown): Outcome {
  try {
    return { ok: true, value: call() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A method that returns a promise must not throw, whatever it is given. */
async function callAsync(call: () => Promise<unknown>): Promise<Outcome> {
  let promise: Promise<unknown> | undefined;
  let thrown: unknown;
  try {
    promise = call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'a promise-returning method threw instead of rejecting').toBeUndefined();
  expect(promise).toBeInstanceOf(Promise);
  return promise!.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A plain object with own keys (a proxy that cannot even be looked at is not one). */
function isPlainWithKeys(v: unknown): v is Record<string, unknown> {
  try {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v)) && Object.keys(v).length > 0;
  } catch {
    return false;
  }
}

/** INVALID_OPTIONS, and for an object with keys, a message that names the field at fault. */
function expectInvalid(error: unknown, input: unknown, codes: readonly string[] = [], named = true): asserts error is ProcwardError {
  expect(isProcwardError(error), `not a ProcwardError: ${error instanceof Error ? error.stack : String(error)}`).toBe(true);
  const e = error as ProcwardError & { issues?: { path: string; message: string }[] };
  expect(['INVALID_OPTIONS', ...codes]).toContain(e.code);
  if (e.code !== 'INVALID_OPTIONS') return;
  expect(e.issues?.length).toBeGreaterThan(0);
  if (named && isPlainWithKeys(input)) {
    // A field is named by the path of an issue, or by its key in quotes ("" for an empty key).
    const keys = Object.keys(input);
    const named = e.issues!.some((i) => i.path !== '' && e.message.includes(i.path)) || keys.some((k) => e.message.includes(`"${k}"`));
    expect(named, `no field named in: ${e.message}`).toBe(true);
  }
}

/** Waits for a stop, cutting a long grace short with kill() (an accepted graceMs may be 2^31-1 ms). */
async function settleStop(p: ManagedProcess, stop: Promise<Outcome>): Promise<Outcome> {
  const timer = setTimeout(() => void p.kill().catch(() => {}), 200);
  const outcome = await stop;
  clearTimeout(timer);
  return outcome;
}

/** An accepted process is well formed, and is gone once killed. */
async function checkAccepted(p: ManagedProcess): Promise<void> {
  expect(typeof p.id).toBe('string');
  expect(PROCESS_STATES).toContain(p.state);
  expect(() => JSON.stringify(p.info)).not.toThrow();
  await p.kill().catch((err: unknown) => expect(isProcwardError(err)).toBe(true));
  const exit = await p.exited;
  expect(TERMINAL_STATES).toContain(exit.state);
}

let live: ManagedProcess | undefined;
/** A running `sleep` in scope task:1, kept across runs that did not stop it. */
async function liveSleep(): Promise<ManagedProcess> {
  if (live && live.state === 'running') return live;
  live = pm.spawn({ command: 'sleep', args: ['30'], scope: { kind: 'task', id: '1' } });
  await live.started;
  return live;
}

/** Keys whose schema prints the input with JSON.stringify (see unprintableUnder). */
const PRINTED = ['signal', 'state'];
const printable = (v: unknown) => !unprintableUnder(v, PRINTED);

const spawnOptions = fc.tuple(optionObject(SPAWN_KEYS, SPAWN_PLAUSIBLE).filter(printable), safeCommand).map(([o, command]) => defuseSpawn(o, command));
// The agent and the prompt are set most of the time, so that some runs get past them.
const agentOptions = fc
  .tuple(
    optionObject(AGENT_KEYS, AGENT_PLAUSIBLE).filter(printable),
    safeCommand,
    fc.option(fc.constantFrom('claude', 'codex', 'nope', ''), { freq: 8 }),
    fc.option(fc.constantFrom('fix it', '', 'a\0b'), { freq: 8 }),
  )
  .map(([o, bin, agent, prompt]) => {
    const out = defuseAgent(o, bin);
    if (agent !== null) Object.defineProperty(out, 'agent', { value: agent, enumerable: true, writable: true, configurable: true });
    if (prompt !== null) Object.defineProperty(out, 'prompt', { value: prompt, enumerable: true, writable: true, configurable: true });
    return out;
  });
const stopObject = optionObject(STOP_KEYS, STOP_PLAUSIBLE).filter(printable);
const stopArg = fc.oneof({ weight: 5, arbitrary: stopObject }, { weight: 1, arbitrary: notAnObject });
const scopeArg = fc.oneof(optionObject(['kind', 'id'], { kind: fc.constantFrom('task', 'mission'), id: fc.constantFrom('1', '2') }), notAnObject);

/** One check per entry: the call with `input`, and what an accepted call must give. */
/** `named: false`: the object cannot be read at all, so no field can be named (unreadable proxies). */
const ENTRIES: Record<string, (input: unknown, named?: boolean) => Promise<void>> = {
  'new ProcessManager(o)': async (input, named = true) => {
    const o = isPlainWithKeys(input) ? defuseManager(input, dir) : input;
    const r = callSync(() => new ProcessManager(o as never));
    if (!r.ok) return expectInvalid(r.error, o, [], named);
    await (r.value as ProcessManager).shutdown();
  },
  'pm.spawn(o)': async (input, named = true) => {
    const r = callSync(() => pm.spawn(input as never));
    if (!r.ok) return expectInvalid(r.error, input, ['LIMIT_REACHED'], named);
    await checkAccepted(r.value as ManagedProcess);
  },
  'pm.spawnAgent(o)': async (input, named = true) => {
    const r = callSync(() => pm.spawnAgent(input as never));
    if (!r.ok) return expectInvalid(r.error, input, ['SESSION_BUSY'], named);
    const run = r.value as { process: ManagedProcess; result: Promise<unknown> };
    await checkAccepted(run.process);
    // `true` prints no result: the run rejects with a typed error, which nobody has to handle.
    await run.result.then(
      () => undefined,
      (err: unknown) => expect(isProcwardError(err)).toBe(true),
    );
  },
  'p.stop(o)': async (input, named = true) => {
    const p = await liveSleep();
    const r = await settleStop(
      p,
      callAsync(() => p.stop(input as never)),
    );
    if (!r.ok) {
      expectInvalid(r.error, input, [], named);
      expect(p.state, 'a refused stop signalled the process').toBe('running');
    } else expect(TERMINAL_STATES).toContain(p.state);
  },
  'pm.stop(id, o)': async (input, named = true) => {
    const p = await liveSleep();
    const r = await settleStop(
      p,
      callAsync(() => pm.stop(p.id, input as never)),
    );
    if (!r.ok) expectInvalid(r.error, input, [], named);
    const unknown = await callAsync(() => pm.stop('no-such-process', input as never));
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expectInvalid(unknown.error, input, ['NOT_FOUND'], named);
  },
  'pm.stopAll(o)': async (input, named = true) => {
    const p = await liveSleep();
    const r = await settleStop(
      p,
      callAsync(() => pm.stopAll(input as never)),
    );
    if (!r.ok) expectInvalid(r.error, input, [], named);
    else expect(TERMINAL_STATES).toContain(p.state);
  },
  'pm.list(f)': async (input, named = true) => {
    const r = callSync(() => pm.list(input as never));
    if (!r.ok) return expectInvalid(r.error, input, [], named);
    expect(Array.isArray(r.value)).toBe(true);
    for (const p of r.value as ManagedProcess[]) expect(pm.get(p.id)).toBe(p);
  },
};

const ARGS: Record<keyof typeof ENTRIES, fc.Arbitrary<unknown>> = {
  'new ProcessManager(o)': optionObject(MANAGER_KEYS, MANAGER_PLAUSIBLE).filter(printable),
  'pm.spawn(o)': spawnOptions,
  'pm.spawnAgent(o)': agentOptions,
  'p.stop(o)': stopArg,
  'pm.stop(id, o)': stopArg,
  'pm.stopAll(o)': stopArg,
  'pm.list(f)': optionObject(LIST_KEYS, LIST_PLAUSIBLE).filter(printable),
};
const KEYS: Record<keyof typeof ENTRIES, readonly string[]> = {
  'new ProcessManager(o)': MANAGER_KEYS,
  'pm.spawn(o)': SPAWN_KEYS,
  'pm.spawnAgent(o)': AGENT_KEYS,
  'p.stop(o)': STOP_KEYS,
  'pm.stop(id, o)': STOP_KEYS,
  'pm.stopAll(o)': STOP_KEYS,
  'pm.list(f)': LIST_KEYS,
};

/** The bare calls, for checks on the error itself. */
const DIRECT: Record<keyof typeof ENTRIES, (o: unknown) => unknown> = {
  'new ProcessManager(o)': (o) => new ProcessManager(o as never),
  'pm.spawn(o)': (o) => pm.spawn(o as never),
  'pm.spawnAgent(o)': (o) => pm.spawnAgent(o as never),
  'p.stop(o)': (o) => live!.stop(o as never),
  'pm.stop(id, o)': (o) => pm.stop('no-such-process', o as never),
  'pm.stopAll(o)': (o) => pm.stopAll(o as never),
  'pm.list(f)': (o) => pm.list(o as never),
};

/** Keys a throwing getter is put on: any but the command and bin, which are always made safe. */
const GETTER_KEYS: Record<keyof typeof ENTRIES, readonly string[]> = {
  ...KEYS,
  'pm.spawn(o)': SPAWN_KEYS.filter((k) => k !== 'command'),
  'pm.spawnAgent(o)': AGENT_KEYS.filter((k) => k !== 'bin'),
};

async function callAny(call: () => unknown): Promise<Outcome> {
  const r = callSync(call);
  return r.ok && r.value instanceof Promise
    ? r.value.then(
        (value: unknown) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      )
    : r;
}

describe('options fuzz: accepted, or INVALID_OPTIONS naming a field', () => {
  it.each(Object.keys(ENTRIES))('%s with random option objects', async (name) => {
    // Most random agent options are refused (they need an agent, a prompt and every other key right): more runs.
    await fc.assert(
      fc.asyncProperty(ARGS[name]!, (o) => ENTRIES[name]!(o)),
      name === 'pm.spawnAgent(o)' ? { numRuns: 150 } : RUNS,
    );
  });

  it.each(Object.keys(ENTRIES))('%s with something that is not an options object', async (name) => {
    await fc.assert(
      fc.asyncProperty(notAnObject, (o) => ENTRIES[name]!(o)),
      FEW,
    );
  });

  it('pm.stopScope(scope, o) with random scopes and options', async () => {
    await fc.assert(
      fc.asyncProperty(scopeArg, stopArg, async (scope, options) => {
        const p = await liveSleep();
        const r = await settleStop(
          p,
          callAsync(() => pm.stopScope(scope as never, options as never)),
        );
        if (!r.ok) expectInvalid(r.error, (r.error as Error).message.startsWith('Invalid stop options') ? options : scope);
      }),
      RUNS,
    );
  });

  it.each([
    ['p.stop(o)', { signal: 1n }],
    ['pm.stopAll(o)', { sequence: [{ signal: 2n, graceMs: 1 }] }],
    ['pm.spawn(o)', { command: 'true', stop: { signal: 3n } }],
    ['pm.list(f)', { state: [4n] }],
    ['new ProcessManager(o)', { stop: { signal: 5n } }],
  ] as const)('%s with a BigInt where a signal or state goes: INVALID_OPTIONS', async (name, input) => {
    await ENTRIES[name]!(input);
  });

  it.each(Object.keys(ENTRIES))('%s with an unreadable object (revoked proxy, throwing traps): INVALID_OPTIONS', async (name) => {
    await fc.assert(
      fc.asyncProperty(unreadable, (trap) => ENTRIES[name]!(makeUnreadable(trap), false)),
      { numRuns: 10 },
    );
  });

  it.each(Object.keys(ENTRIES))('%s with a throwing getter: INVALID_OPTIONS naming that key', async (name) => {
    await fc.assert(
      fc.asyncProperty(withThrowingGetter(optionObject(KEYS[name]!, {}), GETTER_KEYS[name]!), async ({ value, key }) => {
        const safe = name === 'pm.spawn(o)' ? defuseSpawn(value, 'true') : name === 'pm.spawnAgent(o)' ? defuseAgent(value, 'true') : value;
        await ENTRIES[name]!(safe);
        const r = await callAny(() => DIRECT[name]!(safe));
        expect(r.ok).toBe(false);
        if (!r.ok) expect((r.error as Error).message).toContain(`${key}:`);
      }),
      FEW,
    );
  });

  it.each(['pm.spawn(o)', 'pm.list(f)', 'new ProcessManager(o)'] as const)('%s with a throwing getter: INVALID_OPTIONS, never the getter’s own error', async (name) => {
    await fc.assert(
      fc.asyncProperty(withThrowingGetter(optionObject(KEYS[name]!, {}), GETTER_KEYS[name]!), async ({ value }) => {
        const r =
          name === 'pm.spawn(o)'
            ? callSync(() => pm.spawn(defuseSpawn(value, 'true') as never))
            : name === 'pm.list(f)'
              ? callSync(() => pm.list(value as never))
              : callSync(() => new ProcessManager(defuseManager(value, dir) as never));
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toMatchObject({ code: 'INVALID_OPTIONS' });
      }),
      FEW,
    );
  });
});

describe('options are read as own properties only', () => {
  it('a polluted Object.prototype is never read (shell, args, timeoutMs, state)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('shell', 'timeoutMs', 'graceMs', 'signal', 'state'), fc.constantFrom(true, -1, 'SIGKILL', 'failed', '/bin/sh'), async (key, value) => {
        const proto = Object.prototype as Record<string, unknown>;
        let spawned: Outcome;
        let listed: Outcome;
        proto[key] = value;
        try {
          spawned = callSync(() => pm.spawn({ command: 'true' }));
          listed = callSync(() => pm.list({}));
        } finally {
          delete proto[key];
        }
        expect(spawned.ok && listed.ok).toBe(true);
        const p = (spawned as { value: ManagedProcess }).value;
        expect(p.info.shell).toBe(false);
        expect((listed as { value: ManagedProcess[] }).value).toContain(p);
        await checkAccepted(p);
      }),
      FEW,
    );
  });

  it('inherited keys of class instances and prototype chains are not options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('class-getter', 'class-prototype', 'two-level'), fc.constantFrom('shell', 'state'), async (how, key) => {
        const inherited = key === 'shell' ? { shell: true } : { state: 'failed' };
        const own = key === 'shell' ? { command: 'true' } : {};
        let o: object;
        if (how === 'class-getter') {
          class Options {
            get [key]() {
              return (inherited as Record<string, unknown>)[key];
            }
          }
          o = Object.assign(new Options(), own);
        } else if (how === 'class-prototype') {
          class Options {}
          Object.assign(Options.prototype, inherited);
          o = Object.assign(new Options(), own);
        } else {
          o = Object.assign(Object.create(Object.create(inherited) as object) as object, own);
        }
        if (key === 'shell') {
          const r = callSync(() => pm.spawn(o as never));
          if (!r.ok) return expectInvalid(r.error, o);
          const p = r.value as ManagedProcess;
          await checkAccepted(p);
          expect(p.info.shell).toBe(false);
        } else {
          const r = callSync(() => pm.list(o as never));
          if (!r.ok) return expectInvalid(r.error, o);
          // Not a filter at all: every process is listed, the running sleep included.
          expect((r.value as ManagedProcess[]).length).toBe(pm.list().length);
        }
      }),
      { numRuns: 6 },
    );
  });
});
