/**
 * Every public entry validates its input and fails one way: INVALID_OPTIONS naming the field, as a
 * rejection from a method that returns a promise, as a throw from one that does not — never a
 * silent default, never a half-applied call.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessManager, type ManagedProcess } from '../../src/index.js';
import { MAX_TIMER_MS } from '../../src/options/values.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const dirs: string[] = [];
const newManager = useManager({
  afterShutdown: () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
});

const BAD_STOPS: [string, unknown, string][] = [
  ['a misspelt signal', { signal: 'SIGTREM' }, 'signal'],
  ['a signal without its SIG prefix', { signal: 'INT' }, 'signal'],
  ['a lower-case signal', { signal: 'sigterm' }, 'signal'],
  ['a negative grace', { graceMs: -1 }, 'graceMs'],
  ['a grace past what a timer can wait', { graceMs: 2 ** 31 }, 'graceMs'],
  ['a fractional grace', { graceMs: 1.5 }, 'graceMs'],
  ['an unknown key', { grace: 10 }, 'did you mean "graceMs"'],
  ['a sequence step with a bad signal', { sequence: [{ signal: 'HUP', graceMs: 10 }] }, 'sequence'],
  ['not an object', 'SIGTERM', 'stop options'],
];

/** Settles without throwing synchronously, and rejects with INVALID_OPTIONS mentioning `hint`. */
async function rejectsInvalid(call: () => Promise<unknown>, hint: string): Promise<void> {
  let promise!: Promise<unknown>;
  expect(() => {
    promise = call();
  }).not.toThrow();
  await expect(promise).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining(hint) });
}

describe('stop options are validated at every entry (and the process is left alone)', () => {
  const entries: [string, (pm: ProcessManager, p: ManagedProcess, o: unknown) => Promise<unknown>][] = [
    ['process.stop', (_pm, p, o) => p.stop(o as never)],
    ['manager.stop', (m, p, o) => m.stop(p.id, o as never)],
    ['manager.stopScope', (m, _p, o) => m.stopScope({ kind: 'v' }, o as never)],
    ['manager.stopAll', (m, _p, o) => m.stopAll(o as never)],
  ];
  it.each(entries)('%s refuses every bad stop option', async (_name, call) => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'], scope: { kind: 'v', id: '1' } });
    await p.started;
    for (const [, options, hint] of BAD_STOPS) await rejectsInvalid(() => call(pm, p, options), hint);
    // Nothing was signalled by a refused call.
    expect(p.state).toBe('running');
    expect(isAlive(p.pid!)).toBe(true);
  });

  it('an agent run refuses them too', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'x', bin: 'sleep', extraArgs: [], cwd: tmpdir() });
    await run.process.started.catch(() => undefined);
    await rejectsInvalid(() => run.stop({ signal: 'SIGTREM' } as never), 'signal');
  });

  it('shutdown() refuses bad options before it begins (new spawns are still accepted)', async () => {
    const pm = newManager();
    await rejectsInvalid(() => pm.shutdown({ graceMs: -1 } as never), 'graceMs');
    expect(pm.isShuttingDown).toBe(false);
    const p = pm.spawn({ command: 'true' });
    expect((await p.exited).state).toBe('completed');
  });

  it('pm.stop of an unknown id rejects (NOT_FOUND), it does not throw', async () => {
    const pm = newManager();
    let promise!: Promise<unknown>;
    expect(() => {
      promise = pm.stop('no-such-id');
    }).not.toThrow();
    await expect(promise).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stopScope with a bad filter rejects, it does not throw', async () => {
    const pm = newManager();
    await rejectsInvalid(() => pm.stopScope({ kind: 42 } as never), 'kind');
  });
});

describe('a method that returns a promise never throws', () => {
  it('write() to an ignored stdin, after end(), after exit: rejections', async () => {
    const pm = newManager();
    const ignored = pm.spawn({ command: 'sleep', args: ['30'] });
    let w!: Promise<void>;
    expect(() => {
      w = ignored.write('x');
    }).not.toThrow();
    await expect(w).rejects.toMatchObject({ code: 'STDIN_UNAVAILABLE' });
    await expect(ignored.write(42 as never)).rejects.toMatchObject({ code: expect.any(String) });
    const done = pm.spawn({ command: 'true', stdin: 'pipe' });
    await done.exited;
    await expect(done.write('x')).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });
});

