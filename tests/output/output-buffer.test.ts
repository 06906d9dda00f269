import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/output/output-buffer.js';

const b = (s: string) => Buffer.from(s);

describe('OutputBuffer', () => {
  it('keeps absolute offsets and reads ranges across chunks', () => {
    const out = new OutputBuffer({ maxBytes: 100 });
    expect(out.append('stdout', b('hello ')).offset).toBe(0);
    expect(out.append('stderr', b('world')).offset).toBe(6);
    expect(out.read().data.toString()).toBe('hello world');
    expect(out.read({ since: 3, limit: 5 })).toMatchObject({ from: 3, to: 8, dropped: 0 });
    expect(out.read({ since: 3, limit: 5 }).data.toString()).toBe('lo wo');
    expect(out.read({ since: 11 }).data.length).toBe(0);
    expect(out.chunks().map((c) => c.stream)).toEqual(['stdout', 'stderr']);
  });

  it('evicts beyond maxBytes and reports what a reader missed', () => {
    const out = new OutputBuffer({ maxBytes: 10 });
    out.append('stdout', b('0123456789'));
    out.append('stdout', b('abcdef'));
    expect(out.size).toBe(10);
    expect(out.start).toBe(6);
    expect(out.end).toBe(16);
    const r = out.read({ since: 2 });
    expect(r).toMatchObject({ from: 6, to: 16, dropped: 4 });
    expect(r.data.toString()).toBe('6789abcdef');
  });

  it('holds at most maxBytes whatever the chunking (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }), (cap, sizes) => {
        const out = new OutputBuffer({ maxBytes: cap });
        let all = '';
        for (const n of sizes) {
          const piece = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((all.length + i) % 26))).join('');
          all += piece;
          out.append('stdout', b(piece));
          expect(out.size).toBeLessThanOrEqual(cap);
        }
        expect(out.end).toBe(all.length);
        expect(out.read().data.toString()).toBe(all.slice(out.start));
        expect(out.start).toBe(Math.max(0, all.length - cap));
        const since = Math.floor(all.length / 2);
        const r = out.read({ since });
        expect(r.data.toString()).toBe(all.slice(Math.max(since, out.start)));
        expect(r.dropped).toBe(Math.max(0, out.start - since));
      }),
    );
  });

  it('follow replays from an offset then continues live with no gap and no duplicate', async () => {
    const out = new OutputBuffer({ maxBytes: 1024 });
    out.append('stdout', b('abc'));
    out.append('stdout', b('def'));
    const seen: string[] = [];
    const done = (async () => {
      for await (const c of out.follow({ since: 2 })) seen.push(c.data.toString());
    })();
    await new Promise((r) => setImmediate(r));
    out.append('stderr', b('ghi'));
    out.append('stdout', b('jkl'));
    out.close();
    await done;
    expect(seen.join('')).toBe('cdefghijkl');
  });

  it('follow reports bytes evicted before a slow follower reached them', async () => {
    const out = new OutputBuffer({ maxBytes: 4 });
    const it = out.follow({ since: 0 })[Symbol.asyncIterator]();
    out.append('stdout', b('0123'));
    const first = await it.next();
    expect(first.value?.data.toString()).toBe('0123');
    out.append('stdout', b('4567'));
    out.append('stdout', b('89'));
    const second = await it.next();
    expect(second.value).toMatchObject({ offset: 6, dropped: 2 });
    expect(second.value?.data.toString()).toBe('67');
    out.close();
    expect((await it.next()).value?.data.toString()).toBe('89');
    expect((await it.next()).done).toBe(true);
  });

  it('follow stops when its signal aborts', async () => {
    const out = new OutputBuffer({ maxBytes: 16 });
    const ac = new AbortController();
    const got: string[] = [];
    const done = (async () => {
      for await (const c of out.follow({ signal: ac.signal })) got.push(c.data.toString());
    })();
    out.append('stdout', b('x'));
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await done;
    expect(got).toEqual(['x']);
  });
});
