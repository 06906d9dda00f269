import { describe, expect, it } from 'vitest';
import type { ProcessManager } from '../../src/index.js';
import { fixture } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

/** What flood.mjs writes for `size` bytes, as a terminal shows it (ONLCR: \n → \r\n). */
function expectedFlood(size: number): Buffer {
  let text = '';
  for (let line = 0; text.length < size; line++) text += `${String(line).padStart(9, '0')}\n`;
  return Buffer.from(text.slice(0, size).replace(/\n/g, '\r\n'));
}

async function floodOnce(pm: ProcessManager, size: number, expected: Buffer, slowConsumer = false): Promise<void> {
  const p = pm.spawn({ ...fixture('flood.mjs', size), pty: true, output: { maxBytes: 2 * expected.length } });
  let heard = 0;
  let chunks = 0;
  p.on('output', (c) => {
    heard += c.data.length;
    // A host busy elsewhere: block the event loop now and then, as a heavy UI render would.
    if (slowConsumer && ++chunks % 64 === 0) {
      const until = performance.now() + 250;
      while (performance.now() < until);
    }
  });
  let heardAtExit = -1;
  p.on('exit', () => (heardAtExit = heard));
  const exit = await p.exited;
  expect(exit.state).toBe('completed');
  expect(heardAtExit).toBe(expected.length);
  const got = p.output.read().data;
  if (!got.equals(expected)) throw new Error(`output differs from byte ${firstDiff(got, expected)} (got ${got.length} of ${expected.length} bytes)`);
}

function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

describe('pty output: no lost tail', () => {
  // Every byte before exit, in every run: the child writes and exits at once.
  it.each([
    [4 * 1024, 50],
    [64 * 1024, 50],
    [1024 * 1024, 50],
    [16 * 1024 * 1024, 50],
  ])(
    '%i bytes, %i runs',
    async (size, runs) => {
      const pm = newManager();
      const expected = expectedFlood(size);
      // Two at a time, so that runs also overlap with each other's exits.
      for (let i = 0; i < runs; i += 2) await Promise.all([floodOnce(pm, size, expected), floodOnce(pm, size, expected)]);
    },
    300_000,
  );

  it('holds with a host whose event loop is blocked for 250 ms at a time', async () => {
    const pm = newManager();
    const size = 4 * 1024 * 1024;
    const expected = expectedFlood(size);
    for (let i = 0; i < 3; i++) await floodOnce(pm, size, expected, true);
  }, 300_000);

  it('keeps memory bounded by the buffer cap under a flood', async () => {
    const pm = newManager({ output: { maxBytes: 1024 * 1024 } });
    const size = 128 * 1024 * 1024;
    const p = pm.spawn({ command: 'head', args: ['-c', String(size), '/dev/zero'], pty: true });
    let maxHeld = 0;
    p.on('output', () => (maxHeld = Math.max(maxHeld, p.output.size)));
    await p.exited;
    expect(p.output.end).toBe(size);
    expect(maxHeld).toBeLessThanOrEqual(1024 * 1024);
  });
});
