import { describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../src/index.js';
import { firstLine, fixture, isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

const lines = (p: ManagedProcess) => p.output.read().data.toString().split('\n').filter(Boolean);

async function ready(p: ManagedProcess) {
  const pids = JSON.parse(await firstLine(p, (l) => l.startsWith('{'))) as { leader: number; child: number; escaped: number };
  await waitFor(() => lines(p).includes('child ready') && lines(p).includes('escaped ready'), 'both children ready');
  return pids;
}

// Generous first grace periods: a test that waited them out would time out instead of passing.
const LONG = 60_000;

describe('stop sequences', () => {
  it('runs each step in turn over the tree, then SIGKILL, sending each signal once', async () => {
    const pm = newManager();
    const p = pm.spawn({
      ...fixture('signal-steps.mjs', 'none'),
      stop: {
        sequence: [
          { signal: 'SIGINT', graceMs: 300 },
          { signal: 'SIGHUP', graceMs: 300 },
        ],
      },
    });
    const pids = await ready(p);
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', signal: 'SIGKILL', survivors: [] });
    for (const role of ['leader', 'child', 'escaped']) {
      const got = lines(p).filter((l) => l.startsWith(`${role} got`));
      expect(got, role).toEqual([`${role} got SIGINT`, `${role} got SIGHUP`]);
    }
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('a leader-only step reaches the leader alone, as a Ctrl-C would', async () => {
    const pm = newManager();
    const p = pm.spawn({
      ...fixture('signal-steps.mjs', 'SIGTERM'),
      stop: {
        sequence: [
          { signal: 'SIGINT', graceMs: 300, target: 'leader' },
          { signal: 'SIGTERM', graceMs: LONG },
        ],
      },
    });
    const pids = await ready(p);
    const exit = await p.stop();
    // Everyone exited on SIGTERM, so SIGKILL was never needed.
    expect(exit).toMatchObject({ state: 'stopped', code: 0, signal: null });
    expect(lines(p).filter((l) => l.includes(' got '))).toEqual(expect.arrayContaining(['leader got SIGINT', 'leader got SIGTERM', 'child got SIGTERM', 'escaped got SIGTERM']));
    expect(lines(p).some((l) => l === 'child got SIGINT' || l === 'escaped got SIGINT')).toBe(false);
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('moves on at once when the leader obeys a leader-only signal but leaves processes behind', async () => {
    const pm = newManager();
    // The leader exits on SIGINT; its children only on SIGTERM. Waiting out the first grace would time the test out.
    const p = pm.spawn({
      ...fixture('signal-steps.mjs', 'SIGINT', 'SIGTERM'),
      stop: {
        sequence: [
          { signal: 'SIGINT', graceMs: LONG, target: 'leader' },
          { signal: 'SIGTERM', graceMs: LONG },
        ],
      },
    });
    const pids = await ready(p);
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', code: 0, survivors: [] });
    expect(lines(p)).toEqual(expect.arrayContaining(['leader got SIGINT', 'child got SIGTERM', 'escaped got SIGTERM']));
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('kill() during a sequence goes straight to SIGKILL', async () => {
    const pm = newManager();
    const p = pm.spawn({
      ...fixture('signal-steps.mjs', 'none'),
      stop: {
        sequence: [
          { signal: 'SIGINT', graceMs: LONG },
          { signal: 'SIGTERM', graceMs: LONG },
        ],
      },
    });
    const pids = await ready(p);
    const stopping = p.stop();
    await waitFor(() => lines(p).includes('leader got SIGINT'), 'the first step');
    await p.kill();
    expect(await stopping).toMatchObject({ state: 'stopped', signal: 'SIGKILL' });
    expect(lines(p)).not.toContain('leader got SIGTERM');
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('spawns inherit the manager sequence; signal/graceMs on stop() make a one-step sequence', async () => {
    const pm = newManager({ stop: { sequence: [{ signal: 'SIGHUP', graceMs: LONG }] } });
    const a = pm.spawn(fixture('signal-steps.mjs', 'SIGHUP'));
    await ready(a);
    expect(await a.stop()).toMatchObject({ code: 0, signal: null });
    expect(lines(a)).toContain('leader got SIGHUP');

    const b = pm.spawn(fixture('signal-steps.mjs', 'SIGINT'));
    await ready(b);
    // graceMs alone keeps the inherited first signal (SIGHUP, ignored here), so SIGKILL ends it.
    expect(await b.stop({ graceMs: 100 })).toMatchObject({ signal: 'SIGKILL' });
    expect(lines(b)).toContain('leader got SIGHUP');
    expect(lines(b)).not.toContain('leader got SIGINT');
  });

  it.each([
    [{ sequence: [] }, 'sequence needs at least one step'],
    [{ sequence: [{ signal: 'SIGINT', graceMs: 10 }], graceMs: 5 }, 'not both'],
    [{ sequence: [{ signal: 'SIGNOPE', graceMs: 10 }] }, 'unknown signal'],
    [{ sequence: [{ signal: 'SIGINT', graceMs: 10, target: 'group' }] }, 'target'],
  ])('rejects a bad sequence %j with INVALID_OPTIONS', (stop, message) => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', stop: stop as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(message) }));
  });
});
