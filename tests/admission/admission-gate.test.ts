import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdmissionGate, type AdmissionEvent, type AdmissionLimits } from '../../src/admission/admission-gate.js';
import { HostLoadSampler, type HostLoadSource } from '../../src/admission/host-load.js';
import { waitFor } from '../helpers/proc.js';

const POLL_MS = 100;

/** A host whose load the test sets; each CPU reading reports the share set at that moment. */
class FakeHost implements HostLoadSource {
  cpuPercent = 0;
  memoryPercent = 0;
  #busy = 0;
  #total = 0;

  readCpuTimes() {
    this.#total += 1000;
    this.#busy += this.cpuPercent * 10;
    return { busy: this.#busy, total: this.#total };
  }

  readMemoryPercent() {
    return this.memoryPercent;
  }
}

/** Runs pending promise callbacks, and no timer: what settles here settled without waiting. */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Whether `p` settles on microtasks alone, i.e. without any timer firing. */
async function settlesAtOnce(p: Promise<unknown>): Promise<boolean> {
  const s = track(p);
  await drainMicrotasks();
  return s.done;
}

function track(p: Promise<unknown>): { done: boolean } {
  const s = { done: false };
  void p.then(() => (s.done = true));
  return s;
}

const tick = (n = 1) => vi.advanceTimersByTimeAsync(POLL_MS * n);

let host: FakeHost;
let events: AdmissionEvent[];
let gate: AdmissionGate | undefined;

function makeGate(limits: Omit<AdmissionLimits, 'pollMs'>, onChange = (e: AdmissionEvent) => void events.push(e)) {
  gate = new AdmissionGate({ ...limits, pollMs: POLL_MS }, new HostLoadSampler(host), onChange);
  return gate;
}

/** A gate that has polled once, so that it has a CPU figure. */
async function startedGate(limits: Omit<AdmissionLimits, 'pollMs'>) {
  const g = makeGate(limits);
  g.start();
  await tick();
  return g;
}

describe('AdmissionGate (fake host, stepped polls)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    host = new FakeHost();
    events = [];
  });
  afterEach(() => {
    gate?.close();
    gate = undefined;
    vi.useRealTimers();
  });

  it('lets a spawn through at once when the host is within limits', async () => {
    host.cpuPercent = 50;
    host.memoryPercent = 50;
    const g = await startedGate({ maxHostMemoryPercent: 90, maxHostCpuPercent: 90 });
    expect(await settlesAtOnce(g.pass())).toBe(true);
    expect(g.waiting).toBe(0);
    expect(events).toEqual([]);
  });

  it('with a memory limit only, lets the very first spawn through at once (no CPU figure needed)', async () => {
    host.memoryPercent = 50;
    const g = makeGate({ maxHostMemoryPercent: 90 });
    expect(await settlesAtOnce(g.pass())).toBe(true);
    expect(g.latest).toMatchObject({ cpuPercent: null, memoryPercent: 50 });
  });

  it('with a CPU limit, waits one poll for the first CPU figure without calling it holding', async () => {
    host.cpuPercent = 10;
    const g = makeGate({ maxHostCpuPercent: 90 });
    const p = track(g.pass());
    await drainMicrotasks();
    expect(p.done).toBe(false);
    expect(g.waiting).toBe(1);
    expect(g.holding).toBe(false);
    await tick();
    expect(p.done).toBe(true);
    expect(events).toEqual([]);
  });

  it('holds while memory is over, reading memory fresh at the call, and lets through on recovery', async () => {
    const g = await startedGate({ maxHostMemoryPercent: 80 });
    host.memoryPercent = 95; // after the last poll: only a fresh read sees it
    const p = track(g.pass());
    await drainMicrotasks();
    expect(p.done).toBe(false);
    expect(g.holding).toBe(true);
    expect(events).toEqual([{ held: true, load: expect.objectContaining({ memoryPercent: 95 }), waiting: 1 }]);

    await tick(2);
    expect(p.done).toBe(false);
    host.memoryPercent = 80; // at the limit is within
    await tick();
    expect(p.done).toBe(true);
    expect(g.holding).toBe(false);
    expect(events[1]).toEqual({ held: false, load: expect.objectContaining({ memoryPercent: 80 }), heldMs: 3 * POLL_MS, released: 1 });
  });

  it('holds while CPU over the last poll is over, and lets through on recovery', async () => {
    host.cpuPercent = 95;
    const g = await startedGate({ maxHostCpuPercent: 85 });
    expect(g.latest?.cpuPercent).toBe(95);
    const p = track(g.pass());
    await drainMicrotasks();
    expect(g.holding).toBe(true);
    host.cpuPercent = 40;
    await tick();
    expect(p.done).toBe(true);
    expect(events.map((e) => e.held)).toEqual([true, false]);
  });

  it('lets waiters through by priority, higher first and first come first within one', async () => {
    host.memoryPercent = 99;
    const g = await startedGate({ maxHostMemoryPercent: 90 });
    const order: string[] = [];
    const entries: [string, number][] = [
      ['a', 0],
      ['b', 5],
      ['c', 0],
      ['d', 5],
      ['e', 10],
      ['f', -1],
    ];
    const all = entries.map(([name, priority]) => g.pass(priority).then(() => order.push(name)));
    expect(g.waiting).toBe(6);
    host.memoryPercent = 10;
    await tick();
    await Promise.all(all);
    expect(order).toEqual(['e', 'b', 'd', 'a', 'c', 'f']);
    expect(events).toEqual([expect.objectContaining({ held: true, waiting: 1 }), expect.objectContaining({ held: false, released: 6 })]);
  });

  it('reports held once per episode, and a new episode again', async () => {
    host.memoryPercent = 99;
    const g = await startedGate({ maxHostMemoryPercent: 90 });
    void g.pass();
    void g.pass();
    await tick(3);
    expect(events).toHaveLength(1);
    host.memoryPercent = 10;
    await tick();
    host.memoryPercent = 99;
    await tick(); // the poll alone holds no one: there is no waiter
    expect(g.holding).toBe(false);
    void g.pass();
    await tick();
    expect(events.map((e) => e.held)).toEqual([true, false, true]);
  });

  it('settles an aborted waiter and drops it; the episode ends when the last one leaves', async () => {
    host.memoryPercent = 99;
    const g = await startedGate({ maxHostMemoryPercent: 90 });
    const first = new AbortController();
    const second = new AbortController();
    const a = track(g.pass(0, first.signal));
    const b = track(g.pass(0, second.signal));
    first.abort();
    await drainMicrotasks();
    expect(a.done).toBe(true);
    expect(b.done).toBe(false);
    expect(g.waiting).toBe(1);
    expect(events).toHaveLength(1);
    await tick(2);
    second.abort();
    await drainMicrotasks();
    expect(b.done).toBe(true);
    expect(g.waiting).toBe(0);
    expect(g.holding).toBe(false);
    expect(events[1]).toEqual({ held: false, load: expect.objectContaining({ memoryPercent: 99 }), heldMs: 2 * POLL_MS, released: 0 });
  });

  it('lets an already aborted caller through without queueing it', async () => {
    host.memoryPercent = 99;
    const g = await startedGate({ maxHostMemoryPercent: 90 });
    expect(await settlesAtOnce(g.pass(0, AbortSignal.abort()))).toBe(true);
    expect(g.waiting).toBe(0);
    expect(events).toEqual([]);
  });

  it('close() lets every waiter through, stops polling, and lets later callers through', async () => {
    host.memoryPercent = 99;
    const g = await startedGate({ maxHostMemoryPercent: 90 });
    const waiters = [g.pass(), g.pass(3)];
    expect(vi.getTimerCount()).toBe(1);
    g.close();
    await Promise.all(waiters);
    expect(vi.getTimerCount()).toBe(0);
    expect(events.at(-1)).toMatchObject({ held: false, released: 2 });
    expect(await settlesAtOnce(g.pass())).toBe(true);
    g.start();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a throwing listener neither stops the release nor escapes the timer', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      host.memoryPercent = 99;
      const g = makeGate({ maxHostMemoryPercent: 90 }, () => {
        throw new Error('listener bug');
      });
      const p = track(g.pass()); // held: the listener throws here
      host.memoryPercent = 10;
      await tick(); // released: and here, inside the timer
      expect(p.done).toBe(true);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
    } finally {
      warn.mockRestore();
    }
  });
});

describe('AdmissionGate (real host, real timers)', () => {
  it('with limits of 100% lets a spawn through at once', async () => {
    const g = new AdmissionGate({ maxHostMemoryPercent: 100, maxHostCpuPercent: 100, pollMs: 20 }, new HostLoadSampler(), () => {});
    try {
      g.start();
      await waitFor(() => g.latest?.cpuPercent != null, 'a first CPU figure');
      expect(await settlesAtOnce(g.pass())).toBe(true);
      expect(g.holding).toBe(false);
    } finally {
      g.close();
    }
  });
});
