import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrphansFound } from '../../src/index.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

/**
 * A leader that starts a detached daemon (setsid, its output elsewhere) which writes its own pid
 * to `pidFile` before the leader goes on: by then it has left the group. `then` runs after that.
 */
const withDaemon = (pidFile: string, exec: string, then = '') =>
  `setsid bash -c 'echo $$ > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; exec ${exec}' </dev/null >/dev/null 2>&1 & while [ ! -s ${pidFile} ]; do :; done${then}`;

describe('descendants left behind by a process that exits on its own', () => {
  it('a background job holding the pipe neither hangs the exit nor survives it', async () => {
    const pm = newManager({ stop: { graceMs: 500 } });
    const found: OrphansFound[] = [];
    const p = pm.spawn({ command: 'sh', args: ['-c', 'sleep 300 & echo "bg=$!"; echo done; exit 0'] });
    p.on('orphans', (o) => found.push(o));
    const exit = await p.exited;
    const bg = Number(/bg=(\d+)/.exec(p.output.read().data.toString())![1]);
    expect(exit).toMatchObject({ state: 'completed', code: 0, reason: 'exit' });
    expect(exit.orphans).toEqual([bg]);
    expect(found).toEqual([{ pids: [bg], policy: 'kill' }]);
    expect(isAlive(bg)).toBe(false);
  });

  it('finds a descendant that left the session and the parent chain, by its environment marker', async () => {
    const pm = newManager({ stop: { graceMs: 500 } });
    // setsid + the parent exiting: neither group, session nor parent link lead to it; it holds stdout.
    const p = pm.spawn({ command: 'bash', args: ['-c', 'setsid sleep 300 & echo "bg=$!"; exit 0'] });
    const exit = await p.exited;
    const bg = Number(/bg=(\d+)/.exec(p.output.read().data.toString())![1]);
    expect(exit.state).toBe('completed');
    expect(exit.orphans).toContain(bg);
    expect(isAlive(bg)).toBe(false);
  });

  it("orphans: 'keep' reports them and leaves them running", async () => {
    const pm = newManager({ orphans: 'keep', drainMs: 50 });
    const p = pm.spawn({ command: 'sh', args: ['-c', 'sleep 300 & echo "bg=$!"; exit 0'] });
    const exit = await p.exited;
    const bg = Number(/bg=(\d+)/.exec(p.output.read().data.toString())![1]);
    try {
      expect(exit.orphans).toEqual([bg]);
      expect(exit.state).toBe('completed');
      expect(isAlive(bg)).toBe(true);
    } finally {
      process.kill(bg, 'SIGKILL');
      await waitFor(() => !isAlive(bg), 'the kept orphan to die');
    }
  });

  it('shutdown sweeps a double-forked daemon that kept nothing of its tree', async () => {
    // (If bash exits before its job has called setsid, the job is still an orphan of the group and
    // is stopped at exit instead: either way it must not survive.)
    const pm = newManager({ stop: { graceMs: 500 } });
    // No pipe held, own session, parent gone: only the manager's marker leads to it.
    const p = pm.spawn({ command: 'bash', args: ['-c', 'setsid sleep 300 >/dev/null 2>&1 < /dev/null & echo "bg=$!"'] });
    await p.exited;
    const bg = Number(/bg=(\d+)/.exec(p.output.read().data.toString())![1]);
    const swept: number[][] = [];
    pm.on('swept', (pids) => swept.push(pids));
    await pm.shutdown();
    expect(isAlive(bg)).toBe(false);
    if (p.exit!.orphans.length === 0) expect(swept.flat()).toContain(bg);
  });
  it("a detached daemon (setsid, output elsewhere) is found at the leader's exit and killed", async () => {
    const pm = newManager({ stop: { graceMs: 500 } });
    const dir = mkdtempSync(join(tmpdir(), 'pw-daemon-'));
    try {
      const pidFile = join(dir, 'pid');
      // The daemon writes its pid itself before the leader exits: by then it has left the group.
      const p = pm.spawn({
        command: 'bash',
        args: ['-c', withDaemon(pidFile, '-a pwdaemon sleep 30')],
      });
      const exit = await p.exited;
      const daemon = Number(readFileSync(pidFile, 'utf8'));
      expect(exit.state).toBe('completed');
      expect(exit.orphans).toContain(daemon);
      expect(isAlive(daemon)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a detached daemon is found while sibling spawns of the host keep taking pids', async () => {
    // The exit is settled without a scan only when every pid after the leader's went to the host's
    // own spawns; the daemon's pid (and its shell's) did not, so it is still looked for and found.
    const pm = newManager({ stop: { graceMs: 500 } });
    const dir = mkdtempSync(join(tmpdir(), 'pw-daemon-'));
    try {
      const pidFile = join(dir, 'pid');
      const p = pm.spawn({
        command: 'bash',
        // It ends when told (a line on stdin), once siblings have been spawned after it.
        args: ['-c', withDaemon(pidFile, '-a pwdaemon sleep 30', '; read -r _')],
        stdin: 'pipe',
      });
      let siblings = 0;
      let ended = false;
      void p.exited.then(() => (ended = true));
      const worker = async () => {
        while (!ended) {
          const e = await pm.spawn({ command: 'true' }).exited;
          expect(e.state).toBe('completed');
          if (++siblings === 16) p.end();
        }
      };
      const [exit] = await Promise.all([p.exited, ...Array.from({ length: 4 }, worker)]);
      const daemon = Number(readFileSync(pidFile, 'utf8'));
      expect(siblings).toBeGreaterThan(0);
      expect(exit.orphans).toContain(daemon);
      expect(isAlive(daemon)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("orphans: 'keep' reports such a daemon and leaves it to the host", async () => {
    const pm = newManager({ orphans: 'keep' });
    const dir = mkdtempSync(join(tmpdir(), 'pw-daemon-'));
    let daemon = 0;
    try {
      const pidFile = join(dir, 'pid');
      const p = pm.spawn({
        command: 'bash',
        args: ['-c', withDaemon(pidFile, 'sleep 30')],
      });
      const exit = await p.exited;
      daemon = Number(readFileSync(pidFile, 'utf8'));
      expect(exit.orphans).toContain(daemon);
      expect(isAlive(daemon)).toBe(true);
    } finally {
      if (daemon && isAlive(daemon)) process.kill(daemon, 'SIGKILL');
      await waitFor(() => !daemon || !isAlive(daemon), 'the kept daemon to die');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
