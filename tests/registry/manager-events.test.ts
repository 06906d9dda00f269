import { describe, expect, it } from 'vitest';
import type { ManagedProcess, OutputLine } from '../../src/index.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

describe('every process event reaches the manager as (process, payload)', () => {
  it('idle', async () => {
    const pm = newManager();
    const heard: [ManagedProcess, unknown][] = [];
    pm.on('idle', (p, idle) => heard.push([p, idle]));
    const p = pm.spawn({ command: 'sleep', args: ['30'], idleTimeoutMs: 50, onIdle: 'event' });
    const own = await p.waitFor('idle', undefined, { timeoutMs: 10_000 });
    expect(heard).toEqual([[p, own]]);
    expect(own).toMatchObject({ action: 'event' });
    await p.stop({ graceMs: 100 });
  });

  it('cpu-high', async () => {
    const pm = newManager();
    const heard: [ManagedProcess, unknown][] = [];
    pm.on('cpu-high', (p, high) => heard.push([p, high]));
    const p = pm.spawn({ command: process.execPath, args: [fixture('spin.mjs')], maxCpuPercent: 5, cpuWindowMs: 200, metrics: { intervalMs: 50 } });
    const own = await p.waitFor('cpu-high', undefined, { timeoutMs: 30_000 });
    expect(heard).toEqual([[p, own]]);
    await p.stop({ graceMs: 100 });
  });

  it('line, split only while someone listens (here: only the manager)', async () => {
    const pm = newManager();
    const lines: [string, OutputLine][] = [];
    pm.on('line', (p, line) => lines.push([p.id, line]));
    const p = pm.spawn({ command: 'printf', args: ['one\\ntwo'] });
    await p.exited;
    expect(lines).toEqual([
      [p.id, { stream: 'stdout', text: 'one', partial: false }],
      [p.id, { stream: 'stdout', text: 'two', partial: false }],
    ]);
  });

  it('restart', async () => {
    const pm = newManager();
    const restarts: unknown[] = [];
    pm.on('restart', (p, r) => restarts.push([p.id, r]));
    const p = pm.spawn({ command: 'false', restart: 'on-failure', maxRestarts: 1, backoff: { initialMs: 10 } });
    const exit = await p.exited;
    expect(exit.reason).toBe('crash-loop');
    expect(restarts).toEqual([[p.id, expect.objectContaining({ attempt: 1, previous: expect.objectContaining({ code: 1 }) })]]);
  });
});
