import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcwardError } from '../../src/errors/procward-error.js';
import { OutputBuffer } from '../../src/output/output-buffer.js';
import { followSpool, readSpool, type SpoolChunk } from '../../src/spool/spool-reader.js';
import { SpoolWriter } from '../../src/spool/spool-writer.js';
import { waitFor } from '../helpers/proc.js';

const b = (s: string) => Buffer.from(s);
const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.out'))
    .sort();
const segmentSizes = (dir: string) => segmentFiles(dir).map((n) => statSync(join(dir, n)).size);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'procward-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Collects a follow into an array the test can poll, and its completion. */
function collect(source: AsyncGenerator<SpoolChunk>) {
  const chunks: SpoolChunk[] = [];
  const done = (async () => {
    for await (const c of source) chunks.push(c);
  })();
  const text = () => Buffer.concat(chunks.map((c) => c.data)).toString();
  return { chunks, done, text };
}

describe('SpoolWriter and readSpool', () => {
  it('names segments by their first offset and reads across them', () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 4 });
    w.append(b('hello '));
    w.append(b('world'));
    expect(segmentFiles(dir)).toEqual(['0000000000000000.out', '0000000000000004.out', '0000000000000008.out']);
    expect(segmentSizes(dir)).toEqual([4, 4, 3]);
    expect(readSpool(dir).data.toString()).toBe('hello world');
    const r = readSpool(dir, { since: 3, limit: 5 });
    expect(r).toMatchObject({ from: 3, to: 8, dropped: 0, end: 11 });
    expect(r.data.toString()).toBe('lo wo');
    expect(readSpool(dir, { since: 11 })).toMatchObject({ from: 11, to: 11, dropped: 0 });
    expect(readSpool(dir, { since: 50 })).toMatchObject({ from: 11, to: 11, dropped: 0 });
    expect(readSpool(dir, { limit: 0 })).toMatchObject({ from: 0, to: 0 });
    w.close();
  });

  it('rotates whole segments and reports what a reader missed as dropped', () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 25 });
    for (let i = 0; i < 30; i++) w.append(Buffer.alloc(10, 65 + (i % 26)));
    expect(w.end).toBe(300);
    expect(w.start).toBe(200);
    expect(segmentSizes(dir)).toEqual([25, 25, 25, 25]);
    const r = readSpool(dir, { since: 150, limit: 30 });
    expect(r).toMatchObject({ from: 200, to: 230, dropped: 50, end: 300 });
    expect(readSpool(dir)).toMatchObject({ from: 200, to: 300, dropped: 0 });
    w.append(b('x')); // 101 bytes: the oldest segment goes, the newest (1 byte) stays
    expect(w.start).toBe(225);
    expect(readSpool(dir, { since: 0 })).toMatchObject({ from: 225, to: 301, dropped: 225 });
    w.close();
  });

  it('matches OutputBuffer.read for random chunks, reopenings and queries', () => {
    const op = fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)) }, { weight: 1, arbitrary: fc.constant('reopen' as const) });
    const query = fc.record({ since: fc.option(fc.nat(400), { nil: undefined }), limit: fc.option(fc.nat(120), { nil: undefined }) });
    const limits = fc.integer({ min: 1, max: 150 }).chain((maxBytes) => fc.record({ maxBytes: fc.constant(maxBytes), segmentBytes: fc.integer({ min: 1, max: maxBytes }) }));
    fc.assert(
      fc.property(limits, fc.array(op, { maxLength: 30 }), fc.array(query, { minLength: 1, maxLength: 10 }), (options, ops, queries) => {
        const d = mkdtempSync(join(tmpdir(), 'procward-spool-prop-'));
        try {
          let w = new SpoolWriter(d, options);
          const written: Buffer[] = [];
          for (const o of ops) {
            if (o === 'reopen') {
              w.close();
              w = SpoolWriter.open(d);
            } else {
              w.append(o);
              written.push(o);
            }
          }
          const total = written.reduce((n, c) => n + c.length, 0);
          expect(w.end).toBe(total);
          const kept = w.end - w.start;
          const sizes = segmentSizes(d);
          expect(sizes.reduce((n, s) => n + s, 0)).toBe(kept);
          expect(kept).toBeLessThanOrEqual(options.maxBytes);
          if (w.start > 0) expect(kept).toBeGreaterThan(options.maxBytes - options.segmentBytes);
          for (const s of sizes.slice(0, -1)) expect(s).toBe(options.segmentBytes);

          const reference = new OutputBuffer({ maxBytes: kept });
          for (const c of written) reference.append('stdout', c);
          expect(reference.start).toBe(w.start);
          for (const q of queries) {
            const { end, ...got } = readSpool(d, q);
            expect(end).toBe(total);
            expect(got).toEqual(reference.read(q));
          }
          w.close();
        } finally {
          rmSync(d, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('continues offsets after a reopen, with the recorded limits', () => {
    const w = new SpoolWriter(dir, { maxBytes: 40, segmentBytes: 10 });
    w.append(b('0123456789abc'));
    w.close();
    const again = SpoolWriter.open(dir);
    expect(again.maxBytes).toBe(40);
    expect(again.segmentBytes).toBe(10);
    expect(again.end).toBe(13);
    again.append(b('def'));
    expect(again.end).toBe(16);
    expect(segmentSizes(dir)).toEqual([10, 6]);
    const r = readSpool(dir, { since: 12 });
    expect(r).toMatchObject({ from: 12, to: 16 });
    expect(r.data.toString()).toBe('cdef');
    again.close();
  });

  it('tolerates a torn last write: offsets come from the bytes on disk', () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 20 });
    w.append(b('first line\n'));
    w.close();
    // What a host killed in the middle of writing "second line\n" leaves behind.
    appendFileSync(join(dir, '0000000000000000.out'), 'seco');
    expect(readSpool(dir)).toMatchObject({ from: 0, to: 15, end: 15 });
    const again = SpoolWriter.open(dir);
    expect(again.end).toBe(15);
    again.append(b('third line\n'));
    expect(again.end).toBe(26);
    expect(readSpool(dir).data.toString()).toBe('first line\nsecothird line\n');
    expect(readSpool(dir, { since: 15 }).data.toString()).toBe('third line\n');
    again.close();
  });

  it('continues in an empty newest segment left by a crash right after it was created', () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 5 });
    w.append(b('12345'));
    w.close();
    writeFileSync(join(dir, '0000000000000005.out'), '');
    const again = SpoolWriter.open(dir);
    again.append(b('678'));
    expect(segmentFiles(dir)).toEqual(['0000000000000000.out', '0000000000000005.out']);
    expect(readSpool(dir).data.toString()).toBe('12345678');
    again.close();
  });

  it('counts a segment deleted behind the writer as dropped and keeps data contiguous', () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 5 });
    w.append(b('aaaaabbbbbccccc'));
    unlinkSync(join(dir, '0000000000000000.out'));
    expect(readSpool(dir, { since: 2 })).toMatchObject({ from: 5, to: 15, dropped: 3 });
    // A hole in the middle (only a hand can make one): a read stops before it…
    unlinkSync(join(dir, '0000000000000010.out'));
    w.append(b('ddddd'));
    const r = readSpool(dir, { since: 5 });
    expect(r).toMatchObject({ from: 5, to: 10, dropped: 0 });
    // …and the next read, from there, reports the hole as dropped.
    const next = readSpool(dir, { since: r.to });
    expect(next).toMatchObject({ from: 15, to: 20, dropped: 5 });
    expect(next.data.toString()).toBe('ddddd');
    w.close();
  });

  it('throws NOT_FOUND naming the directory when it does not exist', () => {
    const missing = join(dir, 'nope');
    for (const attempt of [() => readSpool(missing), () => SpoolWriter.open(missing), () => SpoolWriter.openForChild(missing)]) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(isProcwardError(error, 'NOT_FOUND')).toBe(true);
      expect((error as Error).message).toContain(missing);
    }
  });

  it('reads an empty spool as empty', () => {
    new SpoolWriter(dir, { maxBytes: 10 }).close();
    expect(readSpool(dir, { since: 3 })).toMatchObject({ from: 0, to: 0, dropped: 0, end: 0 });
  });

  it.each([
    [{ maxBytes: 0 }, 'maxBytes'],
    [{ maxBytes: 1.5 }, 'maxBytes'],
    [{ maxBytes: 10, segmentBytes: 11 }, 'segmentBytes must not exceed maxBytes'],
    [{ maxBytes: 10, segmentBytes: 0 }, 'segmentBytes'],
    [{ maxBytes: 10, segmentSize: 4 }, 'segmentSize'],
  ])('rejects options %j', (options, fragment) => {
    let error: unknown;
    try {
      new SpoolWriter(dir, options as never);
    } catch (e) {
      error = e;
    }
    expect(isProcwardError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toContain(fragment);
  });

  it('refuses appends after close', () => {
    const w = new SpoolWriter(dir, { maxBytes: 10 });
    w.close();
    expect(() => w.append(b('x'))).toThrow(/closed/);
  });
});

