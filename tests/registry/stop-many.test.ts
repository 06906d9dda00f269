import { describe, expect, it } from 'vitest';
import { StopFailedError } from '../../src/errors/procward-error.js';
import type { ProcessExit } from '../../src/process/types.js';
import { stopInSlices } from '../../src/registry/stop-many.js';

const exit = (n: number) => ({ code: n }) as unknown as ProcessExit;
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* work that holds the loop, like scanning and signalling a tree */
  }
}

describe('stopInSlices', () => {
  it('starts the first stops synchronously and lets the event loop run between slices', async () => {
    const started: number[] = [];
    let loopRanAt = -1;
    const done = stopInSlices([...Array(40).keys()], (i) => {
      started.push(i);
      busy(1);
      return Promise.resolve(exit(i));
    });
    expect(started.length).toBeGreaterThan(0); // under way when the call returns
    expect(started.length).toBeLessThan(40); // 40 ms of work is not done in one turn
    setImmediate(() => (loopRanAt = started.length));
    const exits = await done;
    expect(exits.map((e) => e.code)).toEqual([...Array(40).keys()]);
    expect(loopRanAt).toBeGreaterThan(0);
    expect(loopRanAt).toBeLessThan(40);
  });

  it('settles as one: survivors of every tree in one STOP_FAILED, a synchronous throw rethrown', async () => {
    const failed = (pid: number) => Promise.reject(new StopFailedError([{ pid, command: 'x', state: 'S' }]));
    const err = await stopInSlices([1, 2, 3], (i) => (i === 2 ? Promise.resolve(exit(2)) : failed(i))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StopFailedError);
    expect((err as StopFailedError).survivors.map((s) => s.pid)).toEqual([1, 3]);
    const boom = new Error('boom');
    await expect(
      stopInSlices([1], () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });
});
