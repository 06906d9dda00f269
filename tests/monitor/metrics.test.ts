import { describe, expect, it } from 'vitest';
import type { CpuHigh, ManagedProcess, ProcessMetrics } from '../../src/index.js';
import { firstLine, fixture, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

function samples(p: ManagedProcess): ProcessMetrics[] {
  const out: ProcessMetrics[] = [];
  p.on('metrics', (m) => out.push(m));
  return out;
}

const MiB = 1024 * 1024;

describe('metrics', () => {
  it('samples the whole tree: members, commands, memory, descendants', async () => {
    const pm = newManager({ stop: { graceMs: 200 } });
    const p = pm.spawn({ ...fixture('fork-tree.mjs'), metrics: { intervalMs: 100 } });
    const seen = samples(p);
    const pids = JSON.parse(await firstLine(p, (l) => l.startsWith('{'))) as { leader: number; stubborn: number; escaped: number };
    const m = await waitFor(() => seen.find((s) => s.descendants >= 2), 'a sample with both grandchildren');
    expect(m.tree.map((t) => t.pid)).toEqual(expect.arrayContaining([pids.leader, pids.stubborn, pids.escaped]));
    expect(m.tree.find((t) => t.pid === pids.leader)!.command).toContain('fork-tree.mjs');
    expect(m.tree.find((t) => t.pid === pids.escaped)!.ppid).toBe(pids.leader);
    // Three Node processes: each holds well over 10 MiB resident.
    expect(m.memoryBytes).toBeGreaterThan(30 * MiB);
    expect(m.memoryBytes).toBe(m.tree.reduce((n, t) => n + t.memoryBytes, 0));
    expect(p.metrics()).toBe(seen.at(-1));
  });

  it('measures CPU between samples: a spinning process is busy, sleep is not', async () => {
    const pm = newManager();
    const spin = pm.spawn({ ...fixture('spin.mjs'), metrics: { intervalMs: 100 } });
    const idle = pm.spawn({ command: 'sleep', args: ['60'], metrics: { intervalMs: 100 } });
    const spinSamples = samples(spin);
    const idleSamples = samples(idle);
    await waitFor(() => spinSamples.some((s) => (s.cpuPercent ?? 0) > 20), 'a busy sample of the spinner');
    await waitFor(() => idleSamples.filter((s) => s.cpuPercent !== null).length >= 3, 'three samples of sleep');
    expect(Math.max(...idleSamples.map((s) => s.cpuPercent ?? 0))).toBeLessThan(5);
    expect(spinSamples[0]!.cpuPercent).toBeNull(); // CPU use needs two samples
  });

  it('metrics() samples on demand a process that is not sampled periodically', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['60'] });
    const seen = samples(p);
    await waitFor(() => p.state === 'running', 'sleep to run');
    const m = p.metrics()!;
    expect(m).toMatchObject({ cpuPercent: null, descendants: 0, tree: [expect.objectContaining({ pid: p.pid, command: 'sleep 60' })] });
    expect(m.memoryBytes).toBeGreaterThan(0);
    expect(seen).toEqual([m]); // the sample is also an event, and no timer was started
  });

  it('stops a tree that grows past maxMemoryBytes, with reason memory-limit', async () => {
    const pm = newManager({ stop: { graceMs: 1000 } });
    const p = pm.spawn({ ...fixture('leak-memory.mjs'), maxMemoryBytes: 200 * MiB, metrics: { intervalMs: 100 } });
    const seen = samples(p);
    let overBeforeStop = -1;
    p.on('state', (c) => {
      if (c.to === 'stopping') overBeforeStop = seen.filter((s) => s.memoryBytes > 200 * MiB).length;
    });
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'stopped', reason: 'memory-limit' });
    expect(overBeforeStop).toBe(1); // acted on the first sample over the limit
  });

  it('raises cpu-high once when the tree stays above maxCpuPercent for cpuWindowMs', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('spin.mjs'), maxCpuPercent: 20, cpuWindowMs: 300, metrics: { intervalMs: 100 } });
    const highs: CpuHigh[] = [];
    p.on('cpu-high', (h) => highs.push(h));
    const seen = samples(p);
    await waitFor(() => highs.length > 0, 'cpu-high');
    expect(highs[0]!.cpuPercent).toBeGreaterThan(20);
    expect(highs[0]!.forMs).toBeGreaterThanOrEqual(300);
    expect(highs[0]!.limit).toBe(20);
    const after = seen.length;
    await waitFor(() => seen.length >= after + 3, 'three more samples');
    // Raised once per episode: still spinning, no second event (unless a sample dipped below the limit).
    if (seen.slice(after).every((s) => (s.cpuPercent ?? 0) > 20)) expect(highs).toHaveLength(1);
    expect(p.state).toBe('running'); // an event, not a stop
  });

  it('pm.metrics() totals live trees, overall and per scope', async () => {
    const pm = newManager();
    const a1 = pm.spawn({ command: 'sleep', args: ['60'], scope: { kind: 'task', id: 'A' } });
    const a2 = pm.spawn({ command: 'sleep', args: ['60'], scope: { kind: 'task', id: 'A' } });
    const b = pm.spawn({ command: 'sleep', args: ['60'], scope: { kind: 'task', id: 'B' } });
    await waitFor(() => [a1, a2, b].every((p) => p.state === 'running'), 'all three to run');
    const m = pm.metrics();
    expect(m.total.processes).toBe(3);
    expect(m.byScope['task:A']!.processes).toBe(2);
    expect(m.byScope['task:B']!.processes).toBe(1);
    expect(m.total.memoryBytes).toBe(m.byScope['task:A']!.memoryBytes + m.byScope['task:B']!.memoryBytes);
  });

  it.each([
    [{ metrics: { intervalMs: 10 } }, 'at least 50 ms'],
    [{ maxMemoryBytes: -1 }, 'maxMemoryBytes'],
    [{ maxCpuPercent: 0 }, 'maxCpuPercent'],
    // Options that would silently do nothing.
    [{ cpuWindowMs: 1000 }, 'cpuWindowMs needs maxCpuPercent'],
    [{ metrics: false, maxMemoryBytes: 1 << 30 }, 'leave metrics on'],
  ])('rejects %j with INVALID_OPTIONS', (bad, message) => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', ...(bad as object) })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(message) }));
  });
});