describe('list() filters by known states only', () => {
  it.each([['runing'], ['RUNNING'], ['done']])('list({ state: %j }) is INVALID_OPTIONS naming the states', (state) => {
    const pm = newManager();
    expect(() => pm.list({ state } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('running') }));
  });

  it('a valid state still filters', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await p.started;
    expect(pm.list({ state: 'running' })).toEqual([p]);
    expect(pm.list({ state: 'queued' })).toEqual([]);
  });
});

describe('unknown keys name the nearest known one', () => {
  it.each([
    [{ command: 'true', timeoutMS: 5 }, 'did you mean "timeoutMs"'],
    [{ command: 'true', timeout: 5 }, 'did you mean "timeoutMs"'],
    [{ command: 'true', arg: ['x'] }, 'did you mean "args"'],
    [{ command: 'true', stop: { grace: 5 } }, 'did you mean "graceMs"'],
    [{ command: 'true', zzzzzz: 1 }, 'unknown option "zzzzzz"'],
  ])('spawn(%j)', (options, hint) => {
    const pm = newManager();
    expect(() => pm.spawn(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(hint) }));
    expect(pm.list()).toEqual([]);
  });

  it('manager options too', () => {
    expect(() => new ProcessManager({ maxConcurent: 2 } as never)).toThrow(expect.objectContaining({ message: expect.stringContaining('did you mean "maxConcurrent"') }));
  });
});

describe('durations a timer cannot honour are refused', () => {
  const over = 2 ** 31;
  it.each([
    ['timeoutMs', { timeoutMs: over }],
    ['idleTimeoutMs', { idleTimeoutMs: over }],
    ['drainMs', { drainMs: over }],
    ['metrics.intervalMs', { metrics: { intervalMs: over } }],
    ['cpuWindowMs', { maxCpuPercent: 50, cpuWindowMs: over }],
    ['backoff.initialMs', { restart: 'always', backoff: { initialMs: over } }],
    ['backoff.maxMs', { restart: 'always', backoff: { maxMs: over } }],
    ['restartWindowMs', { restart: 'always', restartWindowMs: over }],
    ['minUptimeMs', { restart: 'always', minUptimeMs: over }],
    ['stop.graceMs', { stop: { graceMs: over } }],
    ['stop.sequence.graceMs', { stop: { sequence: [{ signal: 'SIGINT', graceMs: over }] } }],
    ['timeoutMs (Infinity)', { timeoutMs: Number.POSITIVE_INFINITY }],
    ['timeoutMs (NaN)', { timeoutMs: Number.NaN }],
  ])('spawn %s', (name, extra) => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', ...extra } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(name.split(' ')[0]!.split('.').at(-1)!) }),
    );
  });

  it.each([
    ['drainMs', { drainMs: over }],
    ['killTimeoutMs', { killTimeoutMs: over }],
    ['metrics.intervalMs', { metrics: { intervalMs: over } }],
    ['metrics.intervalMs (too short)', { metrics: { intervalMs: 1 } }],
    ['admission.pollMs', { admission: { maxHostCpuPercent: 90, pollMs: over } }],
    ['stop.graceMs', { stop: { graceMs: over } }],
  ])('manager %s', (name, options) => {
    expect(() => new ProcessManager(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(name.split(' ')[0]!.split('.').at(-1)!) }));
  });

  it('the largest a timer can wait is accepted and does not fire early', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['0.3'], timeoutMs: MAX_TIMER_MS, idleTimeoutMs: MAX_TIMER_MS });
    expect((await p.exited).state).toBe('completed');
  });
});

