/**
 * JSON Lines parser fuzz: hostile streams (random splits of valid JSONL, invalid UTF-8, lines over
 * maxLineBytes, lone \r, NUL, deep nesting, BOMs, CRLF, a last line without a newline) cut into
 * random chunks. Every complete valid line yields exactly its value, in order, with its line number
 * and offset; every other line is reported, never thrown; the memory held is bounded by maxLineBytes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonLinesParser, type JsonLinesItem } from '../../src/entries/parsers.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Across the chunking property's runs, at least this many chunks are written (counted, since cuts may coincide). */
const MIN_CHUNKS = 10_000;
let chunksWritten = 0;

/** One line of the stream, as bytes without its newline (a CR of a CRLF is part of it). */
type Line = { kind: string; bytes: Buffer; value?: unknown };

const noNewline = (b: Uint8Array) => Buffer.from(b.map((x) => (x === 0x0a ? 0x20 : x)));
const json = fc.jsonValue({ maxDepth: 3 });

function lineArb(max: number): fc.Arbitrary<Line> {
  return fc.oneof(
    { weight: 6, arbitrary: json.map((v) => ({ kind: 'value', bytes: Buffer.from(JSON.stringify(v)), value: JSON.parse(JSON.stringify(v)) as unknown })) },
    { weight: 1, arbitrary: json.map((v) => ({ kind: 'value', bytes: Buffer.from(` \t${JSON.stringify(v)}  `), value: JSON.parse(JSON.stringify(v)) as unknown })) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => ({ kind: 'noise', bytes: noNewline(Buffer.from(`#${s}`)) })) },
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => ({ kind: 'bytes', bytes: noNewline(b) })) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 20 })
        .map((b) => ({ kind: 'utf8-in-string', bytes: Buffer.concat([Buffer.from('"'), noNewline(b.filter((x) => x !== 0x22 && x !== 0x5c)), Buffer.from('"')]) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '{"a":1}\0',
          '\0',
          '{"nul":"\0"}',
          '{"nul":"\\u0000"}',
          '{"a":1}\r{"b":2}',
          '\r',
          '\r\r',
          '{"cr":1}\r\r',
          '\ufeff{"bom":"inside"}',
          '[1,2',
          '{"truncated":',
          '"\\ud800"',
          '1e400',
          '-',
          '   ',
          '',
        )
        .map((s) => ({ kind: 'edge', bytes: Buffer.from(s) })),
    },
    // Deep enough to matter, shallow enough for the comparison (much deeper nesting: its own test below).
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }).map((n) => ({ kind: 'deep', bytes: Buffer.from('['.repeat(n) + ']'.repeat(n)) })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 * max }).map((extra) => ({ kind: 'huge', bytes: Buffer.alloc(max + extra, 0x78) })) },
    { weight: 1, arbitrary: fc.constant(null).map(() => ({ kind: 'exactly-max', bytes: Buffer.from(`"${'y'.repeat(Math.max(0, max - 2))}"`.slice(0, Math.max(1, max))) })) },
  );
}

interface Stream {
  max: number;
  bom: boolean;
  lines: Line[];
  crlf: boolean[];
  /** The last line has no newline (the stream ends inside it). */
  open: boolean;
  cuts: number[];
  views: boolean[];
}

const streamArb: fc.Arbitrary<Stream> = fc.constantFrom(16, 100, 1000, 64 * 1024).chain((max) =>
  fc.record({
    max: fc.constant(max),
    bom: fc.boolean(),
    lines: fc.array(lineArb(max), { minLength: 1, maxLength: 30 }),
    crlf: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
    open: fc.boolean(),
    cuts: fc.array(fc.nat(), { minLength: 20, maxLength: 160 }),
    views: fc.array(fc.boolean(), { minLength: 161, maxLength: 161 }),
  }),
);

/** The raw bytes of each line as the parser frames them, and the whole stream. */
function frame(s: Stream): { raws: Buffer[]; bytes: Buffer } {
  const raws = s.lines.map((l, i) => {
    const withBom = i === 0 && s.bom ? Buffer.concat([BOM, l.bytes]) : l.bytes;
    const last = i === s.lines.length - 1;
    return last && s.open ? withBom : s.crlf[i] ? Buffer.concat([withBom, Buffer.from('\r')]) : withBom;
  });
  // An empty last line without a newline is no line: the stream simply ended after the last newline.
  if (s.open && raws[raws.length - 1]!.length === 0) raws.pop();
  const parts: Buffer[] = [];
  raws.forEach((r, i) => {
    parts.push(r);
    if (!(i === s.lines.length - 1 && s.open)) parts.push(Buffer.from('\n'));
  });
  return { raws, bytes: Buffer.concat(parts) };
}

/**
 * What the parser must report, from the line framing alone: a line longer than max (in bytes,
 * newline excluded) overflows; otherwise one trailing CR and, on the first line, a BOM go; then a
 * blank or whitespace-only line is nothing, a line JSON.parse accepts is its value, any other is invalid.
 */
