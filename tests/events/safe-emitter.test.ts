/**
 * Listeners are isolated (src/events/safe-emitter.ts): one that throws neither stops the others
 * nor unwinds into the library, and its failure is never lost. On, once and off keep
 * eventemitter3's meaning.
 */
import { EventEmitter } from 'eventemitter3';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SafeEmitter } from '../../src/events/safe-emitter.js';
import type { ManagedProcess, ProcwardError } from '../../src/index.js';
import { ListenerError } from '../../src/errors/procward-error.js';
import { waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('listeners', () => {
  it('a listener that throws neither breaks the library nor loses events for the others', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'for i in 1 2 3 4 5; do echo $i; done'] });
    let bytes = 0;
    const listenerErrors: ProcwardError[] = [];
    p.on('output', () => {
      throw new Error('host bug');
    });
    p.on('output', (c) => (bytes += c.data.length));
    p.on('error', (e) => listenerErrors.push(e));
    pm.on('state', () => {
      throw new Error('another host bug');
    });
    p.once('state', () => {
      throw new Error('once, too');
    });
    const exit = await p.exited;
    expect(exit.state).toBe('completed');
    expect(bytes).toBe(10);
    expect(listenerErrors.length).toBeGreaterThan(0);
    expect(listenerErrors[0]).toBeInstanceOf(ListenerError);
    expect(listenerErrors[0]!.code).toBe('LISTENER_FAILED');
  });

  it('once and off keep their meaning', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'echo a; sleep 0.05; echo b'] });
    let onceCalls = 0;
    let offCalls = 0;
    const off = () => offCalls++;
    p.once('output', () => onceCalls++);
    p.on('output', off);
    p.off('output', off);
    await p.exited;
    expect(onceCalls).toBe(1);
    expect(offCalls).toBe(0);
  });
});

