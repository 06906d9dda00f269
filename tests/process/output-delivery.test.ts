import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '../../src/index.js';
import { fixture } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

/** Checks that text is exactly the numbered lines first..last of flood.mjs, in order. */
function assertNumbered(text: string, expectedLines?: number) {
  const lines = text.split('\n');
  expect(lines.pop()).toBe('');
  if (expectedLines !== undefined) expect(lines.length).toBe(expectedLines);
  let prev = -1;
  for (const l of lines) {
    const n = Number(l);
    if (!(n > prev) || l.length !== 9) throw new Error(`line out of order or damaged after ${prev}: ${JSON.stringify(l)}`);
    prev = n;
  }
}

describe('output', () => {
  it('delivers every byte of 20 MB to listeners and the buffer, in order, before exit', async () => {
    const size = 20_000_000;
    const pm = newManager({ output: { maxBytes: 32 * 1024 * 1024 } });
    const p = pm.spawn(fixture('flood.mjs', size));
    const heard: Buffer[] = [];
    let heardAtExit = -1;
    let managerHeard = 0;
    p.on('output', (c) => heard.push(c.data));
    pm.on('output', (_p, c) => (managerHeard += c.data.length));
    p.on('exit', () => (heardAtExit = heard.reduce((n, b) => n + b.length, 0)));
    const exit = await p.exited;
    expect(exit.state).toBe('completed');
    expect(heardAtExit).toBe(size);
    expect(managerHeard).toBe(size);
    expect(p.output.end).toBe(size);
    const text = Buffer.concat(heard).toString();
    assertNumbered(text, size / 10);
    expect(p.output.read().data.toString()).toBe(text);
  });

  it('keeps stdout and stderr apart in order, and interleaves them in one offset space', async () => {
    const size = 4_000_000;
    const pm = newManager({ output: { maxBytes: 8 * 1024 * 1024 } });
    const p = pm.spawn(fixture('flood.mjs', size, 'both'));
    const chunks: OutputChunk[] = [];
    p.on('output', (c) => chunks.push(c));
    await p.exited;
    let offset = 0;
    for (const c of chunks) {
      expect(c.offset).toBe(offset);
      offset += c.data.length;
    }
    expect(offset).toBe(size);
    const merged = (s: string) => Buffer.concat(chunks.filter((c) => c.stream === s).map((c) => c.data)).toString();
    const out = merged('stdout');
    const err = merged('stderr');
    expect(out.length + err.length).toBe(size);
    expect(err.length).toBeGreaterThan(0);
    assertNumbered(out);
    assertNumbered(err);
  });

  it('keeps memory flat under a flood: the buffer holds at most maxBytes', async () => {
    const size = 256 * 1024 * 1024;
    const cap = 1024 * 1024;
    const pm = newManager({ output: { maxBytes: cap } });
    const p = pm.spawn({ command: 'head', args: ['-c', String(size), '/dev/zero'] });
    let maxHeld = 0;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    p.on('output', () => {
      maxHeld = Math.max(maxHeld, p.output.size);
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    });
    await p.exited;
    expect(p.output.end).toBe(size);
    expect(maxHeld).toBeLessThanOrEqual(cap);
    expect(p.output.read({ since: 0 }).dropped).toBe(size - cap);
    // 256 MiB passed through; growth stays a small multiple of the cap (GC slack included).
    expect(rssPeak - rssBefore).toBeLessThan(96 * 1024 * 1024);
  });

  it('a late follower replays from an offset then follows live with no gap or duplicate, ending at exit', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'for i in $(seq 1 200); do echo "row $i"; sleep 0.005; done'] });
    // Join once some output exists, from offset 0, while the process keeps writing.
    await new Promise<void>((resolve) =>
      p.on('output', function first() {
        if (p.output.end > 50) {
          p.off('output', first);
          resolve();
        }
      }),
    );
    let text = '';
    for await (const c of p.output.follow({ since: 0 })) {
      expect(c.dropped).toBe(0);
      text += c.data.toString();
    }
    expect(p.state).toBe('completed');
    expect(text).toBe(Array.from({ length: 200 }, (_, i) => `row ${i + 1}\n`).join(''));
  });
});
