import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const socket = `procward-pm-test-${process.pid}`;
const hasSession = (session: string) => {
  try {
    execFileSync('tmux', ['-L', socket, 'has-session', '-t', session], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const newManager = useManager();
afterAll(() => {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    /* no server left: good */
  }
});

describe("pty: { backend: 'tmux' } through the manager", () => {
  it('runs a shell in a tmux session a person could attach to: write, output, screen, resize, stop over the tree', async () => {
    const pm = newManager({ stop: { graceMs: 500 } });
    const p = pm.spawn({ command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: '$ ' }, pty: { backend: 'tmux', socket, cols: 70, rows: 15 } });
    await p.started;
    const session = p.info.pty!.tmux!.session;
    expect(p.info.pty).toMatchObject({ cols: 70, rows: 15, tmux: { session, socket } });
    expect(hasSession(session)).toBe(true);
    expect(p.pid).toBeGreaterThan(0);

    await p.write('echo "hello $((6*7))"; sleep 300 &\r');
    await waitFor(() => p.output.read().data.toString().includes('hello 42'), 'the echo');
    await waitFor(async () => (await p.screen()).lines.some((l) => l === 'hello 42'), 'the screen line');
    p.resize(90, 20);
    await p.write('stty size\r');
    await waitFor(() => p.output.read().data.toString().includes('20 90'), 'the new size');

    const background = Number(
      execFileSync('pgrep', ['-P', String(p.pid), 'sleep'])
        .toString()
        .trim()
        .split('\n')[0],
    );
    expect(isAlive(background)).toBe(true);
    const exit = await p.stop();
    expect(exit.state).toBe('stopped');
    expect(isAlive(p.pid!)).toBe(false);
    expect(isAlive(background)).toBe(false);
    await waitFor(() => !hasSession(session), 'the tmux session to end');
  });

  it('reports the exit code of a command that ends by itself, with all of its output', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'bash', args: ['-c', 'for i in $(seq 200); do echo "line $i"; done; exit 3'], pty: { backend: 'tmux', socket } });
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'failed', code: 3 });
    const lines = p.output.read().data.toString().split('\r\n').filter(Boolean);
    expect(lines.at(-1)).toBe('line 200');
    expect(lines).toHaveLength(200);
  });

  it('refuses a session name tmux would not take literally, and tmux settings without the tmux backend', () => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'true', pty: { backend: 'tmux', session: 'a;kill-server' } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => pm.spawn({ command: 'true', pty: { session: 'x' } })).toThrow(/add backend: 'tmux'/);
  });
});