describe('a throwing listener is never lost', () => {
  it('with no error listener on the process, the manager hears it, with the process', async () => {
    const pm = newManager();
    const heard: [ProcwardError, ManagedProcess | undefined][] = [];
    pm.on('error', (err, p) => heard.push([err, p]));
    const p = pm.spawn({ command: 'echo', args: ['hi'] });
    p.on('output', () => {
      throw new Error('host bug');
    });
    await p.exited;
    await waitFor(() => heard.length > 0, 'the manager error event');
    expect(heard[0]![0]).toBeInstanceOf(ListenerError);
    expect(heard[0]![0].message).toContain('output');
    expect(heard[0]![1]).toBe(p);
  });

  it('with no error listener anywhere, one process warning', async () => {
    const pm = newManager();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const p = pm.spawn({ command: 'echo', args: ['hi'] });
      p.on('output', () => {
        throw new Error('unheard host bug');
      });
      await p.exited;
      await waitFor(() => warnings.some((w) => w.message.includes('unheard host bug')), 'a warning');
      expect(warnings.filter((w) => w.message.includes('unheard host bug'))).toHaveLength(1);
      expect((warnings.find((w) => w.message.includes('unheard host bug')) as Error & { code?: string }).code).toBe('PROCWARD_LISTENER_FAILED');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('a throwing listener heard by its process only', () => {
  it('is printed by nobody: the process error listener heard it', async () => {
    const warnings = captureWarnings();
    const pm = newManager();
    const errors: ProcwardError[] = [];
    const p = pm.spawn({ command: 'echo', args: ['hi'] });
    p.on('error', (err) => errors.push(err));
    p.on('output', () => {
      throw new Error('heard host bug');
    });
    await p.exited;
    expect(errors.map((e) => e.code)).toEqual(['LISTENER_FAILED']);
    expect(warnings.filter((w) => w.message.includes('heard host bug'))).toEqual([]);
  });
});

interface TestEvents {
  a: (n: number) => void;
  b: (n: number) => void;
  error: (e: ListenerError) => void;
}

/** Replaces process.emitWarning for one test: the warnings it would have printed. */
function captureWarnings(): { message: string; code: string | undefined }[] {
  const warnings: { message: string; code: string | undefined }[] = [];
  vi.spyOn(process, 'emitWarning').mockImplementation(((message: string | Error, options?: { code?: string }) => {
    warnings.push({ message: String(message), code: options?.code });
  }) as typeof process.emitWarning);
  return warnings;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SafeEmitter: a throwing listener', () => {
  it('does not stop the others; it is reported on `error` as a ListenerError naming the event', () => {
    const e = new SafeEmitter<TestEvents>();
    const heard: number[] = [];
    const errors: ListenerError[] = [];
    const bug = new Error('host bug');
    e.on('error', (err) => errors.push(err));
    e.on('a', (n) => heard.push(n));
    e.on('a', () => {
      throw bug;
    });
    e.on('a', (n) => heard.push(n * 10));
    expect(e.emit('a', 1)).toBe(true);
    expect(heard).toEqual([1, 10]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]!.code).toBe('LISTENER_FAILED');
    expect(errors[0]!.event).toBe('a');
    expect(errors[0]!.cause).toBe(bug);
  });

  it('with no `error` listener, becomes one process warning', () => {
    const warnings = captureWarnings();
    const e = new SafeEmitter<TestEvents>();
    e.on('a', () => {
      throw new Error('unheard bug');
    });
    expect(e.emit('a', 1)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('PROCWARD_LISTENER_FAILED');
    expect(warnings[0]!.message).toContain('unheard bug');
  });

  it('a throwing `error` listener becomes a warning, not a loop; the other `error` listeners still hear it', () => {
    const warnings = captureWarnings();
    const e = new SafeEmitter<TestEvents>();
    const errors: ListenerError[] = [];
    e.on('error', () => {
      throw new Error('error listener bug');
    });
    e.on('error', (err) => errors.push(err));
    e.on('a', () => {
      throw new Error('first bug');
    });
    e.emit('a', 1);
    expect(errors.map((err) => err.event)).toEqual(['a']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('error listener bug');
  });

  it('added with once is removed all the same, and throws only once', () => {
    const e = new SafeEmitter<TestEvents>();
    const errors: ListenerError[] = [];
    e.on('error', (err) => errors.push(err));
    e.once('a', () => {
      throw new Error('once bug');
    });
    expect(e.emit('a', 1)).toBe(true);
    expect(e.listenerCount('a')).toBe(0);
    expect(e.emit('a', 2)).toBe(false);
    expect(errors).toHaveLength(1);
  });

  it('keeps its context as `this`; without one, `this` is the emitter', () => {
    const e = new SafeEmitter<TestEvents>();
    const context = { name: 'context' };
    const seen: unknown[] = [];
    e.on(
      'a',
      function (this: unknown) {
        seen.push(this);
      },
      context,
    );
    e.on('a', function (this: unknown) {
      seen.push(this);
    });
    e.emit('a', 1);
    expect(seen).toEqual([context, e]);
  });
});

describe('SafeEmitter: on, once and off with the function as it was added', () => {
  it('emit says whether anyone heard the event', () => {
    const e = new SafeEmitter<TestEvents>();
    expect(e.emit('a', 1)).toBe(false);
    e.on('a', () => {});
    expect(e.emit('a', 1)).toBe(true);
    expect(e.emit('b', 1)).toBe(false);
  });

  it('off with the original function removes a listener added with on, addListener or once', () => {
    const e = new SafeEmitter<TestEvents>();
    const calls: string[] = [];
    const viaOn = () => calls.push('on');
    const viaAdd = () => calls.push('addListener');
    const viaOnce = () => calls.push('once');
    e.on('a', viaOn);
    e.addListener('a', viaAdd);
    e.once('a', viaOnce);
    expect(e.listenerCount('a')).toBe(3);
    expect(e.listeners('a')).toEqual([viaOn, viaAdd, viaOnce]);
    e.off('a', viaOn);
    e.removeListener('a', viaAdd);
    e.off('a', viaOnce);
    expect(e.listenerCount('a')).toBe(0);
    expect(e.emit('a', 1)).toBe(false);
    expect(calls).toEqual([]);
  });

  it('off for a function never added, or added for another event, changes nothing', () => {
    const e = new SafeEmitter<TestEvents>();
    const f = vi.fn();
    e.on('a', f);
    e.off('a', () => {});
    e.off('b', f);
    e.emit('a', 1);
    expect(f).toHaveBeenCalledTimes(1);
    expect(e.listenerCount('a')).toBe(1);
  });

  it('a function added twice is heard twice, counted twice, and one off removes both (as in eventemitter3)', () => {
    const e = new SafeEmitter<TestEvents>();
    const f = vi.fn();
    e.on('a', f);
    e.on('a', f);
    expect(e.listenerCount('a')).toBe(2);
    expect(e.listeners('a')).toEqual([f, f]);
    e.emit('a', 1);
    expect(f).toHaveBeenCalledTimes(2);
    e.off('a', f);
    expect(e.listenerCount('a')).toBe(0);
  });

  it('a function added with on and with once: off(…, once = true) removes only the once', () => {
    const e = new SafeEmitter<TestEvents>();
    const f = vi.fn();
    e.on('a', f);
    e.once('a', f);
    e.off('a', f, undefined, true);
    e.emit('a', 1);
    e.emit('a', 2);
    expect(f.mock.calls).toEqual([[1], [2]]);
  });

  it('the same function with once and with on: the once is gone after one emit, the on stays', () => {
    const e = new SafeEmitter<TestEvents>();
    const f = vi.fn();
    e.once('a', f);
    e.on('a', f);
    e.emit('a', 1);
    expect(e.listenerCount('a')).toBe(1);
    e.emit('a', 2);
    expect(f.mock.calls).toEqual([[1], [1], [2]]);
  });

  it('off with a context removes only the registrations with that context', () => {
    const e = new SafeEmitter<TestEvents>();
    const one = {};
    const two = {};
    const seen: unknown[] = [];
    function f(this: unknown) {
      seen.push(this);
    }
    e.on('a', f, one);
    e.on('a', f, two);
    e.off('a', f, one);
    e.emit('a', 1);
    expect(seen).toEqual([two]);
  });

  it('off or removeAllListeners for an event removes all of its listeners; removeAllListeners() every event', () => {
    const e = new SafeEmitter<TestEvents>();
    const f = vi.fn();
    e.on('a', f);
    e.once('a', f);
    e.on('b', f);
    e.off('a');
    expect(e.listenerCount('a')).toBe(0);
    expect(e.eventNames()).toEqual(['b']);
    e.on('a', f);
    e.removeAllListeners('a');
    expect(e.eventNames()).toEqual(['b']);
    e.on('a', f);
    e.removeAllListeners();
    expect(e.eventNames()).toEqual([]);
    expect(e.emit('a', 1) || e.emit('b', 1)).toBe(false);
    expect(f).not.toHaveBeenCalled();
  });

  it('a listener removed and added again is heard again', () => {
    const e = new SafeEmitter<TestEvents>();
    const f = vi.fn();
    e.on('a', f);
    e.off('a', f);
    e.once('a', f);
    e.emit('a', 1);
    e.emit('a', 2);
    expect(f.mock.calls).toEqual([[1]]);
  });

  it('a non-function listener is refused as eventemitter3 refuses it', () => {
    const e = new SafeEmitter<TestEvents>();
    expect(() => e.on('a', 42 as never)).toThrow(TypeError);
  });
});

describe('SafeEmitter: changes during an emit', () => {
  it('a listener removed by an earlier one still hears the current emit, not the next', () => {
    const e = new SafeEmitter<TestEvents>();
    const later = vi.fn();
    e.on('a', () => e.off('a', later));
    e.on('a', later);
    e.emit('a', 1);
    e.emit('a', 2);
    expect(later.mock.calls).toEqual([[1]]);
  });

  it('a listener added during an emit hears the next one only', () => {
    const e = new SafeEmitter<TestEvents>();
    const added = vi.fn();
    const addOnce = vi.fn(() => {
      if (addOnce.mock.calls.length === 1) e.on('a', added);
    });
    e.on('a', addOnce);
    e.on('a', () => {});
    e.emit('a', 1);
    e.emit('a', 2);
    expect(added.mock.calls).toEqual([[2]]);
  });

  it('a listener that removes itself, and one that throws after removing all, leave the others hearing this emit', () => {
    const e = new SafeEmitter<TestEvents>();
    const errors: ListenerError[] = [];
    e.on('error', (err) => errors.push(err));
    const calls: string[] = [];
    const self = () => {
      calls.push('self');
      e.off('a', self);
    };
    e.on('a', self);
    e.on('a', () => {
      calls.push('clear');
      e.removeAllListeners('a');
      throw new Error('after clearing');
    });
    e.on('a', () => calls.push('last'));
    expect(e.emit('a', 1)).toBe(true);
    expect(calls).toEqual(['self', 'clear', 'last']);
    expect(errors).toHaveLength(1);
    expect(e.emit('a', 2)).toBe(false);
  });

  it('a once listener that emits the same event again is not heard twice', () => {
    const e = new SafeEmitter<TestEvents>();
    const heard: number[] = [];
    e.once('a', (n) => {
      heard.push(n);
      if (n === 1) e.emit('a', 2);
    });
    e.emit('a', 1);
    expect(heard).toEqual([1]);
  });
});

describe('SafeEmitter: listeners that do not throw behave exactly as on eventemitter3', () => {
  // Any sequence of on/addListener/once/off/removeAllListeners/emit, with listeners that remove
  // others while an emit runs: the same calls (function, `this`, argument), the same emit results,
  // counts, event names and listener lists as on a plain eventemitter3 emitter.
  const contexts = [undefined, { name: 'one' }, { name: 'two' }] as const;
  const events = ['a', 'b'] as const;
  type Op =
    | { op: 'on' | 'addListener' | 'once'; event: 'a' | 'b'; fn: number; context: number }
    | { op: 'off'; event: 'a' | 'b'; fn: number | undefined; context: number; once: boolean }
    | { op: 'removeAll'; event: 'a' | 'b' | undefined }
    | { op: 'emit'; event: 'a' | 'b'; arg: number };
  const eventArb = fc.constantFrom(...events);
  const fnArb = fc.nat({ max: 3 });
  const contextArb = fc.nat({ max: 2 });
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constantFrom('on' as const, 'addListener' as const, 'once' as const), event: eventArb, fn: fnArb, context: contextArb }),
    fc.record({ op: fc.constant('off' as const), event: eventArb, fn: fc.option(fnArb, { nil: undefined }), context: contextArb, once: fc.boolean() }),
    fc.record({ op: fc.constant('removeAll' as const), event: fc.option(eventArb, { nil: undefined }) }),
    fc.record({ op: fc.constant('emit' as const), event: eventArb, arg: fc.nat({ max: 9 }) }),
  );

  function run(emitter: EventEmitter<TestEvents>, ops: Op[]): unknown[] {
    const log: unknown[] = [];
    const who = (self: unknown) => (self === emitter ? 'emitter' : contexts.indexOf(self as (typeof contexts)[number]));
    const fns: ((this: unknown, n: number) => void)[] = [
      function (n) {
        log.push(['f0', who(this), n]);
      },
      function (n) {
        log.push(['f1', who(this), n]);
      },
      // Removes f0 from both events while an emit runs.
      function (n) {
        log.push(['f2', who(this), n]);
        emitter.off('a', fns[0]!).off('b', fns[0]!);
      },
      // Adds f1 to 'b' while an emit runs.
      function (n) {
        log.push(['f3', who(this), n]);
        emitter.on('b', fns[1]!);
      },
    ];
    for (const o of ops) {
      if (o.op === 'emit') log.push(['emit', o.event, emitter.emit(o.event, o.arg)]);
      else if (o.op === 'removeAll') emitter.removeAllListeners(o.event);
      else if (o.op === 'off') emitter.off(o.event, o.fn === undefined ? undefined : fns[o.fn], contexts[o.context], o.once);
      else emitter[o.op](o.event, fns[o.fn]!, contexts[o.context]);
      log.push(['state', emitter.eventNames(), ...events.map((ev) => [emitter.listenerCount(ev), emitter.listeners(ev).map((f) => fns.indexOf(f))])]);
    }
    return log;
  }

  it('for any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        expect(run(new SafeEmitter<TestEvents>(), ops)).toEqual(run(new EventEmitter<TestEvents>(), ops));
      }),
      { numRuns: 500 },
    );
  });
});
