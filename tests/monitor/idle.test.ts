import { describe, expect, it } from 'vitest';
import { AgentStoppedError } from '../../src/agents/agent-errors.js';
import { fake } from '../helpers/fake-agent.js';
import { waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('idle watchdog', () => {
  it('stops a process that goes silent, with reason idle', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'bash', args: ['-c', 'echo started; exec sleep 60'], idleTimeoutMs: 300 });
    const idle: unknown[] = [];
    p.on('idle', (i) => idle.push(i));
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'stopped', reason: 'idle' });
    expect(idle).toEqual([{ idleMs: expect.any(Number), action: 'stop' }]);
    expect((idle[0] as { idleMs: number }).idleMs).toBeGreaterThanOrEqual(300);
    expect(p.output.read().data.toString()).toBe('started\n');
  });

  it('leaves alone a process whose output keeps coming, however long it runs', async () => {
    const pm = newManager();
    // 30 lines 50 ms apart: 1.5 s of run time against a 1 s idle limit.
    const p = pm.spawn({ command: 'bash', args: ['-c', 'for i in $(seq 30); do echo $i; sleep 0.05; done'], idleTimeoutMs: 1000 });
    const idle: unknown[] = [];
    p.on('idle', (i) => idle.push(i));
    expect(await p.exited).toMatchObject({ state: 'completed', reason: 'exit' });
    expect(idle).toEqual([]);
  });

  it("onIdle 'event' only reports, once per silence", async () => {
    const pm = newManager();
    // Silent for 0.6 s, a line, then silent for good: two silences, two events, whatever the load.
    const p = pm.spawn({ command: 'bash', args: ['-c', 'echo a; sleep 0.6; echo b; exec sleep 60'], idleTimeoutMs: 200, onIdle: 'event' });
    const order: string[] = [];
    p.on('idle', () => order.push('idle'));
    p.on('output', (c) => order.push(c.data.toString().trim()));
    await waitFor(() => order.filter((e) => e === 'idle').length === 2, 'two idle events');
    expect(order).toEqual(['a', 'idle', 'b', 'idle']);
    expect(p.state).toBe('running');
  });

  it('for an agent run, output that is not an event does not count: a chatty hung agent is idle', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({
      agent: 'claude',
      prompt: 'x',
      idleTimeoutMs: 400,
      ...fake('claude/claude-hello', { FAKE_AGENT_HOLD_AFTER: '1', FAKE_AGENT_NOISE_MS: '50' }),
    });
    const invalid: unknown[] = [];
    run.on('invalid', (i) => invalid.push(i));
    const err = (await run.result.catch((e) => e)) as AgentStoppedError;
    expect(err).toBeInstanceOf(AgentStoppedError);
    expect(err.reason).toBe('idle');
    expect(invalid.length).toBeGreaterThan(1); // it kept printing all along
  });

  it('rejects onIdle without idleTimeoutMs', () => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', onIdle: 'event' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('onIdle needs idleTimeoutMs') }));
  });
});
