import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useManager } from '../helpers/use-manager.js';

// The examples are documentation that runs: keep them working.
const root = fileURLToPath(new URL('../..', import.meta.url));
const newManager = useManager();

describe('examples', () => {
  it.each([
    ['examples/demo.ts', /worker.*exit: failed \(crash-loop\)[\s\S]*shutdown complete: 5 processes in the registry, none still alive/],
    ['examples/pty-shell.ts', /stopped: state stopped, signal SIGHUP/],
    ['examples/agent.ts', /result +success[\s\S]*rejected +AGENT_STOPPED[\s\S]*tool +gone/],
  ])('%s runs to the end', async (file, expected) => {
    const pm = newManager();
    const p = pm.spawn({ command: process.execPath, args: ['--import', 'tsx', file], cwd: root, timeoutMs: 60_000 });
    const exit = await p.exited;
    expect(exit.stderrTail).toBe('');
    expect(exit.state).toBe('completed');
    expect(p.output.read().data.toString()).toMatch(expected);
  });
});
