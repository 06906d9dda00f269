import { describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('a burst of spawns without maxConcurrent', () => {
  it('starts what fits in the turn, the rest in the turns after, in order, every one of them', async () => {
    const pm = newManager();
    // 60 spawns take well over the 25 ms a turn may spend on them (each blocks until its child exec'd).
    const ps = Array.from({ length: 60 }, () => pm.spawn({ command: 'sleep', args: ['30'] }));
    const startedNow = ps.filter((p) => p.state !== 'queued').length;
    expect(startedNow).toBeGreaterThan(0); // the first ones start at once
    expect(startedNow).toBeLessThan(ps.length);
    const order: number[] = [];
    ps.forEach((p, i) => p.once('state', () => order.push(i)));
    await Promise.all(ps.map((p) => p.started));
    for (const p of ps) expect(isAlive(p.pid!)).toBe(true);
    // Held-back spawns leave in the order they came.
    const later = order.filter((i) => i >= startedNow);
    expect(later).toEqual([...later].sort((a, b) => a - b));
  });

  it('a held-back spawn that is stopped before its turn never starts', async () => {
    const pm = newManager();
    const ps = Array.from({ length: 60 }, () => pm.spawn({ command: 'sleep', args: ['30'] }));
    const last = ps.at(-1)!;
    expect(last.state).toBe('queued');
    const exit = await last.stop();
    expect(last.pid).toBeUndefined();
    expect(exit.state).toBe('stopped');
    await Promise.all(ps.slice(0, -1).map((p) => p.started));
  });
});
