import { describe, expect, it } from 'vitest';
import type { ProcwardError } from '../../src/index.js';
import { NotRunningError, NotSupportedError, StdinUnavailableError } from '../../src/errors/procward-error.js';
import { firstLine, fixture } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('stdin', () => {
  it('writes reach a piped child; end() closes its input', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('echo-stdin.mjs'), stdin: 'pipe' });
    await p.started;
    await p.write('hello\n');
    await firstLine(p, (l) => l === 'echo:hello');
    await p.write(Buffer.from('bytes too\n'));
    await firstLine(p, (l) => l === 'echo:bytes too');
    p.end();
    const exit = await p.exited;
    expect(exit.state).toBe('completed');
    expect(p.output.read().data.toString()).toBe('echo:hello\necho:bytes too\nstdin-ended\n');
    expect(() => p.end()).toThrow(NotRunningError);
  });

  it('a write after exit rejects with NOT_RUNNING; to an ignored stdin STDIN_UNAVAILABLE', async () => {
    const pm = newManager();
    const piped = pm.spawn({ command: 'true', stdin: 'pipe' });
    await piped.exited;
    await expect(piped.write('x')).rejects.toThrow(NotRunningError);
    await expect(piped.write('x')).rejects.toThrow(/has exited/);
    const ignored = pm.spawn({ command: 'sleep', args: ['30'] });
    await expect(ignored.write('x')).rejects.toThrow(StdinUnavailableError);
    await expect(ignored.write('x')).rejects.toMatchObject({ code: 'STDIN_UNAVAILABLE', message: expect.stringContaining("stdin: 'pipe'") });
  });

  it('a child that closed its stdin early does not crash the host: the write rejects with STDIN_FAILED', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'exec 0<&-; echo closed; sleep 30'], stdin: 'pipe' });
    const errors: ProcwardError[] = [];
    p.on('error', (e) => errors.push(e));
    await firstLine(p, (l) => l === 'closed');
    const big = Buffer.alloc(1024 * 1024, 97);
    const err = await p
      .write(big)
      .then(() => p.write(big))
      .then(
        () => undefined,
        (e) => e,
      );
    expect(err?.code).toBe('STDIN_FAILED');
    expect(errors.some((e) => e.code === 'STDIN_FAILED')).toBe(true);
  });

  it('resize on a pipe process is NOT_SUPPORTED', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    expect(() => p.resize(80, 24)).toThrow(NotSupportedError);
    expect(() => p.resize(80, 24)).toThrow(/pty: true/);
  });

  it('pause of a process that is not running is NOT_RUNNING', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'true' });
    await p.exited;
    expect(() => p.pause()).toThrow(expect.objectContaining({ code: 'NOT_RUNNING' }));
  });
});

describe('promises', () => {
  it('ignored promises never become unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pm = newManager({ killTimeoutMs: 100 });
      const failing = pm.spawn({ command: 'procward-missing-binary' }); // started rejects, ignored
      const queued = newManager({ maxConcurrent: 1 });
      queued.spawn({ command: 'sleep', args: ['30'] });
      const q = queued.spawn({ command: 'sleep', args: ['30'] });
      void q.stop(); // started of q rejects, ignored
      void pm.stop('unknown-id'); // rejects NOT_FOUND, ignored
      await failing.exited;
      await q.exited;
      await queued.shutdown();
      // Unhandled rejections are reported after the microtask queue drains: give it two turns.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