describe('metadata must be JSON', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  it.each([
    ['a BigInt', { n: 1n }, 'BigInt'],
    ['a cycle', cycle, 'cycle'],
    ['NaN', { x: Number.NaN }, 'NaN'],
    ['undefined', { x: undefined }, 'undefined'],
    ['a function', { f: () => 1 }, 'function'],
    ['a Date', { d: new Date(0) }, 'Date'],
    ['a Map', { m: new Map() }, 'Map'],
    ['deep nesting', JSON.parse('{"a":'.repeat(80) + '1' + '}'.repeat(80)), 'deep'],
  ])('%s is INVALID_OPTIONS at spawn', (_name, metadata, hint) => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', metadata } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(hint) }));
  });

  it('info round-trips through JSON, and the ledger keeps recording', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-meta-'));
    dirs.push(dir);
    const pm = newManager({ stateDir: dir });
    const metadata = { task: 'T-1', n: 3, nested: { list: [1, 'two', null, true] } };
    const p = pm.spawn({ command: 'true', metadata });
    await p.exited;
    expect(JSON.parse(JSON.stringify(p.info))).toEqual(JSON.parse(JSON.stringify({ ...p.info })));
    expect(JSON.parse(JSON.stringify(p.info)).metadata).toEqual(metadata);
    // A later refused spawn leaves the ledger working.
    expect(() => pm.spawn({ command: 'true', metadata: { n: 1n } as never })).toThrow();
    const q = pm.spawn({ command: 'true', metadata: { after: true } });
    await q.exited;
    await waitFor(() => readFileSync(join(dir, 'ledger.json'), 'utf8').includes(q.id), 'the ledger records the later process');
  });
});

describe('strings for the OS: NUL is refused on every backend', () => {
  it('stateDir with a NUL byte is INVALID_OPTIONS', () => {
    expect(() => new ProcessManager({ stateDir: '/tmp/a\0b' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('stateDir') }));
  });

  it.each([
    ['args', { args: ['a\0b', 'c'] }, 'args'],
    ['command', { command: 'ec\0ho' }, 'command'],
    ['env value', { env: { X: 'a\0b' } }, 'env'],
    ['env name', { env: { 'X\0Y': 'a' } }, 'env'],
    ['env name with =', { env: { 'X=Y': 'a' } }, 'env'],
    ['cwd', { cwd: '/tmp\0x' }, 'cwd'],
  ])('%s (pipes and pty)', (_name, extra, hint) => {
    const pm = newManager();
    for (const pty of [false, true]) {
      expect(() => pm.spawn({ command: 'echo', ...extra, ...(pty ? { pty: true } : {}) } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(hint) }),
      );
    }
    expect(pm.list()).toEqual([]);
  });
});

describe('options are read as own properties only', () => {
  it('a polluted Object.prototype.shell does not turn a shell on', async () => {
    const pm = newManager();
    const proto = Object.prototype as Record<string, unknown>;
    proto.shell = true;
    let p: ManagedProcess;
    try {
      p = pm.spawn({ command: 'echo', args: ['$((6*7))', ';', 'echo', 'pwned'] });
    } finally {
      delete proto.shell;
    }
    await p.exited;
    expect(p.output.read().data.toString()).toBe('$((6*7)) ; echo pwned\n');
  });

  it('inherited keys of Object.create({ shell: true }) are not options', async () => {
    const pm = newManager();
    const options = Object.assign(Object.create({ shell: true }) as object, { command: 'echo', args: ['$HOME'] });
    const p = pm.spawn(options as never);
    await p.exited;
    expect(p.output.read().data.toString()).toBe('$HOME\n');
    expect(p.info.shell ?? false).toBe(false);
  });

  it('an object of a host class is refused: its inherited getters are not read as options', () => {
    const pm = newManager();
    class Options {
      command = 'echo';
      get shell(): boolean {
        return true;
      }
    }
    expect(() => pm.spawn(new Options() as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('plain object') }));
    expect(pm.list()).toEqual([]);
  });

  it.each([
    ['a BigInt signal', (pm: ProcessManager) => pm.spawn({ command: 'true', stop: { signal: 2n } } as never), 'stop.signal'],
    ['a BigInt state', (pm: ProcessManager) => pm.list({ state: 1n } as never), 'state'],
    ['a Symbol state', (pm: ProcessManager) => pm.list({ state: Symbol('x') } as never), 'state'],
  ])('%s is INVALID_OPTIONS naming the field (its message cannot be JSON)', (_name, call, field) => {
    const pm = newManager();
    expect(() => call(pm)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(field) }));
  });

  it('a getter that throws is INVALID_OPTIONS naming its key, not a host crash', () => {
    const pm = newManager();
    const options = {
      command: 'true',
      get args(): string[] {
        throw new Error('boom');
      },
    };
    expect(() => pm.spawn(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/args.*boom/) }));
  });
});
