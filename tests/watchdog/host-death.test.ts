import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import { FIXTURES, isAlive, waitFor } from '../helpers/proc.js';

/**
 * The host is started with plain child_process, not through a manager of this test: a manager
 * would clean up the dead host's tree itself and hide whether the watchdog did.
 */
async function startHost(...args: string[]) {
  const host = spawn(process.execPath, ['--import', 'tsx', FIXTURES + 'host-killed.mjs', ...args], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  let out = '';
  host.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('\n'), 'the host to print its pids', 30_000);
  const pids = JSON.parse(out) as Record<string, number>;
  return { host, pids };
}

describe('host death', () => {
  it('kills every tree of a host that was SIGKILLed: SIGTERM ignorers, setsid escapees, a scrubbed environment, a terminal', async () => {
    const { host, pids } = await startHost();
    const members = ['leader', 'stubborn', 'escaped', 'scrubbed', 'shell', 'term'].map((k) => pids[k]!);
    expect(members.every(isAlive)).toBe(true);
    expect(isAlive(pids.watchdog!)).toBe(true);

    const killedAt = performance.now();
    host.kill('SIGKILL');
    await once(host, 'exit');
    await waitFor(() => members.every((pid) => !isAlive(pid)), 'every member of every tree to be gone');
    const tookMs = performance.now() - killedAt;
    // And the watchdog does not outlive its purpose.
    await waitFor(() => !isAlive(pids.watchdog!), 'the watchdog to exit');
    console.log(`host SIGKILLed: ${members.length} members gone after ${tookMs.toFixed(0)} ms`);
  });

  it('a watchdog that was killed is replaced, and the replacement still guards', async () => {
    const { host, pids } = await startHost('kill-watchdog-first');
    const members = ['leader', 'stubborn', 'escaped', 'scrubbed', 'shell', 'term'].map((k) => pids[k]!);
    expect(members.every(isAlive)).toBe(true);
    host.kill('SIGKILL');
    await waitFor(() => members.every((pid) => !isAlive(pid)), 'every member to be gone');
    await waitFor(() => !isAlive(pids.watchdog!), 'the replacement watchdog to exit');
  });

  it('shutdown() dismisses the watchdog without killing anything of the host', async () => {
    const pm = new ProcessManager();
    const p = pm.spawn({ command: 'sleep', args: ['60'] });
    await p.started;
    const watchdog = pm.watchdogPid!;
    expect(isAlive(watchdog)).toBe(true);
    await pm.shutdown();
    await waitFor(() => !isAlive(watchdog), 'the watchdog to exit');
  });

  it('watchdog: false starts none', async () => {
    const pm = new ProcessManager({ watchdog: false });
    await pm.spawn({ command: 'true' }).exited;
    expect(pm.watchdogPid).toBeUndefined();
    await pm.shutdown();
  });
});

describe('pdeathsig', () => {
  it('with no watchdog at all, the kernel kills a leader whose host was SIGKILLed', async () => {
    const host = spawn(process.execPath, ['--import', 'tsx', FIXTURES + 'host-pdeathsig.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    host.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('\n'), 'the host to start its sleep', 30_000);
    const { pid, command } = JSON.parse(out) as { pid: number; command: string };
    expect(command).toBe('sleep');
    // setpriv exec'd the command: the leader's pid is the sleep itself.
    await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 'the exec of sleep');
    host.kill('SIGKILL');
    await waitFor(() => !isAlive(pid), 'the kernel to kill the leader');
  });

  it('keeps spawn errors typed, output and exit codes as without it', async () => {
    const pm = new ProcessManager({ pdeathsig: true });
    const missing = pm.spawn({ command: 'no-such-command-procward' });
    await expect(missing.started).rejects.toMatchObject({ code: 'SPAWN_FAILED' });
    const p = pm.spawn({ command: 'echo $X; exit 4', shell: true, env: { X: 'from the shell' } });
    expect(await p.exited).toMatchObject({ state: 'failed', code: 4 });
    expect(p.output.read().data.toString()).toBe('from the shell\n');
    await pm.shutdown();
  });
});
