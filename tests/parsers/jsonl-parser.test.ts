import { readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonLinesParser, parseJsonLines, type JsonLinesItem, type JsonLinesOptions } from '../../src/entries/parsers.js';

const SHARED = fileURLToPath(new URL('../fixtures/recorded/', import.meta.url));
const recorded = ['claude', 'codex'].flatMap((dir) =>
  readdirSync(SHARED + dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => [`${dir}/${f}`, readFileSync(`${SHARED}${dir}/${f}`)] as const),
);

function run(chunks: (Buffer | string)[], options?: JsonLinesOptions): JsonLinesItem[] {
  const out: JsonLinesItem[] = [];
  const p = new JsonLinesParser(options);
  p.on('value', (v) => out.push({ kind: 'value', ...v }));
  p.on('invalid', (v) => out.push({ kind: 'invalid', ...v }));
  p.on('overflow', (v) => out.push({ kind: 'overflow', ...v }));
  for (const c of chunks) p.write(c);
  p.end();
  return out;
}

function cut(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('JsonLinesParser', () => {
  it('parses values with line numbers and byte offsets; blank lines count, CRLF and a BOM are handled', () => {
    const input = '\uFEFF{"a":1}\r\n\n[2]\r\n  \n"é"';
    const items = run([input]);
    expect(items).toEqual([
      { kind: 'value', value: { a: 1 }, line: 1, offset: 0 },
      { kind: 'value', value: [2], line: 3, offset: 13 },
      { kind: 'value', value: 'é', line: 5, offset: 21 },
    ]);
  });

  it('reports noise lines as invalid and goes on', () => {
    const items = run(['Welcome to agent v2!\n{"ok":true}\nWARN: {broken\n{"n":2}\n']);
    expect(items.map((i) => i.kind)).toEqual(['invalid', 'value', 'invalid', 'value']);
    expect(items[0]).toMatchObject({ line: 1, offset: 0, excerpt: 'Welcome to agent v2!' });
    expect((items[0] as { error: string }).error).toMatch(/JSON/);
  });

  it('skips and reports a line longer than maxLineBytes, whatever the chunking, and goes on', () => {
    const long = `{"big":"${'x'.repeat(5000)}"}`;
    const input = Buffer.from(`{"before":1}\n${long}\n{"after":2}\n`);
    for (const chunks of [[input], cut(input, [5, 20, 100, 3000, 5010]), [...input].map((b) => Buffer.from([b]))]) {
      const items = run(chunks, { maxLineBytes: 1000 });
      expect(items).toEqual([
        { kind: 'value', value: { before: 1 }, line: 1, offset: 0 },
        { kind: 'overflow', line: 2, offset: 13, bytes: long.length },
        { kind: 'value', value: { after: 2 }, line: 3, offset: 14 + long.length },
      ]);
    }
  });

  // NaN compares false with everything, so `pending + n > NaN` never held and the bound was gone.
  it.each([
    ['NaN', Number.NaN, 'maxLineBytes must be a number'],
    ['0', 0, 'maxLineBytes must be at least 1'],
    ['-1', -1, 'maxLineBytes must be at least 1'],
    ['Infinity', Number.POSITIVE_INFINITY, 'maxLineBytes must be a number'],
    ['1.5', 1.5, 'maxLineBytes must be a whole number'],
    ["'10' (a string)", '10', 'maxLineBytes must be a number'],
  ])('refuses maxLineBytes %s with INVALID_OPTIONS naming it', (_name, maxLineBytes, hint) => {
    expect(() => new JsonLinesParser({ maxLineBytes } as JsonLinesOptions)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(hint) }));
  });

  it('refuses an unknown option, naming the nearest known one', () => {
    expect(() => new JsonLinesParser({ maxLine: 10 } as JsonLinesOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('did you mean "maxLineBytes"') }),
    );
  });

  it('keeps the bound it is given: a line of maxLineBytes + 1 overflows, one of maxLineBytes parses', () => {
    expect(run(['"12345678"\n'], { maxLineBytes: 10 })).toEqual([{ kind: 'value', value: '12345678', line: 1, offset: 0 }]);
    expect(run(['"123456789"\n'], { maxLineBytes: 10 })).toEqual([{ kind: 'overflow', line: 1, offset: 0, bytes: 11 }]);
  });

  it('cleans PTY output when asked', () => {
    const items = run(['\x1b[32m{"type":"x"}\x1b[0m\r\n\r\n'], { terminal: true });
    expect(items).toEqual([{ kind: 'value', value: { type: 'x' }, line: 1, offset: 0 }]);
  });

  it.each(recorded)('%s: every way of chunking yields the same events (property)', (_name, bytes) => {
    const whole = run([bytes]);
    expect(whole.every((i) => i.kind === 'value')).toBe(true);
    expect(whole.length).toBe(bytes.toString().trim().split('\n').length);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 40 }), (points) => {
        expect(run(cut(bytes, points))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
    expect(run([...bytes].map((b) => Buffer.from([b])))).toEqual(whole); // one byte at a time
  });

  it('splits inside multi-byte characters without damage (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 20 }), (strings, points) => {
        const input = Buffer.from(strings.map((s) => JSON.stringify({ s })).join('\n'));
        const values = run(cut(input, points)).map((i) => (i.kind === 'value' ? (i.value as { s: string }).s : i.kind));
        expect(values).toEqual(strings);
      }),
    );
  });

  it('parseJsonLines reads a Node readable', async () => {
    const got: JsonLinesItem[] = [];
    for await (const item of parseJsonLines(Readable.from([Buffer.from('{"a":'), Buffer.from('1}\nnoise\n{"b":2}')]))) got.push(item);
    expect(got.map((i) => i.kind)).toEqual(['value', 'invalid', 'value']);
  });
});
