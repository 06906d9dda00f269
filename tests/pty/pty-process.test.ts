import { describe, expect, it } from 'vitest';
import { isProcwardError, type OutputChunk, type StateChange } from '../../src/index.js';
import { execSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, isAlive, stat, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

const text = (p: { output: { read(): { data: Buffer } } }) => p.output.read().data.toString();
/** Waits until the terminal output (from `since`) matches. */
const untilOutput = (p: { output: { read(o?: { since?: number }): { data: Buffer } } }, re: RegExp, since = 0) =>
  waitFor(() => re.exec(p.output.read({ since }).data.toString()), `terminal output matching ${re}`);

describe('pty processes', () => {
  it('run on a real terminal with the same lifecycle, events and info', async () => {
    const pm = newManager();
    const changes: string[] = [];
    const chunks: OutputChunk[] = [];
    const p = pm.spawn({ command: 'bash', args: ['-c', '[ -t 0 ] && [ -t 1 ] && echo "tty $(stty size)"; exit 3'], pty: { cols: 100, rows: 30 } });
    p.on('state', (c: StateChange) => changes.push(`${c.from}>${c.to}`));
    p.on('output', (c) => chunks.push(c));
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'failed', code: 3, reason: 'exit' });
    expect(changes).toEqual(['starting>running', 'running>failed']);
    expect(text(p)).toBe('tty 30 100\r\n');
    expect(chunks.every((c) => c.stream === 'pty')).toBe(true);
    expect(p.info.pty).toEqual({ cols: 100, rows: 30 });
    // Reaped with its terminal: nothing of the leader is left once `exited` resolves.
    expect(stat(p.pid!)).toBeUndefined();
  });

  it('leads its own session and process group', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'], pty: true });
    await p.started;
    // forkpty's child calls setsid right after fork; wait for it rather than race it.
    const s = await waitFor(() => (stat(p.pid!)?.sid === p.pid ? stat(p.pid!) : undefined), 'the child to lead its session');
    expect(s.pgid).toBe(p.pid);
  });

  it('answers an interactive shell, reports the new size after resize, and Ctrl-C interrupts only the foreground job', async () => {
    const pm = newManager({ stop: { graceMs: 200 } });
    const p = pm.spawn({ command: 'bash', args: ['--norc', '--noprofile', '-i'], pty: true, env: { PS1: 'READY> ' } });
    await untilOutput(p, /READY> $/);
    let from = p.output.end;
    await p.write('echo $((6 * 7))\r');
    await untilOutput(p, /[\r\n]42\r\n/, from);

    p.resize(120, 40);
    expect(p.info.pty).toEqual({ cols: 120, rows: 40 });
    from = p.output.end;
    await p.write('stty size\r');
    await untilOutput(p, /40 120\r\n/, from);

    from = p.output.end;
    await p.write('sleep 30; echo after-sleep\r');
    const sleeper = await waitFor(() => {
      const out = execSync(`pgrep -s ${p.pid} -x sleep || true`).toString().trim();
      return out ? Number(out) : undefined;
    }, 'the foreground sleep');
    await p.write('\x03');
    await waitFor(() => !isAlive(sleeper), 'sleep to end on Ctrl-C');
    await p.write('echo still-here\r');
    await untilOutput(p, /still-here\r\n/, from);
    // The typed line is echoed ("…; echo after-sleep"); the command's own output would be a line of its own.
    expect(p.output.read({ since: from }).data.toString()).not.toMatch(/\nafter-sleep\r\n/);
    expect(p.state).toBe('running');
  });

  it('end() sends end-of-file; a write after exit is NOT_RUNNING', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'cat', pty: true });
    await p.started;
    await p.write('typed\r');
    await untilOutput(p, /typed\r\ntyped\r\n/);
    p.end();
    expect((await p.exited).state).toBe('completed');
    await expect(p.write('x')).rejects.toMatchObject({ code: 'NOT_RUNNING' });
    expect(() => p.resize(10, 10)).toThrow(expect.objectContaining({ code: 'NOT_RUNNING' }));
  });

  it("stop() escalates over the terminal's whole tree: background jobs, a SIGHUP/SIGTERM ignorer, a setsid escapee", async () => {
    const pm = newManager({ stop: { graceMs: 300 } });
    const p = pm.spawn({ command: 'bash', args: ['--norc', '--noprofile', '-i'], pty: true, env: { PS1: 'READY> ' } });
    await untilOutput(p, /READY> $/);
    // Two background jobs (one ignores SIGTERM and SIGHUP under nohup) and, from a subshell so that
    // setsid does not fork, a sleep in a session of its own.
    await p.write(`sleep 300 & nohup ${process.execPath} ${FIXTURES}ignore-term.mjs > /dev/null 2>&1 & ( setsid sleep 301 & echo "escaped $!" ); echo "jobs $(jobs -p | tr '\\n' ' ')"\r`);
    const esc = await untilOutput(p, /escaped (\d+)\r\n/);
    const jobs = await untilOutput(p, /jobs (\d+) (\d+) \r\n/);
    const pids = [Number(esc[1]), Number(jobs[1]), Number(jobs[2])];
    await waitFor(() => pids.every(isAlive), 'the jobs to run');
    const exit = await p.stop();
    expect(exit.state).toBe('stopped');
    for (const pid of [p.pid!, ...pids]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  });

  it('timeoutMs and abort end a terminal process like a pipe one', async () => {
    const pm = newManager({ stop: { graceMs: 100 } });
    const a = pm.spawn({ command: 'sleep', args: ['30'], pty: true, timeoutMs: 300 });
    const ac = new AbortController();
    const b = pm.spawn({ command: 'sleep', args: ['30'], pty: true, signal: ac.signal });
    await b.started;
    ac.abort();
    expect(await a.exited).toMatchObject({ state: 'stopped', reason: 'timeout' });
    expect(await b.exited).toMatchObject({ state: 'stopped', reason: 'abort' });
  });
});

describe('pty bad input gets the same typed errors as pipes', () => {
  it.each([
    [{ command: 'procward-no-such-command' }, 'command-not-found'],
    [{ command: 'ls', cwd: '/no/such/dir' }, 'cwd-not-found'],
    [{ command: 'NOT_EXECUTABLE' }, 'permission-denied'],
  ])('%j → %s', async (opts, kind) => {
    const pm = newManager();
    if (opts.command === 'NOT_EXECUTABLE') {
      const dir = mkdtempSync(join(tmpdir(), 'procward-'));
      opts = { command: join(dir, 'script.sh') };
      writeFileSync(opts.command, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    }
    const p = pm.spawn({ ...opts, pty: true });
    const err = await p.started.catch((e) => e);
    expect(isProcwardError(err, 'SPAWN_FAILED')).toBe(true);
    expect(err.kind).toBe(kind);
    expect((await p.exited).state).toBe('failed');
  });

  it('rejects stdin or shell with pty, and a bad size', async () => {
    const pm = newManager();
    expect(() => pm.spawn({ command: 'cat', pty: true, stdin: 'ignore' })).toThrow(/stdin does not apply with pty/);
    expect(() => pm.spawn({ command: 'cat', pty: true, shell: true })).toThrow(/shell does not apply with pty/);
    expect(() => pm.spawn({ command: 'cat', pty: { cols: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    const p = pm.spawn({ command: 'cat', pty: true });
    await p.started;
    expect(() => p.resize(0, 10)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
