import { describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../src/index.js';
import { LimitReachedError, NotFoundError, ShuttingDownError } from '../../src/errors/procward-error.js';
import { fixture, isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('registry', () => {
  it('maxConcurrent queues spawns and never runs more than the limit', async () => {
    const pm = newManager({ maxConcurrent: 2 });
    let running = 0;
    let peak = 0;
    pm.on('state', (_p, c) => {
      if (c.to === 'starting') peak = Math.max(peak, ++running);
      if (c.to === 'completed' || c.to === 'failed' || c.to === 'stopped') running--;
    });
    const ps = Array.from({ length: 6 }, (_, i) => pm.spawn({ command: 'sh', args: ['-c', `echo ${i}`] }));
    expect(ps.map((p) => p.state)).toEqual(['starting', 'starting', 'queued', 'queued', 'queued', 'queued']);
    const exits = await Promise.all(ps.map((p) => p.exited));
    expect(exits.every((e) => e.state === 'completed')).toBe(true);
    expect(peak).toBe(2);
    expect(ps.map((p) => p.output.read().data.toString())).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);
  });

  it('a queued process can be stopped before it starts', async () => {
    const pm = newManager({ maxConcurrent: 1 });
    const a = pm.spawn({ command: 'sleep', args: ['30'] });
    const b = pm.spawn({ command: 'sleep', args: ['30'] });
    expect(b.state).toBe('queued');
    expect(await b.stop()).toMatchObject({ state: 'stopped', reason: 'stop', startedAt: null });
    expect(b.pid).toBeUndefined();
    await a.stop();
  });

  it('maxProcesses refuses with LIMIT_REACHED and accepts again once one ends', async () => {
    const pm = newManager({ maxProcesses: 2 });
    const a = pm.spawn({ command: 'sleep', args: ['30'] });
    pm.spawn({ command: 'sleep', args: ['30'] });
    expect(() => pm.spawn({ command: 'true' })).toThrow(LimitReachedError);
    try {
      pm.spawn({ command: 'true' });
    } catch (err) {
      expect((err as LimitReachedError).code).toBe('LIMIT_REACHED');
      expect((err as Error).message).toContain('maxProcesses (2)');
    }
    await a.stop();
    expect(pm.spawn({ command: 'true' })).toBeDefined();
  });

  it('retainExited keeps the last N exited processes with their output and removes older ones', async () => {
    const pm = newManager({ retainExited: 2 });
    const removed: string[] = [];
    pm.on('remove', (p) => removed.push(p.id));
    const ps: ManagedProcess[] = [];
    for (let i = 0; i < 4; i++) {
      const p = pm.spawn({ command: 'echo', args: [`run ${i}`] });
      ps.push(p);
      await p.exited;
    }
    expect(removed).toEqual([ps[0]!.id, ps[1]!.id]);
    expect(pm.get(ps[0]!.id)).toBeUndefined();
    expect(pm.get(ps[3]!.id)?.output.read().data.toString()).toBe('run 3\n');
    expect(pm.list().map((p) => p.id)).toEqual([ps[2]!.id, ps[3]!.id]);
    expect(pm.remove(ps[2]!.id)).toBe(true);
    expect(pm.list()).toHaveLength(1);
  });

  it('lists by state, scope, type and label', async () => {
    const pm = newManager();
    const a = pm.spawn({ command: 'sleep', args: ['30'], label: 'a', type: 'service', scope: { kind: 'task', id: 't1' } });
    const b = pm.spawn({ command: 'sleep', args: ['30'], label: 'b', scope: { kind: 'task', id: 't2' } });
    const c = pm.spawn({ command: 'true', label: 'c', scope: { kind: 'project', id: 'p' } });
    await Promise.all([a.started, b.started, c.exited]);
    const ids = (ps: ManagedProcess[]) => ps.map((p) => p.label);
    expect(ids(pm.list({ state: 'running' }))).toEqual(['a', 'b']);
    expect(ids(pm.list({ state: ['running', 'completed'] }))).toEqual(['a', 'b', 'c']);
    expect(ids(pm.list({ scope: { kind: 'task' } }))).toEqual(['a', 'b']);
    expect(ids(pm.list({ scope: { kind: 'task', id: 't2' } }))).toEqual(['b']);
    expect(ids(pm.list({ type: 'service' }))).toEqual(['a']);
    expect(ids(pm.list({ label: 'c' }))).toEqual(['c']);
    expect(() => pm.list({ type: 'daemon' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });

  it('stopScope stops every live process of a scope and nothing else', async () => {
    const pm = newManager({ stop: { graceMs: 200 } });
    const inScope = [pm.spawn({ ...fixture('fork-tree.mjs'), scope: { kind: 'mission', id: 'm1' } }), pm.spawn({ command: 'sleep', args: ['30'], scope: { kind: 'mission', id: 'm1' } })];
    const other = pm.spawn({ command: 'sleep', args: ['30'], scope: { kind: 'mission', id: 'm2' } });
    await Promise.all([...inScope, other].map((p) => p.started));
    const exits = await pm.stopScope({ kind: 'mission', id: 'm1' });
    expect(exits.map((e) => [e.state, e.reason])).toEqual([
      ['stopped', 'scope'],
      ['stopped', 'scope'],
    ]);
    expect(other.state).toBe('running');
  });

  it('stop(id) stops one; an unknown id rejects with NOT_FOUND', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await p.started;
    expect((await pm.stop(p.id)).state).toBe('stopped');
    const err = await pm.stop('nope').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('"nope"');
  });

  it('stopAll and shutdown leave nothing running; shutdown refuses new spawns', async () => {
    const pm = newManager({ maxConcurrent: 2, stop: { graceMs: 200 } });
    const ps = [pm.spawn(fixture('fork-tree.mjs')), pm.spawn({ command: 'sleep', args: ['30'] }), pm.spawn({ command: 'sleep', args: ['30'] })];
    const tree = await waitFor(() => {
      const line = ps[0]!.output
        .read()
        .data.toString()
        .split('\n')
        .find((l) => l.startsWith('{'));
      return line && (JSON.parse(line) as Record<string, number>);
    }, 'the fork tree');
    expect(ps[2]!.state).toBe('queued');
    await pm.shutdown();
    expect(() => pm.spawn({ command: 'true' })).toThrow(ShuttingDownError);
    expect(ps.map((p) => p.state)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(ps.map((p) => p.exit!.reason)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    for (const pid of Object.values(tree)) expect(isAlive(pid)).toBe(false);
    expect(pm.liveCount).toBe(0);
    await pm.shutdown(); // idempotent
  });

  it('stopAll stops everything with reason stop', async () => {
    const pm = newManager();
    const ps = [pm.spawn({ command: 'sleep', args: ['30'] }), pm.spawn({ command: 'sleep', args: ['30'] })];
    await Promise.all(ps.map((p) => p.started));
    const exits = await pm.stopAll();
    expect(exits.map((e) => e.reason)).toEqual(['stop', 'stop']);
    expect(ps.every((p) => !isAlive(p.pid!))).toBe(true);
  });
});

describe('queue priorities', () => {
  it('starts queued processes by priority, first come first within one', async () => {
    const pm = newManager({ maxConcurrent: 1 });
    const blocker = pm.spawn({ command: 'sleep', args: ['60'] });
    await blocker.started;
    const order: string[] = [];
    for (const [label, priority] of [
      ['low', -1],
      ['normal-1', 0],
      ['high', 5],
      ['normal-2', undefined],
      ['urgent', 10],
    ] as const) {
      const p = pm.spawn({ command: 'true', label, priority });
      p.on('state', (c) => c.to === 'starting' && order.push(label));
    }
    await blocker.stop();
    await waitFor(() => order.length === 5, 'every queued process started');
    expect(order).toEqual(['urgent', 'high', 'normal-1', 'normal-2', 'low']);
  });
});
