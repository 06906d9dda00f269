import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { guarded } from '../../src/internal/guarded.js';

describe('guarded: the body of a library timer', () => {
  it('hands a throw to report, from a real timer', async () => {
    const reported: unknown[] = [];
    await new Promise<void>((resolve) =>
      setTimeout(
        guarded(
          () => {
            resolve();
            throw new Error('boom');
          },
          (e) => reported.push(e),
        ),
        0,
      ),
    );
    expect(reported).toEqual([new Error('boom')]);
  });

  it('hands a rejection of the promise it returns to report', async () => {
    const reported: unknown[] = [];
    const done = new Promise<void>((resolve) =>
      guarded(
        async () => Promise.reject(new Error('later')),
        (e) => (reported.push(e), resolve()),
      )(),
    );
    await done;
    expect(reported).toEqual([new Error('later')]);
  });

  it('a report that throws becomes a process warning, never an uncaught exception', async () => {
    const warned = once(process, 'warning');
    guarded(
      () => {
        throw new Error('first');
      },
      () => {
        throw new Error('second');
      },
    )();
    const [warning] = (await warned) as [Error & { name: string }];
    expect(warning.name).toBe('PROCWARD_INTERNAL_FAILED');
    expect(warning.message).toMatch(/second.*first/s);
  });
});
