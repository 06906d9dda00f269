import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, stripAnsi, terminalLine } from '../../src/entries/parsers.js';

function split(chunks: Buffer[], maxLineBytes?: number) {
  const lines: [string, boolean][] = [];
  const s = new LineSplitter((l, partial) => lines.push([l, partial]), { maxLineBytes });
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('LineSplitter', () => {
  it('yields the same lines however the bytes are chunked, multi-byte characters included (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, '')),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        (lines, cuts) => {
          const text = lines.map((l) => `${l}\n`).join('');
          const got = split(chunked(Buffer.from(text), cuts));
          expect(got.map(([l]) => l)).toEqual(lines);
        },
      ),
    );
  });

  it('delivers a last line without newline at end, keeps \\r for the caller, bounds a huge line', () => {
    expect(split([Buffer.from('a\r\nb')])).toEqual([
      ['a\r', false],
      ['b', false],
    ]);
    expect(split([Buffer.from('0123456789\n')], 4)).toEqual([
      ['0123', true],
      ['4567', true],
      ['89', false],
    ]);
  });
});

describe('terminal text', () => {
  it('strips colours, cursor moves, titles, charset switches and bell', () => {
    expect(stripAnsi('\x1b[1;31mred\x1b[0m \x1b]0;title\x07x\x1b(B\x1b[2K\x1b[?25l\x07y')).toBe('red xy');
    expect(stripAnsi('\x1b]8;;https://example.test\x1b\\link\x1b]8;;\x1b\\')).toBe('link');
  });

  it('keeps what a carriage return redrew last', () => {
    expect(terminalLine('progress 10%\rprogress 100%\r')).toBe('progress 100%');
    expect(terminalLine('\x1b[32mok\x1b[0m\r')).toBe('ok');
  });
});
