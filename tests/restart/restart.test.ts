import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManagedProcess, RestartScheduled, StateChange } from '../../src/index.js';
import { fixture, isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

const dir = mkdtempSync(join(tmpdir(), 'procward-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counters = 0;
/** A crash-after run whose runs are counted in a file of its own. */
function crasher(ms: number, env: Record<string, string> = {}, code = 1) {
  return { ...fixture('crash-after.mjs', ms, code), env: { CRASH_COUNTER: join(dir, `runs-${++counters}`), ...env } };
}
const quick = { initialMs: 10, factor: 2, maxMs: 100, jitter: 0 };

function record(p: ManagedProcess) {
  const states: string[] = [];
  const restarts: RestartScheduled[] = [];
  p.on('state', (c: StateChange) => states.push(`${c.to}:${c.reason}`));
  p.on('restart', (r) => restarts.push(r));
  return { states, restarts };
}

describe('restart policy on real processes', () => {
  it('restarts a crashing process under the same id until it stays up; the output marks each attempt', async () => {
    const pm = newManager();
    const managerRestarts: string[] = [];
    pm.on('restart', (p) => managerRestarts.push(p.id));
    const p = pm.spawn({ ...crasher(0, { CRASH_TIMES: '3' }), restart: 'on-failure', backoff: quick, label: 'svc' });
    const { states, restarts } = record(p);
    await waitFor(() => p.output.read().data.toString().includes('healthy'), 'the fourth run');
    expect(p.state).toBe('running');
    expect(p.info.restarts).toBe(3);
    expect(pm.list()).toHaveLength(1);
    expect(managerRestarts).toEqual([p.id, p.id, p.id]);
    expect(restarts.map((r) => [r.attempt, r.previous.attempt, r.previous.code, r.previous.reason])).toEqual([
      [1, 0, 1, 'exit'],
      [2, 1, 1, 'exit'],
      [3, 2, 1, 'exit'],
    ]);
    expect(states).toEqual([
      ...['running:spawned', 'backoff:exit', 'starting:restart'],
      ...['running:spawned', 'backoff:exit', 'starting:restart'],
      ...['running:spawned', 'backoff:exit', 'starting:restart'],
      'running:spawned',
    ]);
    // Each mark points at the first line its attempt wrote.
    const text = p.output.read().data;
    const marks = p.output.marks();
    expect(marks.map((m) => m.attempt)).toEqual([0, 1, 2, 3]);
    marks.forEach((m, i) => expect(text.subarray(m.offset).toString()).toMatch(new RegExp(`^run ${i} pid \\d+\\n`)));

    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop', restarts: 3 });
    expect(p.exit?.stderrTail).toContain('crashing with 1');
  });

  it('gives up on a crash loop: failed, reason crash-loop, after maxRestarts', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...crasher(0, {}, 3), restart: 'always', maxRestarts: 3, minUptimeMs: 60_000, backoff: quick });
    const { states, restarts } = record(p);
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'failed', reason: 'crash-loop', code: 3, restarts: 3 });
    expect(restarts.map((r) => r.failedStarts)).toEqual([1, 2, 3]);
    expect(restarts.map((r) => r.delayMs)).toEqual([10, 20, 40]);
    expect(states.at(-1)).toBe('failed:crash-loop');
    expect(states.filter((s) => s === 'backoff:exit')).toHaveLength(3);
  });

  it('counts a run that lived minUptimeMs as healthy: the backoff stays at its start', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...crasher(0), restart: 'on-failure', maxRestarts: 2, minUptimeMs: 0, backoff: quick });
    const { restarts } = record(p);
    expect(await p.exited).toMatchObject({ state: 'failed', reason: 'crash-loop' });
    expect(restarts.map((r) => [r.failedStarts, r.delayMs])).toEqual([
      [0, 10],
      [0, 10],
    ]);
  });

  it("on-failure leaves a clean exit alone; 'always' restarts it", async () => {
    const pm = newManager();
    const once = pm.spawn({ command: 'true', restart: 'on-failure', backoff: quick });
    expect(await once.exited).toMatchObject({ state: 'completed', reason: 'exit', restarts: 0 });

    const again = pm.spawn({ ...crasher(0, { CRASH_TIMES: '0', CRASH_THEN: 'exit0' }), restart: 'always', maxRestarts: 2, backoff: quick });
    expect(await again.exited).toMatchObject({ state: 'failed', reason: 'crash-loop', code: 0, restarts: 2 });
  });

  it('services restart on failure by default; commands do not', async () => {
    const pm = newManager();
    const service = pm.spawn({ ...crasher(0), type: 'service', maxRestarts: 1, backoff: quick });
    expect(await service.exited).toMatchObject({ state: 'failed', reason: 'crash-loop', restarts: 1 });
    const command = pm.spawn(crasher(0));
    expect(await command.exited).toMatchObject({ state: 'failed', reason: 'exit', restarts: 0 });
  });

  it('stop() during backoff cancels the restart at once', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...crasher(0), stdin: 'pipe', restart: 'on-failure', backoff: { initialMs: 600_000 } });
    const { states } = record(p);
    await waitFor(() => p.state === 'backoff', 'state backoff');
    await expect(p.write('x')).rejects.toMatchObject({ code: 'NOT_RUNNING', message: expect.stringContaining('waiting to restart') });
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop', code: 1, restarts: 0 });
    expect(states.slice(-2)).toEqual(['backoff:exit', 'stopped:stop']);
    expect(pm.liveCount).toBe(0);
  });

  it('a stop the host asked for never restarts: stop, kill, scope, timeout', async () => {
    const pm = newManager();
    const opts = { command: 'sleep', args: ['60'], restart: 'always' as const, backoff: quick };
    const stopped = pm.spawn(opts);
    const killed = pm.spawn(opts);
    const scoped = pm.spawn({ ...opts, scope: { kind: 'task', id: 't' } });
    const timed = pm.spawn({ ...opts, timeoutMs: 300 });
    await Promise.all([stopped.started, killed.started, scoped.started]);
    const exits = await Promise.all([stopped.stop(), killed.kill(), pm.stopScope({ kind: 'task', id: 't' }).then((e) => e[0]!), timed.exited]);
    expect(exits.map((e) => [e.state, e.reason, e.restarts])).toEqual([
      ['stopped', 'stop', 0],
      ['stopped', 'kill', 0],
      ['stopped', 'scope', 0],
      ['stopped', 'timeout', 0],
    ]);
  });

  it('the deadline spans every attempt: timeoutMs ends a process that keeps restarting', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...crasher(0), restart: 'on-failure', maxRestarts: 1000, minUptimeMs: 0, backoff: quick, timeoutMs: 1000 });
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'stopped', reason: 'timeout' });
    expect(exit.restarts).toBeGreaterThan(0);
  });

  it('a watchdog stop is a failure the policy restarts (idle), and the reason is reported', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'bash', args: ['-c', 'echo up; exec sleep 60'], idleTimeoutMs: 200, restart: 'on-failure', maxRestarts: 1, backoff: quick });
    const { restarts, states } = record(p);
    const exit = await p.exited;
    expect(restarts.map((r) => r.previous.reason)).toEqual(['idle']);
    expect(exit).toMatchObject({ state: 'failed', reason: 'crash-loop', restarts: 1 });
    expect(states).toContain('stopping:idle');
    expect(p.output.read().data.toString()).toBe('up\nup\n');
  });

  it('kills what a crashed attempt left behind before the next one starts', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...crasher(0, { CRASH_CHILD: '1', CRASH_TIMES: '1' }), restart: 'on-failure', backoff: quick });
    const leftBehind: number[] = [];
    const aliveAtRestart: boolean[] = [];
    p.on('orphans', (o) => leftBehind.push(...o.pids));
    p.on('state', (c) => {
      if (c.reason === 'restart') aliveAtRestart.push(...leftBehind.map(isAlive));
    });
    await waitFor(() => p.output.read().data.toString().includes('healthy'), 'the second run');
    expect(leftBehind).toHaveLength(1);
    expect(aliveAtRestart).toEqual([false]);
    const second = Number(/grandchild (\d+)\nrun 1/.exec(p.output.read().data.toString())![1]);
    expect(isAlive(second)).toBe(true);
    await p.stop();
    expect(isAlive(second)).toBe(false);
  });

  it('restarts a terminal process too, with lines and stdin of each attempt its own', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'bash', args: ['-c', 'read -r x; echo "got $x"; exit 2'], pty: true, restart: 'on-failure', maxRestarts: 1, backoff: quick });
    const lines: string[] = [];
    p.on('line', (l) => lines.push(l.text));
    await p.started;
    await p.write('one\r');
    await waitFor(() => p.state === 'running' && p.info.restarts === 1, 'the second attempt running');
    await p.write('two\r');
    expect(await p.exited).toMatchObject({ state: 'failed', reason: 'crash-loop', code: 2 });
    expect(lines.filter((l) => l.startsWith('got'))).toEqual(['got one', 'got two']);
  });

  it('refuses restart options that would do nothing, and a backoff that starts above its cap', () => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', maxRestarts: 3 })).toThrow(/maxRestarts needs restart/);
    expect(() => pm.spawn({ command: 'true', restart: 'never', backoff: { initialMs: 5 } })).toThrow(/backoff needs restart/);
    expect(() => pm.spawn({ command: 'true', restart: 'always', backoff: { initialMs: 5000, maxMs: 100 } })).toThrow(/initialMs must not exceed/);
    expect(() => pm.spawn({ command: 'true', restart: 'sometimes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

describe('restart after a memory limit', () => {
  it('a tree over maxMemoryBytes is stopped (memory-limit) and started again, like a leaking service should be', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('leak-memory.mjs'), maxMemoryBytes: 200 * 1024 * 1024, metrics: { intervalMs: 100 }, restart: 'on-failure', maxRestarts: 1, backoff: quick });
    const { restarts } = record(p);
    const exit = await p.exited;
    expect(restarts.map((r) => r.previous.reason)).toEqual(['memory-limit']);
    expect(exit).toMatchObject({ state: 'failed', reason: 'crash-loop', restarts: 1 });
    expect(p.output.read().data.toString()).toBe('ready\nready\n');
  });
});
