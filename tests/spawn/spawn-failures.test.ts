/**
 * Every spawn failure, on every backend, is SPAWN_FAILED on the process — same kinds as pipes,
 * delivered after the caller of spawn() could attach its listeners — and never a throw out of
 * spawn(), an unhandled rejection, or a process left in `starting`.
 */
import { describe, expect, it } from 'vitest';
import { ProcessManager, type ProcwardError, type SpawnFailedError, type SpawnOptions } from '../../src/index.js';
import { tmuxTestSocket } from '../helpers/tmux.js';
import { useManager } from '../helpers/use-manager.js';

const socket = tmuxTestSocket('spawnfail');
const newManager = useManager();
const BACKENDS: [string, Partial<SpawnOptions>][] = [
  ['pipes', {}],
  ['pty', { pty: true }],
  ['tmux', { pty: { backend: 'tmux', socket } }],
  ['pdeathsig', {}],
];
const big = 'x'.repeat(200_000); // above Linux's 128 KiB limit for one argument

const CASES: [string, Partial<SpawnOptions>, SpawnFailedError['kind'], RegExp][] = [
  ['a cwd that is a file', { command: 'echo', cwd: '/etc/passwd' }, 'cwd-not-found', /cwd "\/etc\/passwd" is not a directory/],
  ['a missing cwd', { command: 'echo', cwd: '/nonexistent-procward-dir' }, 'cwd-not-found', /does not exist/],
  ['a command path through a file', { command: '/etc/passwd/x' }, 'command-not-found', /command not found/],
  ['a missing command', { command: 'procward-no-such-command' }, 'command-not-found', /not on PATH/],
  ['a directory as the command', { command: '/tmp' }, 'permission-denied', /permission denied/],
  ['an argument over the OS limit', { command: 'echo', args: [big] }, 'arguments-too-long', /too large for the OS \(E2BIG/],
];

describe.each(BACKENDS)('spawn failures on %s', (backend, extra) => {
  it.each(CASES)('%s: SPAWN_FAILED with its kind, heard by a listener attached after spawn()', async (_name, options, kind, message) => {
    const pm = newManager({ pdeathsig: backend === 'pdeathsig' });
    const errors: ProcwardError[] = [];
    let p!: ReturnType<ProcessManager['spawn']>;
    expect(() => {
      p = pm.spawn({ command: 'echo', ...options, ...extra } as SpawnOptions);
    }).not.toThrow();
    p.on('error', (e) => errors.push(e));
    await expect(p.started).rejects.toMatchObject({ code: 'SPAWN_FAILED', kind, message: expect.stringMatching(message) });
    const exit = await p.exited;
    expect(exit).toMatchObject({ state: 'failed', reason: 'spawn-error', error: { code: 'SPAWN_FAILED' } });
    expect(errors).toHaveLength(1);
    expect((errors[0] as SpawnFailedError).kind).toBe(kind);
    expect(errors[0]!.message).not.toMatch(/^spawn E/);
  });
});

describe('spawn failures never escape', () => {
  it('a PATH entry that is a file does not break the search on any backend (it is skipped, as execvp does)', async () => {
    const pm = newManager();
    for (const extra of [{}, { pty: true }] as Partial<SpawnOptions>[]) {
      const p = pm.spawn({ command: 'echo', args: ['found'], env: { PATH: '/etc/passwd:/usr/bin:/bin' }, ...extra } as SpawnOptions);
      const exit = await p.exited;
      expect(exit.state).toBe('completed');
      expect(p.output.read().data.toString()).toContain('found');
    }
  });

  it('behind maxConcurrent: no unhandled rejection, no ghost, shutdown resolves', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pm = newManager({ maxConcurrent: 1 });
      const blocker = pm.spawn({ command: 'sleep', args: ['0.2'] });
      const failing = [
        pm.spawn({ command: 'echo', pty: true, cwd: '/etc/passwd' }),
        pm.spawn({ command: 'echo', args: [big], pty: true }),
        pm.spawn({ command: 'echo', args: [big] }),
        pm.spawn({ command: 'echo', cwd: '/etc/passwd' }),
      ];
      for (const p of failing) expect((await p.exited).state).toBe('failed');
      await blocker.exited;
      await pm.shutdown();
      expect(pm.list().filter((p) => p.state === 'starting' || p.state === 'queued')).toEqual([]);
      // One more turn for any rejection that would be reported late.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
