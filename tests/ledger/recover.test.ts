import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { killHosts, startHost } from '../helpers/hosts.js';
import { ledgerEntry, writeLedger } from '../helpers/ledger.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const dirs: string[] = [];
const newManager = useManager({
  beforeShutdown: async (managers) => {
    killHosts();
    // The adopted service is stopped explicitly: shutdown lets persisted processes go on. (A manager
    // the test has shut down itself has handed them on to the next one.)
    for (const pm of managers) if (!pm.isShuttingDown) for (const p of pm.list()) if (p.persist) await p.stop().catch(() => {});
  },
  afterShutdown: () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'procward-state-'));
  dirs.push(d);
  return d;
}

async function hostThenKill(dir: string) {
  const { host, ready: started } = await startHost<{ service: { id: string; pid: number }; tree: { id: string; leader: number; stubborn: number; escaped: number } }>('host-persist.mjs', dir);
  host.kill('SIGKILL');
  await once(host, 'exit');
  return started;
}

describe('recovery after the host was SIGKILLed', () => {
  it('the persisted service lives on and is taken over; the rest of the tree died with the host', async () => {
    const dir = stateDir();
    const before = await hostThenKill(dir);
    await waitFor(() => [before.tree.leader, before.tree.stubborn, before.tree.escaped].every((pid) => !isAlive(pid)), 'the ordinary tree to be killed by the watchdog');
    expect(isAlive(before.service.pid)).toBe(true);

    const pm = newManager({ stateDir: dir });
    const report = await pm.recover();
    expect(report.adopted.map((p) => p.id)).toEqual([before.service.id]);
    expect(report.killed).toEqual([]);
    const service = report.adopted[0]!;
    expect(service).toBe(pm.get(before.service.id));
    expect(service.state).toBe('running');
    expect(service.pid).toBe(before.service.pid);
    expect(service.info.persist).toBe(true);

    // Output written while no host ran is there, with the spool's offsets, and new output follows.
    const first = service.output.read().data.toString();
    expect(first).toMatch(/^tick 0\ntick 1\n/);
    const seen = service.output.end;
    await waitFor(() => service.output.end > seen + 20, 'new output from the adopted service');
    const all = service.output.read().data.toString().split('\n').slice(0, -1);
    all.forEach((line, i) => expect(line).toBe(`tick ${i}`));
    expect(pm.history({ id: service.id, limit: 14 }).data.toString()).toBe('tick 0\ntick 1\n');

    const exit = await service.stop();
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop' });
    expect(isAlive(before.service.pid)).toBe(false);
    // The ordinary process is in the ledger as killed, and its output can still be read.
    expect(report.exited.map((e) => e.id).concat(report.lost.map((l) => l.entry.id))).toContain(before.tree.id);
    expect(pm.history({ id: before.tree.id }).data.toString()).toContain('"leader"');
  });

  it('a persisted process that died while no host ran is reported lost, and recover() runs once', async () => {
    const dir = stateDir();
    const before = await hostThenKill(dir);
    process.kill(before.service.pid, 'SIGKILL');
    await waitFor(() => !isAlive(before.service.pid), 'the service to die');
    const pm = newManager({ stateDir: dir });
    const report = await pm.recover();
    expect(report.adopted).toEqual([]);
    expect(report.lost.find((l) => l.entry.id === before.service.id)).toMatchObject({ why: 'gone' });
    expect(await pm.recover()).toBe(report);
  });

  it('a persisted process whose spool directory is gone is taken over as one that wrote nothing; no timer throws', async () => {
    const dir = stateDir();
    const before = await hostThenKill(dir);
    rmSync(join(dir, 'spool', before.service.id), { recursive: true, force: true });
    const pm = newManager({ stateDir: dir });
    const errors: unknown[] = [];
    pm.on('error', (e) => errors.push(e));
    const report = await pm.recover();
    const service = report.adopted[0]!;
    expect(service.id).toBe(before.service.id);
    await service.started;
    expect(service.state).toBe('running');
    expect(service.output.read().data.length).toBe(0);
    // The exit path reads the spool one last time: it used to throw NOT_FOUND from the poll timer
    // (an uncaught exception in the host) and never report the exit.
    const exit = await service.stop();
    expect(exit.state).toBe('stopped');
    expect(isAlive(before.service.pid)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('never touches a pid that now names another process', async () => {
    const dir = stateDir();
    const pm = newManager({ stateDir: dir });
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    await once(stranger, 'spawn');
    const entry = ledgerEntry({ pid: stranger.pid, startTicks: 1, command: 'sleep', args: ['60'], state: 'running', endedAt: null, exit: null });
    writeLedger(dir, [entry]);
    const report = await pm.recover();
    expect(report.lost).toEqual([{ entry: expect.objectContaining({ id: entry.id }), why: 'pid-reused' }]);
    expect(report.killed).toEqual([]);
    expect(isAlive(stranger.pid!)).toBe(true);
    stranger.kill('SIGKILL');
  });

  it.each([
    ['truncated', (text: string) => text.slice(0, text.length / 2)],
    ['garbage', () => '\u0000\u0001garbage{{{'],
    ['empty', () => ''],
    ['another format', () => JSON.stringify({ processes: 'no' })],
  ])('a %s ledger is a clear LEDGER_CORRUPT error, and nothing is touched', async (_what, corrupt) => {
    const dir = stateDir();
    const before = await hostThenKill(dir);
    const path = join(dir, 'ledger.json');
    writeFileSync(path, corrupt(readFileSync(path, 'utf8')));
    const pm = newManager({ stateDir: dir });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringContaining('no process was touched') });
    expect(isAlive(before.service.pid)).toBe(true);
    process.kill(before.service.pid, 'SIGKILL');
  });

  it('a missing ledger recovers nothing; recover() without stateDir is NOT_SUPPORTED; persist without stateDir is refused', async () => {
    const pm = newManager({ stateDir: stateDir() });
    expect(await pm.recover()).toEqual({ adopted: [], killed: [], lost: [], exited: [], swept: [] });
    const plain = newManager();
    await expect(plain.recover()).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(() => plain.spawn({ command: 'true', persist: true })).toThrow(/persist needs the manager option stateDir/);
    await plain.shutdown();
  });
});

describe('ledger and history within one host', () => {
  it('writes every process to the ledger atomically and reads history of exited processes from the spool', async () => {
    const dir = stateDir();
    const pm = newManager({ stateDir: dir, output: { maxBytes: 1024 } });
    const p = pm.spawn({ command: 'bash', args: ['-c', 'for i in $(seq 1000); do echo "line $i"; done'] });
    await p.exited;
    // The buffer kept the last KiB; the spool has all of it, at the same offsets.
    expect(p.output.start).toBeGreaterThan(0);
    const all = pm.history({ id: p.id });
    expect(all.from).toBe(0);
    expect(all.data.toString().split('\n')[999]).toBe('line 1000');
    expect(pm.history({ id: p.id, since: p.output.start }).data.equals(p.output.read().data)).toBe(true);
    await waitFor(() => {
      const ledger = JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8'));
      return ledger.processes.find((e: { id: string; state: string }) => e.id === p.id && e.state === 'completed');
    }, 'the ledger to record the exit');
    expect(() => pm.history({ id: 'nope' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('ledger retention', () => {
  it('keeps ended entries of earlier hosts up to retainExited, with their spools', async () => {
    const dir = stateDir();
    const first = newManager({ stateDir: dir });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = first.spawn({ command: 'echo', args: [`run ${i}`] });
      ids.push(p.id);
      await p.exited;
    }
    await first.shutdown();
    const pm = newManager({ stateDir: dir, retainExited: 2 });
    const report = await pm.recover();
    expect(report.exited.map((e) => e.id)).toEqual(ids);
    // Only the two most recent are kept: their history is there, the older ones are gone.
    expect(pm.history({ id: ids[3]! }).data.toString()).toBe('run 3\n');
    expect(pm.history({ id: ids[2]! }).data.toString()).toBe('run 2\n');
    expect(() => pm.history({ id: ids[0]! })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const ledger = JSON.parse(readFileSync(join(dir, 'ledger.json'), 'utf8'));
    expect(ledger.processes.map((e: { id: string }) => e.id).sort()).toEqual([ids[2], ids[3]].sort());
  });
});

describe('recovery of a persisted tmux session', () => {
  it('a terminal kept in tmux survives the host and is taken over: input, output and stop', async () => {
    const { execFileSync } = await import('node:child_process');
    const socket = `procward-recover-${process.pid}`;
    const dir = stateDir();
    try {
      const { host, ready: before } = await startHost<{ id: string; pid: number; session: string }>('host-persist-tmux.mjs', dir, socket);
      host.kill('SIGKILL');
      await once(host, 'exit');
      expect(isAlive(before.pid)).toBe(true);

      const pm = newManager({ stateDir: dir });
      const report = await pm.recover();
      const shell = report.adopted[0]!;
      expect(shell.id).toBe(before.id);
      expect(shell.info.pty?.tmux).toEqual({ session: before.session, socket });
      // What the earlier host saw is in the buffer, from the spool; new output follows it.
      expect(shell.output.read().data.toString()).toContain('before 42');
      // Once started resolves, the adopted session takes input at once: no retry.
      await shell.started;
      expect(shell.state).toBe('running');
      expect(shell.pid).toBe(before.pid);
      await shell.write('echo "after $((6*7))"\r');
      await waitFor(() => shell.output.read().data.toString().includes('after 42'), 'the answer of the adopted shell');
      const exit = await shell.stop();
      expect(exit.state).toBe('stopped');
      expect(isAlive(before.pid)).toBe(false);
    } finally {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        /* gone */
      }
    }
  });
});

describe('persisted processes and a clean shutdown', () => {
  it('shutdown() lets a persisted process run on; the next host takes it over', async () => {
    const dir = stateDir();
    const first = newManager({ stateDir: dir });
    const service = first.spawn({ persist: true, command: 'bash', args: ['-c', 'echo up; exec sleep 60'] });
    const ordinary = first.spawn({ command: 'sleep', args: ['60'] });
    await Promise.all([service.started, ordinary.started]);
    await waitFor(() => service.output.read().data.toString() === 'up\n', 'the service to print');
    await first.shutdown();
    expect(isAlive(ordinary.pid!)).toBe(false);
    expect(isAlive(service.pid!)).toBe(true);

    const pm = newManager({ stateDir: dir });
    const report = await pm.recover();
    expect(report.adopted.map((p) => p.id)).toEqual([service.id]);
    expect(report.adopted[0]!.output.read().data.toString()).toBe('up\n');
    await report.adopted[0]!.stop();
    expect(isAlive(service.pid!)).toBe(false);
  });

  it('a bad history query is INVALID_OPTIONS', () => {
    const pm = newManager({ stateDir: stateDir() });
    expect(() => pm.history({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => pm.history({ id: 'x', since: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
