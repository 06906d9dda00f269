import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessManager, isProcwardError, type StateChange } from '../../src/index.js';
import { InvalidOptionsError, SpawnFailedError } from '../../src/errors/procward-error.js';
import { stat } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('spawn', () => {
  it('runs argv without a shell: metacharacters reach the program literally', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'printf', args: ['%s|', '$HOME', 'a;b', '`id`', '*'] });
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'completed', code: 0, reason: 'exit' });
    expect(p.output.read().data.toString()).toBe('$HOME|a;b|`id`|*|');
  });

  it('uses a shell only when asked', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'echo $((6*7)) && echo second', shell: true });
    await p.exited;
    expect(p.output.read().data.toString()).toBe('42\nsecond\n');
  });

  it('makes the child lead its own session and process group', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    await p.started;
    const s = stat(p.pid!)!;
    expect(s.pgid).toBe(p.pid);
    expect(s.sid).toBe(p.pid);
    expect(s.pgid).not.toBe(stat(process.pid)!.pgid);
  });

  it('passes cwd and env; inheritEnv: false starts from an empty environment; undefined removes a variable', async () => {
    const pm = newManager();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'procward-')));
    process.env.PROCWARD_TEST_INHERITED = 'yes';
    const a = pm.spawn({ command: 'sh', args: ['-c', 'pwd; echo "$FOO|$PROCWARD_TEST_INHERITED"'], cwd: dir, env: { FOO: 'bar' } });
    const b = pm.spawn({ command: '/usr/bin/env', inheritEnv: false, env: { ONLY: '1' } });
    const c = pm.spawn({ command: 'sh', args: ['-c', 'echo "[$PROCWARD_TEST_INHERITED]"'], env: { PROCWARD_TEST_INHERITED: undefined } });
    await Promise.all([a.exited, b.exited, c.exited]);
    expect(a.output.read().data.toString()).toBe(`${dir}\nbar|yes\n`);
    const envLines = b.output.read().data.toString().trim().split('\n').sort();
    expect(envLines.filter((l) => !l.startsWith('PROCWARD_'))).toEqual(['ONLY=1']);
    expect(c.output.read().data.toString()).toBe('[]\n');
  });

  it("gives a pipe child the host's environment as it is at each spawn, every variable once, overrides and markers applied", async () => {
    const pm = newManager();
    const envOf = async (options: { env?: Record<string, string | undefined> }) => {
      const p = pm.spawn({ command: '/usr/bin/env', args: ['-0'], ...options });
      await p.exited;
      return p.output.read().data.toString().split('\0').filter(Boolean);
    };
    const expected = (overrides: Record<string, string | undefined>, p: { id: string }) => {
      const env: Record<string, string | undefined> = { ...process.env, ...overrides, PROCWARD_TREE: p.id, PROCWARD_MANAGER: pm.id };
      return Object.entries(env)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`)
        .sort();
    };
    const spawnAndExpect = async (overrides: Record<string, string | undefined>) => {
      const lines = await envOf({ env: overrides });
      const tree = lines.find((l) => l.startsWith('PROCWARD_TREE='))!.slice('PROCWARD_TREE='.length);
      expect(new Set(lines).size).toBe(lines.length);
      expect(lines.sort()).toEqual(expected(overrides, { id: tree }));
    };
    const home = process.env.HOME;
    try {
      process.env.PROCWARD_TEST_LIVE = 'first';
      await spawnAndExpect({});
      process.env.PROCWARD_TEST_LIVE = 'second';
      delete process.env.HOME;
      await spawnAndExpect({ NEW_ONE: 'x' });
      // A key the host has too: listed once, with the caller's value; and removed when undefined.
      await spawnAndExpect({ PROCWARD_TEST_LIVE: 'override', PATH: process.env.PATH });
      await spawnAndExpect({ PROCWARD_TEST_LIVE: undefined });
    } finally {
      delete process.env.PROCWARD_TEST_LIVE;
      if (home !== undefined) process.env.HOME = home;
    }
  });

  it('goes queued → starting → running → completed, emitting every transition', async () => {
    const pm = newManager();
    const changes: StateChange[] = [];
    pm.on('state', (_p, c) => changes.push(c));
    const p = pm.spawn({ command: 'true' });
    await p.exited;
    expect(changes.map((c) => `${c.from}>${c.to}:${c.reason}`)).toEqual(['queued>starting:start', 'starting>running:spawned', 'running>completed:exit']);
  });

  it('reports a non-zero exit as failed with the tail of stderr', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'echo "something broke: missing file" >&2; exit 3'] });
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'failed', code: 3, signal: null, reason: 'exit' });
    expect(exit.stderrTail).toBe('something broke: missing file\n');
  });

  it('keeps only the last few KB of stderr in the exit record', async () => {
    const pm = newManager({ stderrTailBytes: 1024 });
    const p = pm.spawn({ command: 'sh', args: ['-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 1'] });
    const exit = await p.exited;
    expect(exit.stderrTail.length).toBeLessThanOrEqual(1024);
    expect(exit.stderrTail.endsWith('line 1999\n')).toBe(true);
    expect(exit.stderrTail.startsWith('line ')).toBe(true);
  });

  it('reports death by a signal it did not get from us as failed with reason signal', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'kill -SEGV $$'] });
    expect(await p.exited).toMatchObject({ state: 'failed', signal: 'SIGSEGV', reason: 'signal', code: null });
  });

  it('gives a JSON-serialisable info snapshot', async () => {
    const pm = newManager();
    const p = pm.spawn({
      command: 'sh',
      args: ['-c', 'exit 0'],
      label: 'build',
      type: 'command',
      scope: { kind: 'task', id: 't1' },
      metadata: { ticket: 42 },
    });
    await p.exited;
    const info = JSON.parse(JSON.stringify(p.info));
    expect(info).toMatchObject({
      id: p.id,
      command: 'sh',
      args: ['-c', 'exit 0'],
      label: 'build',
      type: 'command',
      scope: { kind: 'task', id: 't1' },
      metadata: { ticket: 42 },
      state: 'completed',
      pid: p.pid,
      exit: { state: 'completed', code: 0 },
    });
    expect(info.startedAt).toBeTypeOf('number');
    expect(info.endedAt).toBeGreaterThanOrEqual(info.startedAt);
  });
});

describe('spawn failures are typed and never thrown into the host', () => {
  it('a missing command: SPAWN_FAILED, command-not-found, state failed', async () => {
    const pm = newManager();
    const errors: Error[] = [];
    const p = pm.spawn({ command: 'procward-no-such-command' });
    p.on('error', (e) => errors.push(e));
    await expect(p.started).rejects.toBeInstanceOf(SpawnFailedError);
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'failed', reason: 'spawn-error', error: { code: 'SPAWN_FAILED' } });
    expect(exit.error!.message).toContain('procward-no-such-command');
    expect(exit.error!.message).toContain('not found');
    expect(errors).toHaveLength(1);
    expect((errors[0] as SpawnFailedError).kind).toBe('command-not-found');
  });

  it('a cwd that does not exist is named as such, not as a missing command', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'ls', cwd: '/no/such/dir' });
    const err = (await p.started.catch((e) => e)) as SpawnFailedError;
    expect(err.code).toBe('SPAWN_FAILED');
    expect(err.kind).toBe('cwd-not-found');
    expect(err.message).toContain('/no/such/dir');
  });

  it('a file that is not executable: permission-denied', async () => {
    const pm = newManager();
    const dir = mkdtempSync(join(tmpdir(), 'procward-'));
    const script = join(dir, 'not-exec.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const p = pm.spawn({ command: script });
    const err = (await p.started.catch((e) => e)) as SpawnFailedError;
    if (process.getuid?.() === 0) {
      // root may execute nothing without an x bit either: EACCES all the same
      expect(err.kind).toBe('permission-denied');
    }
    expect(err.code).toBe('SPAWN_FAILED');
  });

  it.each([
    [{ command: '' }, 'command must be a non-empty string'],
    [{ command: 'ls', args: 'not-an-array' }, 'args'],
    [{ command: 'ls', args: ['ok', 3] }, 'args.1'],
    [{ command: 'ls', timeoutMs: -5 }, 'timeoutMs'],
    [{ command: 'ls', stop: { signal: 'SIGNOPE' } }, 'stop.signal: unknown signal "SIGNOPE"'],
    [{ command: 'ls', stdin: 'keyboard' }, 'stdin'],
    [{ command: 'ls', scope: { kind: 'task' } }, 'scope.id'],
    [{ command: 'ls', timeout: 5 }, 'timeout'],
    [{ command: 'ls', signal: {} }, 'signal must be an AbortSignal'],
    [{ command: 'ls', env: { A: 1 } }, 'env.A'],
  ])('bad spawn options %j throw INVALID_OPTIONS naming %s', (opts, fragment) => {
    const pm = newManager();
    let err: unknown;
    try {
      pm.spawn(opts as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(isProcwardError(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain(fragment);
    expect(pm.list()).toHaveLength(0);
  });

  it.each([[{ maxConcurrent: 0 }], [{ retainExited: -1 }], [{ stop: { graceMs: 'soon' } }], [{ orphans: 'adopt' }]])('bad manager options %j throw INVALID_OPTIONS', (opts) => {
    expect(() => new ProcessManager(opts as never)).toThrow(InvalidOptionsError);
  });
});
