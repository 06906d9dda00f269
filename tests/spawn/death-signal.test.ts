import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killHosts, startHost } from '../helpers/hosts.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

afterEach(killHosts);
const newManager = useManager();

describe('pdeathsig', () => {
  it('with no watchdog at all, the kernel kills a leader whose host was SIGKILLed', async () => {
    const { host, ready } = await startHost<{ pid: number; command: string }>('host-pdeathsig.mjs');
    const { pid, command } = ready;
    expect(command).toBe('sleep');
    // setpriv exec'd the command: the leader's pid is the sleep itself.
    await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 'the exec of sleep');
    host.kill('SIGKILL');
    await waitFor(() => !isAlive(pid), 'the kernel to kill the leader');
  });

  it('keeps spawn errors typed, output and exit codes as without it', async () => {
    const pm = newManager({ pdeathsig: true });
    const missing = pm.spawn({ command: 'no-such-command-procward' });
    await expect(missing.started).rejects.toMatchObject({ code: 'SPAWN_FAILED' });
    const p = pm.spawn({ command: 'echo $X; exit 4', shell: true, env: { X: 'from the shell' } });
    expect(await p.exited).toMatchObject({ state: 'failed', code: 4 });
    expect(p.output.read().data.toString()).toBe('from the shell\n');
    await pm.shutdown();
  });
});
