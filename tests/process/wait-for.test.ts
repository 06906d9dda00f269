import { describe, expect, it } from 'vitest';
import { isProcwardError } from '../../src/index.js';
import { WaitFailedError } from '../../src/errors/wait-failed-error.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();
const node = process.execPath;
const script = (code: string) => ({ command: node, args: ['-e', code] });

describe('p.waitFor', () => {
  it('resolves with the payload of the first event the predicate accepts', async () => {
    const pm = newManager();
    const p = pm.spawn(script('setTimeout(() => {}, 200)'));
    const change = await p.waitFor('state', (c) => c.to === 'running', { timeoutMs: 10_000 });
    expect(change).toMatchObject({ from: 'starting', to: 'running', reason: 'spawned' });
    await p.stop();
  });

  it('rejects with WAIT_FAILED (exited) when the process ends first, carrying the exit record', async () => {
    const pm = newManager();
    const p = pm.spawn(script('process.exit(3)'));
    const err = await p.waitFor('output').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitFailedError);
    expect(isProcwardError(err, 'WAIT_FAILED')).toBe(true);
    expect((err as WaitFailedError).reason).toBe('exited');
    expect((err as WaitFailedError).exit).toMatchObject({ state: 'failed', code: 3 });
    expect((err as Error).message).toMatch(/ended first \(failed, reason exit, code 3\)/);
  });

  it("waitFor('exit') resolves with the exit record, also after the end", async () => {
    const pm = newManager();
    const p = pm.spawn(script(''));
    const exit = await p.waitFor('exit');
    expect(exit.state).toBe('completed');
    await expect(p.waitFor('exit')).resolves.toBe(p.exit);
  });

  it('rejects on timeoutMs and on an aborted signal, and leaves no listener behind', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    const before = p.listenerCount('exit') + p.listenerCount('metrics');
    await expect(p.waitFor('metrics', undefined, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'WAIT_FAILED', reason: 'timeout' });
    const ac = new AbortController();
    const waiting = p.waitFor('metrics', undefined, { signal: ac.signal });
    ac.abort(new Error('user gave up'));
    const err = (await waiting.catch((e: unknown) => e)) as WaitFailedError;
    expect(err.reason).toBe('aborted');
    expect((err.cause as Error).message).toBe('user gave up');
    await expect(p.waitFor('state', undefined, { signal: AbortSignal.abort() })).rejects.toMatchObject({ reason: 'aborted' });
    expect(p.listenerCount('exit') + p.listenerCount('metrics')).toBe(before);
    await p.stop({ graceMs: 100 });
  });

  it('rejects bad options and a throwing predicate, never throwing synchronously', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    const bad = p.waitFor('state', undefined, { timeoutMs: -1 } as never);
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(p.waitFor('state', undefined, { nope: 1 } as never)).rejects.toThrow(/nope/);
    const thrown = p.waitFor('state', () => {
      throw new Error('predicate bug');
    });
    await p.stop({ graceMs: 100 });
    await expect(thrown).rejects.toThrow('predicate bug');
  });
});

describe('a wait that could never end is refused', () => {
  it('an unknown event, a predicate that is no function, a pattern that is neither RegExp nor string: INVALID_OPTIONS', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await expect(p.waitFor('exited' as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('a process emits state, output, line, exit') });
    await expect(p.waitFor('state', 'running' as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('expected a function') });
    await expect(p.waitForOutput({ source: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('got object') });
    await p.stop({ graceMs: 100 });
  });
});

describe('p.waitForOutput', () => {
  it('matches across chunk boundaries and returns the match with its groups', async () => {
    const pm = newManager();
    // The line arrives in pieces far enough apart that they are separate chunks.
    const p = pm.spawn(script(`const w = (s, t) => setTimeout(() => process.stdout.write(s), t); w('listening on', 0); w(' port 4', 40); w('321\\n', 80); setTimeout(() => {}, 300)`));
    const m = await p.waitForOutput(/port (\d+)\n/, { timeoutMs: 10_000 });
    expect(m[1]).toBe('4321');
    await p.stop();
  });

  it('finds output written before the wait began (what the buffer holds), and a string literally', async () => {
    const pm = newManager();
    const p = pm.spawn(script(`console.log('ready? (yes)'); setTimeout(() => {}, 300)`));
    await p.waitFor('output');
    const m = await p.waitForOutput('ready? (yes)');
    expect(m[0]).toBe('ready? (yes)');
    // since: p.output.end waits for output still to come: none comes, the process ends.
    await expect(p.waitForOutput('ready', { since: p.output.end })).rejects.toMatchObject({ reason: 'exited' });
  });

  it('keeps to one stream when asked, and rejects when the process ends without a match', async () => {
    const pm = newManager();
    const p = pm.spawn(script(`console.log('token'); console.error('other')`));
    const onStderr = p.waitForOutput('token', { stream: 'stderr' });
    await expect(onStderr).rejects.toMatchObject({ code: 'WAIT_FAILED', reason: 'exited' });
    await expect(p.waitForOutput('token', { stream: 'stdout' })).resolves.toBeTruthy();
  });

  it('ignores the lastIndex of a global RegExp and refuses a pattern that is neither', async () => {
    const pm = newManager();
    const p = pm.spawn(script(`console.log('a1 a2')`));
    const re = /a(\d)/g;
    re.lastIndex = 4;
    expect((await p.waitForOutput(re))[1]).toBe('1');
    await expect(p.waitForOutput(42 as never)).rejects.toThrow(/RegExp or a string/);
  });
});
