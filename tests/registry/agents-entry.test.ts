import { describe, expect, it } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import { ManagedProcess } from '../../src/process/managed-process.js';
import { fake } from '../helpers/fake-agent.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('pm.agents and the public face', () => {
  it('pm.agents runs an agent; the 0.1 methods are aliases of it', async () => {
    const pm = newManager();
    const run = pm.agents.spawn({ agent: 'claude', prompt: 'hi', ...fake('claude/claude-hello') });
    expect(pm.agents.get(run.id)).toBe(run);
    expect(pm.agentRun(run.id)).toBe(run);
    await run.result;
    expect(run.sessionId).toBeTruthy();
    expect(pm.sessions()).toEqual(pm.agents.sessions());
    expect(pm.agents.sessions()).toEqual([expect.objectContaining({ sessionId: run.sessionId, runs: [run.id], active: false })]);
    expect(pm.findBySession(run.sessionId!)).toBe(run);
    expect(pm.isSessionActive(run.sessionId!)).toBe(false);
  });

  it('a process and a manager carry no symbol-keyed members: the manager drives processes through a control only it holds', () => {
    expect(Object.getOwnPropertySymbols(ManagedProcess.prototype)).toEqual([]);
    expect(Object.getOwnPropertySymbols(ProcessManager.prototype)).toEqual([]);
    const pm = newManager();
    const p = pm.spawn({ command: 'true' });
    expect(Object.getOwnPropertySymbols(p)).toEqual([]);
  });
});
