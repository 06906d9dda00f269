import { describe, expect, it, vi } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import { StopFailedError } from '../../src/errors/procward-error.js';
import { ProcessTree } from '../../src/tree/process-tree.js';
import { firstLine, fixture, isAlive, stat, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager({ beforeShutdown: () => vi.restoreAllMocks() });

async function treeReady(p: ReturnType<ProcessManager['spawn']>) {
  const line = await firstLine(p, (l) => l.startsWith('{'));
  return JSON.parse(line) as { leader: number; stubborn: number; escaped: number };
}

describe('stop', () => {
  it('escalates to SIGKILL over the whole tree, setsid grandchild included', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('fork-tree.mjs'));
    const pids = await treeReady(p);
    expect(stat(pids.escaped)!.sid).toBe(pids.escaped); // it really left the session
    expect(stat(pids.stubborn)!.pgid).toBe(pids.leader);

    const exit = await p.stop({ graceMs: 300 });
    for (const pid of [pids.leader, pids.stubborn, pids.escaped]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop', signal: 'SIGKILL', survivors: [] });
    expect(p.state).toBe('stopped');
  });

  it('sends the first signal exactly once to each process (a second SIGINT often means "quit now")', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('ignore-term.mjs'));
    await firstLine(p, (l) => l.startsWith('ready'));
    await p.stop({ graceMs: 300 });
    const got = p.output
      .read()
      .data.toString()
      .split('\n')
      .filter((l) => l === 'got SIGTERM');
    expect(got).toHaveLength(1);
  });

  it('a cooperative child ends on the first signal, with no SIGKILL', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await p.started;
    const exit = await p.stop({ graceMs: 10_000 });
    expect(exit).toMatchObject({ state: 'stopped', signal: 'SIGTERM', reason: 'stop' });
  });

  it('uses the configured signal first', async () => {
    const pm = newManager({ stop: { signal: 'SIGINT', graceMs: 10_000 } });
    const p = pm.spawn({ command: 'bash', args: ['-c', 'trap "echo got-int; exit 7" INT; echo ready; while :; do sleep 0.05; done'] });
    await firstLine(p, (l) => l === 'ready');
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop', code: 7, signal: null });
    expect(p.output.read().data.toString()).toContain('got-int');
  });

  it('kill() SIGKILLs the tree at once, and cuts short a stop in its grace period', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('fork-tree.mjs'));
    const pids = await treeReady(p);
    const stopping = p.stop({ graceMs: 60_000 });
    await waitFor(() => p.state === 'stopping', 'stopping');
    const exit = await p.kill();
    expect(await stopping).toBe(exit);
    expect(exit.signal).toBe('SIGKILL');
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('stop() twice returns the same outcome; stop() after exit returns the exit', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await p.started;
    const [a, b] = await Promise.all([p.stop(), p.stop()]);
    expect(a).toBe(b);
    expect(await p.stop()).toBe(a);
  });

  it('never says stopped while a member lives: survivors reject with STOP_FAILED', async () => {
    const pm = newManager({ killTimeoutMs: 200 });
    const p = pm.spawn(fixture('fork-tree.mjs'));
    const pids = await treeReady(p);
    // Nothing real outlives SIGKILL as root, so the tree is told one member never dies (a D-state process).
    const real = ProcessTree.prototype.isAlive;
    vi.spyOn(ProcessTree.prototype, 'isAlive').mockImplementation(function (this: ProcessTree, m) {
      return m.pid === pids.stubborn ? true : real.call(this, m);
    });
    const err = (await p.stop({ graceMs: 50 }).catch((e) => e)) as StopFailedError;
    expect(err).toBeInstanceOf(StopFailedError);
    expect(err.code).toBe('STOP_FAILED');
    expect(err.survivors.map((s) => s.pid)).toEqual([pids.stubborn]);
    expect(err.message).toContain(String(pids.stubborn));
    const exit = await p.exited;
    expect(exit.state).toBe('failed');
    expect(exit.survivors.map((s) => s.pid)).toEqual([pids.stubborn]);
  });
});

describe('pause and resume', () => {
  it('SIGSTOPs and SIGCONTs the whole tree', async () => {
    const pm = newManager({ stop: { graceMs: 100 } });
    const p = pm.spawn(fixture('fork-tree.mjs'));
    const pids = await treeReady(p);
    p.pause();
    expect(p.state).toBe('paused');
    await waitFor(() => Object.values(pids).every((pid) => stat(pid)?.state === 'T'), 'every member stopped');
    p.resume();
    expect(p.state).toBe('running');
    await waitFor(() => Object.values(pids).every((pid) => stat(pid)?.state !== 'T'), 'every member continued');
    expect(() => p.resume()).toThrow(expect.objectContaining({ code: 'NOT_RUNNING' }));
  });

  it('a paused tree can still be stopped', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await p.started;
    p.pause();
    const exit = await p.stop({ graceMs: 5000 });
    expect(exit.state).toBe('stopped');
    expect(isAlive(p.pid!)).toBe(false);
  });
});

describe('timeout and abort', () => {
  it('timeoutMs stops the tree with reason timeout', async () => {
    const pm = newManager({ stop: { graceMs: 100 } });
    const p = pm.spawn({ ...fixture('fork-tree.mjs'), timeoutMs: 1500 });
    const pids = await treeReady(p);
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'stopped', reason: 'timeout' });
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('an aborted signal stops the tree with reason abort', async () => {
    const pm = newManager({ stop: { graceMs: 100 } });
    const ac = new AbortController();
    const p = pm.spawn({ ...fixture('fork-tree.mjs'), signal: ac.signal });
    const pids = await treeReady(p);
    ac.abort();
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'stopped', reason: 'abort' });
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  });

  it('an already-aborted signal never starts the process', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'], signal: AbortSignal.abort() });
    expect(await p.exited).toMatchObject({ state: 'stopped', reason: 'abort', startedAt: null });
    expect(p.pid).toBeUndefined();
    await expect(p.started).rejects.toMatchObject({ code: 'NOT_RUNNING' });
  });
});