describe('followSpool', () => {
  it('replays, follows a host writer and ends at the closed marker', async () => {
    const w = new SpoolWriter(dir, { maxBytes: 1000, segmentBytes: 8 });
    w.append(b('before\n'));
    const f = collect(followSpool(dir, { pollMs: 5 }));
    await waitFor(() => f.text() === 'before\n', 'the replayed bytes');
    w.append(b('live one\n'));
    await waitFor(() => f.text().endsWith('live one\n'), 'the first live bytes');
    w.append(b('live two\n'));
    w.close({ final: true });
    await f.done;
    expect(f.text()).toBe('before\nlive one\nlive two\n');
    for (let i = 1; i < f.chunks.length; i++) {
      const prev = f.chunks[i - 1]!;
      expect(f.chunks[i]!.offset).toBe(prev.offset + prev.data.length);
    }
  });

  it('reports bytes rotated away before it reached them', async () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 25 });
    for (let i = 0; i < 30; i++) w.append(Buffer.alloc(10, 97));
    w.close({ final: true });
    const f = collect(followSpool(dir, { since: 150 }));
    await f.done;
    expect(f.chunks[0]).toMatchObject({ offset: 200, dropped: 50 });
    expect(f.chunks.reduce((n, c) => n + c.data.length, 0)).toBe(100);
  });

  it('ends without an error when its signal aborts', async () => {
    const w = new SpoolWriter(dir, { maxBytes: 100 });
    w.append(b('x'));
    w.close();
    const controller = new AbortController();
    const f = collect(followSpool(dir, { signal: controller.signal, pollMs: 5 }));
    await waitFor(() => f.text() === 'x', 'the first byte');
    controller.abort();
    await f.done;
  });

  it('rejects on a missing directory', async () => {
    const f = collect(followSpool(join(dir, 'nope')));
    await expect(f.done).rejects.toThrow(/nope.*does not exist/);
  });

  it('follows a child writing through the fd from openForChild, after the host bytes', async () => {
    const w = new SpoolWriter(dir, { maxBytes: 1 << 20, segmentBytes: 16 });
    w.append(b('host before\n'));
    w.close();
    const f = collect(followSpool(dir, { pollMs: 5 }));
    const fd = SpoolWriter.openForChild(dir);
    expect(segmentFiles(dir).at(-1)).toBe('0000000000000012.out');
    const child = spawn('bash', ['-c', 'for i in $(seq 100); do echo line $i; done'], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    await waitFor(() => f.text().endsWith('line 100\n'), 'the last line of the child');
    SpoolWriter.markClosed(dir);
    await f.done;

    const expected = 'host before\n' + Array.from({ length: 100 }, (_, i) => `line ${i + 1}\n`).join('');
    expect(f.text()).toBe(expected);
    expect(f.chunks[0]!.offset).toBe(0);

    // The child's segment is past segmentBytes: the host continues in a new one, at the right offset.
    const again = SpoolWriter.open(dir);
    expect(again.end).toBe(expected.length);
    again.append(b('host after\n'));
    expect(segmentFiles(dir).at(-1)).toBe(`${String(expected.length).padStart(16, '0')}.out`);
    expect(readSpool(dir, { since: expected.length - 9 }).data.toString()).toBe('line 100\nhost after\n');
    again.close();
  });

  it('rotateIfNeeded catches up with a child and trims old segments but never the newest', async () => {
    const w = new SpoolWriter(dir, { maxBytes: 100, segmentBytes: 25 });
    w.append(Buffer.alloc(75, 97));
    const fd = SpoolWriter.openForChild(dir);
    const child = spawn('bash', ['-c', 'head -c 300 /dev/zero'], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    await new Promise((resolve) => child.on('exit', resolve));
    expect(w.end).toBe(75); // stale until it looks at the disk again
    w.rotateIfNeeded();
    expect(w.end).toBe(375);
    expect(w.start).toBe(75);
    expect(segmentFiles(dir)).toEqual(['0000000000000075.out']);
    w.append(b('tail')); // a new segment for host bytes; now the child's one is the oldest, and over the limit
    expect(segmentFiles(dir)).toEqual(['0000000000000375.out']);
    expect(readSpool(dir, { since: 370 })).toMatchObject({ from: 375, to: 379, dropped: 5 });
    w.close();
  });
});
