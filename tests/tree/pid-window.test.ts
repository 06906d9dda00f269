import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forksBeforeSpawn, inWindow, pidWindow, windowFrom } from '../../src/tree/pid-window.js';
import { waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const forksNow = () => Number(/\nprocesses (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))![1]);

const newManager = useManager();

describe.runIf(process.platform === 'linux')('pid window', () => {
  it('admits every process created after the leader, and not the ones before it', async () => {
    const before = forksNow();
    const pm = newManager();
    const p = pm.spawn({ command: 'bash', args: ['-c', 'sleep 30 & setsid sleep 30 & echo "$!"; wait'] });
    const escaped = Number(await waitFor(() => /(\d+)\n/.exec(p.output.read().data.toString())?.[1], 'the setsid pid'));
    const w = pidWindow(p.pid!, before)!;
    const admits = (pid: number) => inWindow(w, pid);
    expect(w.first).toBe(p.pid);
    expect(admits(p.pid!)).toBe(true);
    expect(admits(escaped)).toBe(true);
    expect(admits(process.pid)).toBe(false); // created before the leader
    expect(admits(1)).toBe(false);
  });

  it('declines to narrow when allocation may have lapped the leader or no sample exists', () => {
    expect(pidWindow(process.pid, -1)).toBeUndefined();
    // The proof on given figures, not on this machine's history (how many forks it made since boot).
    const r = { leaderPid: 5000, forksBefore: 1000, forksNow: 1100, tasks: 200, last: 5100, pidMax: 32768 };
    expect(windowFrom(r)).toEqual({ first: 5000, last: 5100 });
    // Forks since the sample, plus tasks alive, reach pid_max: allocation may have gone round.
    expect(windowFrom({ ...r, forksNow: r.forksBefore + 32768 - 200 - 300 })).toBeUndefined();
    expect(windowFrom({ ...r, forksNow: r.forksBefore + 32768 - 200 - 301 })).toEqual({ first: 5000, last: 5100 });
    // Readings that cannot be right (a counter going back, nothing alive) prove nothing.
    expect(windowFrom({ ...r, forksNow: r.forksBefore - 1 })).toBeUndefined();
    expect(windowFrom({ ...r, tasks: 0 })).toBeUndefined();
    expect(windowFrom({ ...r, last: Number.NaN })).toBeUndefined();
  });

  it("samples the fork count in the background, never on the caller's path", async () => {
    const first = forksBeforeSpawn();
    const sampled = await waitFor(() => {
      const s = forksBeforeSpawn();
      return s >= 0 ? s : undefined;
    }, 'a fork-count sample');
    expect(sampled).toBeGreaterThanOrEqual(first);
    expect(sampled).toBeLessThanOrEqual(forksNow());
  });
});
