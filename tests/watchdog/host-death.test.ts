import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { killHosts, startHost } from '../helpers/hosts.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

afterEach(killHosts);
const newManager = useManager();

describe('host death', () => {
  it('kills every tree of a host that was SIGKILLed: SIGTERM ignorers, setsid escapees, a scrubbed environment, a terminal', async () => {
    const { host, ready: pids } = await startHost<Record<string, number>>('host-killed.mjs');
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
    const { host, ready: pids } = await startHost<Record<string, number>>('host-killed.mjs', 'kill-watchdog-first');
    const members = ['leader', 'stubborn', 'escaped', 'scrubbed', 'shell', 'term'].map((k) => pids[k]!);
    expect(members.every(isAlive)).toBe(true);
    host.kill('SIGKILL');
    await waitFor(() => members.every((pid) => !isAlive(pid)), 'every member to be gone');
    await waitFor(() => !isAlive(pids.watchdog!), 'the replacement watchdog to exit');
  });

  it('after many leaders ended (its list replaced whole), the watchdog still knows every live leader', async () => {
    const { host, ready: pids } = await startHost<Record<string, number>>('host-killed.mjs', 'churn');
    // `grouped` carries no marker and its parent is gone: only its leader's group names it.
    const members = ['leader', 'stubborn', 'escaped', 'scrubbed', 'shell', 'term', 'grouped'].map((k) => pids[k]!);
    expect(members.every(isAlive)).toBe(true);
    host.kill('SIGKILL');
    await waitFor(() => members.every((pid) => !isAlive(pid)), 'every member to be gone');
    await waitFor(() => !isAlive(pids.watchdog!), 'the watchdog to exit');
  });

  it('shutdown() dismisses the watchdog without killing anything of the host', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['60'] });
    await p.started;
    const watchdog = pm.watchdogPid!;
    expect(isAlive(watchdog)).toBe(true);
    await pm.shutdown();
    await waitFor(() => !isAlive(watchdog), 'the watchdog to exit');
  });

  it('watchdog: false starts none', async () => {
    const pm = newManager({ watchdog: false });
    await pm.spawn({ command: 'true' }).exited;
    expect(pm.watchdogPid).toBeUndefined();
    await pm.shutdown();
  });
});