function expected(s: Stream, raws: Buffer[]): JsonLinesItem[] {
  const out: JsonLinesItem[] = [];
  let offset = 0;
  raws.forEach((raw, i) => {
    const line = i + 1;
    const start = offset;
    offset += raw.length + 1;
    if (raw.length > s.max) return void out.push({ kind: 'overflow', line, offset: start, bytes: raw.length });
    let b = raw;
    if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, -1);
    if (i === 0 && b.subarray(0, 3).equals(BOM)) b = b.subarray(3);
    if (b.length === 0) return;
    const text = b.toString('utf8');
    try {
      out.push({ kind: 'value', value: JSON.parse(text) as unknown, line, offset: start });
    } catch {
      if (text.trim() !== '') out.push({ kind: 'invalid', line, offset: start, excerpt: text.slice(0, 200), error: expect.any(String) as unknown as string });
    }
  });
  return out;
}

/** Feeds the stream cut at `cuts`, some chunks as Uint8Array views into a larger buffer. */
function parse(s: Stream, bytes: Buffer, count = false): { items: JsonLinesItem[]; lines: number } {
  const items: JsonLinesItem[] = [];
  const p = new JsonLinesParser({ maxLineBytes: s.max });
  p.on('value', (v) => items.push({ kind: 'value', ...v }));
  p.on('invalid', (v) => items.push({ kind: 'invalid', ...v }));
  p.on('overflow', (v) => items.push({ kind: 'overflow', ...v }));
  const points = [...new Set(s.cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  [...points, bytes.length].forEach((at, i) => {
    const piece = bytes.subarray(prev, at);
    prev = at;
    if (s.views[i]) {
      // A view with a byteOffset into a bigger ArrayBuffer, as a stream may hand out.
      const backing = new Uint8Array(piece.length + 8);
      backing.set(piece, 4);
      p.write(backing.subarray(4, 4 + piece.length));
    } else {
      p.write(piece);
    }
    if (count) chunksWritten++;
  });
  p.end();
  return { items, lines: p.lines };
}

describe('JsonLinesParser fuzz', () => {
  it('hostile streams in random chunks: every valid line is its value, in order; the rest is reported, never thrown', () => {
    fc.assert(
      fc.property(streamArb, (s) => {
        const { raws, bytes } = frame(s);
        const want = expected(s, raws);
        const got = parse(s, bytes, true);
        expect(got.items).toEqual(want);
        expect(got.lines).toBe(raws.length);
        // The generator's valid lines (within the bound) are exactly their values.
        s.lines.forEach((l, i) => {
          if (l.kind !== 'value' || raws[i]!.length > s.max) return;
          expect(got.items.find((item) => item.line === i + 1)).toMatchObject({ kind: 'value', value: l.value });
        });
      }),
      { numRuns: 500 },
    );
    expect(chunksWritten).toBeGreaterThanOrEqual(MIN_CHUNKS);
  });

  it.each([10_000, 100_000, 400_000])('nesting %i deep is a value or reported invalid, never a throw (the stack is not the parser’s limit)', (depth) => {
    const items: string[] = [];
    const p = new JsonLinesParser();
    p.on('value', () => items.push('value'));
    p.on('invalid', (i) => items.push(`invalid: ${i.error}`));
    const line = Buffer.from('['.repeat(depth) + ']'.repeat(depth) + '\n{"after":true}\n' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '\n');
    for (let at = 0; at < line.length; at += 4096) expect(() => p.write(line.subarray(at, at + 4096))).not.toThrow();
    p.end();
    expect(items).toHaveLength(3);
    expect(items[1]).toBe('value');
  });

  it('one byte at a time gives what one write gives', () => {
    fc.assert(
      fc.property(streamArb, (s) => {
        const { bytes } = frame(s);
        const whole = parse({ ...s, cuts: [] }, bytes);
        const bytewise = parse({ ...s, cuts: [...bytes.keys()], views: [] }, bytes);
        expect(bytewise.items).toEqual(whole.items);
      }),
      { numRuns: 20 },
    );
  });
});

describe('JsonLinesParser memory is bounded by maxLineBytes', () => {
  // A collection on demand, so that what the parser still references can be told from garbage.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const held = () => {
    gc();
    gc();
    return process.memoryUsage().arrayBuffers;
  };

  it('a stream of lines far longer than the bound, in fresh chunks, keeps at most about maxLineBytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(1024, 64 * 1024, 1 << 20), fc.integer({ min: 16 * 1024, max: 512 * 1024 }), fc.integer({ min: 0, max: 3 }), (max, chunk, newlines) => {
        const p = new JsonLinesParser({ maxLineBytes: max });
        let overflows = 0;
        p.on('overflow', () => overflows++);
        const before = held();
        const total = 16 << 20;
        const count = Math.ceil(total / chunk);
        // Lines between newlines are at least twice the bound: each overflows.
        const every = Math.ceil((2 * max) / chunk) + 1;
        let peak = 0;
        for (let i = 0; i < count; i++) {
          const c = Buffer.alloc(chunk, 0x61); // a fresh buffer each time, as a pipe delivers
          // Now and then a newline ends the huge line, so that several overflow in turn.
          if (newlines > 0 && i % (every * newlines) === every - 1) c[chunk >> 1] = 0x0a;
          p.write(c);
          // A few measurements: each one is a full collection.
          if (i % Math.ceil(count / 4) === Math.ceil(count / 4) - 1) peak = Math.max(peak, held() - before);
        }
        p.end();
        expect(overflows).toBeGreaterThan(0);
        // What is pending (≤ max) and the chunk in hand, plus what the allocator keeps around.
        expect(peak).toBeLessThan(max + 2 * chunk + (4 << 20));
      }),
      { numRuns: 5 },
    );
  });
});
