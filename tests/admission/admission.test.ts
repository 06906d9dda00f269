import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ProcessManager, type AdmissionEvent } from '../../src/index.js';
import { fixture, firstLine, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

// The load comes from real processes of a second manager (one without admission limits).
const newManager = useManager();

describe('admission by host load', () => {
  it('holds queued spawns while the CPU is over the limit and starts them when it recovers; spawn() returns at once', async () => {
    // The spinners fill every core (~100 %); 90 % leaves the release to anything the machine does
    // besides this test (a limit of 50 % never released on a machine busy with other work).
    const pm = newManager({ admission: { maxHostCpuPercent: 90, pollMs: 200 } });
    const load = newManager();
    const events: AdmissionEvent[] = [];
    pm.on('admission', (e) => events.push(e));
    // One spinner per core, whatever the machine has.
    const spinners = Array.from({ length: availableParallelism() }, () => load.spawn(fixture('spin.mjs')));
    await Promise.all(spinners.map((s) => firstLine(s, (l) => l === 'ready')));
    // Both cores busy: wait until the gate has measured it.
    await waitFor(() => (pm.admission?.load?.cpuPercent ?? 0) > 90, 'a CPU reading over 90 %');

    const held = pm.spawn({ command: 'true', label: 'held' });
    expect(held.state).toBe('queued');
    await waitFor(() => events.length > 0, 'the held event');
    expect(events[0]).toMatchObject({ held: true, waiting: 1 });
    expect(pm.admission?.holding).toBe(true);
    expect(held.state).toBe('queued');

    await Promise.all(spinners.map((s) => s.stop()));
    expect(await held.exited).toMatchObject({ state: 'completed' });
    expect(events.map((e) => e.held)).toEqual([true, false]);
    expect(events[1]).toMatchObject({ held: false, released: 1, heldMs: expect.any(Number) });
  });

  it('holds spawns while memory is over the limit', async () => {
    const base = newManager({ admission: { maxHostMemoryPercent: 100, pollMs: 100 } });
    await waitFor(() => base.admission?.load, 'a first reading');
    const limit = base.admission!.load!.memoryPercent + 4; // ~1 GiB of headroom on this host size
    await base.shutdown();
    const pm = newManager({ admission: { maxHostMemoryPercent: limit, pollMs: 100 } });
    const load = newManager();
    const leak = load.spawn(fixture('leak-memory.mjs'));
    await waitFor(() => (pm.admission?.load?.memoryPercent ?? 0) > limit, `memory over ${limit.toFixed(1)} %`, 30_000);

    const held = pm.spawn({ command: 'true' });
    await waitFor(() => pm.admission?.holding, 'the gate holding');
    expect(held.state).toBe('queued');
    await leak.stop();
    expect(await held.exited).toMatchObject({ state: 'completed' });
  });

  it('a process stopped while held never starts, and shutdown releases the gate', async () => {
    // The spinners fill every core (~100 %); 90 % leaves the release to anything the machine does
    // besides this test (a limit of 50 % never released on a machine busy with other work).
    const pm = newManager({ admission: { maxHostCpuPercent: 90, pollMs: 200 } });
    const load = newManager();
    // One spinner per core, whatever the machine has.
    const spinners = Array.from({ length: availableParallelism() }, () => load.spawn(fixture('spin.mjs')));
    await Promise.all(spinners.map((s) => firstLine(s, (l) => l === 'ready')));
    await waitFor(() => (pm.admission?.load?.cpuPercent ?? 0) > 90, 'a CPU reading over 90 %');
    const a = pm.spawn({ command: 'true' });
    const b = pm.spawn({ command: 'true' });
    await waitFor(() => pm.admission?.holding, 'the gate holding');
    expect(await a.stop()).toMatchObject({ state: 'stopped', reason: 'stop', startedAt: null });
    await pm.shutdown();
    expect(b.exit).toMatchObject({ state: 'stopped', reason: 'shutdown', startedAt: null });
  });

  it('refuses an admission without a limit', () => {
    expect(() => new ProcessManager({ admission: {} })).toThrow(/admission needs maxHostMemoryPercent or maxHostCpuPercent/);
    expect(() => new ProcessManager({ admission: { maxHostCpuPercent: 150 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
