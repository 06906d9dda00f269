import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOLD_RELEASE_MS, MarkerFilter } from '../../src/tmux/marker-filter.js';

type Item = string | { report: string[] };

const NONCE = '0123456789abcdef';
const report = (text: string, nonce = NONCE) => `\x1b]697;procward;${nonce};${text}\x07`;

function run(chunks: string[], nonce: string | null = NONCE, flush = true): Item[] {
  const items: Item[] = [];
  const filter = new MarkerFilter(nonce ?? undefined, {
    // Data may come in any number of pieces: join consecutive ones.
    data: (d) => (typeof items.at(-1) === 'string' ? (items[items.length - 1] += d.toString('latin1')) : items.push(d.toString('latin1'))),
    report: (fields) => items.push({ report: fields }),
  });
  for (const c of chunks) filter.push(Buffer.from(c, 'latin1'));
  if (flush) filter.flush();
  return items;
}

const STREAM = `A${report('pid;42')}B\x1b[31mC\x1b]0;title\x07${report('exit;;SIGTERM')}D\x1b`;
const EXPECTED: Item[] = ['A', { report: ['pid', '42'] }, 'B\x1b[31mC\x1b]0;title\x07', { report: ['exit', '', 'SIGTERM'] }, 'D\x1b'];

describe('MarkerFilter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes reports out of the output, in order with the bytes around them', () => {
    expect(run([STREAM])).toEqual(EXPECTED);
  });

  it('does so wherever the output is split', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      expect(run([STREAM.slice(0, at), STREAM.slice(at)]), `split at ${at}`).toEqual(EXPECTED);
    }
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b += 5) {
        expect(run([STREAM.slice(0, a), STREAM.slice(a, b), STREAM.slice(b)]), `split at ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
    expect(run([...STREAM])).toEqual(EXPECTED);
  });

  it("leaves another nonce's reports (a program's own output) alone", () => {
    const other = report('exit;0;', 'ffffffffffffffff');
    expect(run([`x${other}y`])).toEqual([`x${other}y`]);
  });

  it('passes everything through without a nonce', () => {
    expect(run([STREAM], null)).toEqual([STREAM]);
  });

  it('gives up on a would-be report that runs too long', () => {
    const long = `\x1b]697;procward;${NONCE};${'x'.repeat(400)}`;
    expect(run([long.slice(0, 100), long.slice(100), '\x07z'])).toEqual([`${long}\x07z`]);
  });

  it('releases a held tail that might have begun a report when nothing follows', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const filter = new MarkerFilter(NONCE, { data: (d) => seen.push(d.toString('latin1')), report: () => seen.push('report') });
    filter.push(Buffer.from('prompt\x1b]69'));
    expect(seen).toEqual(['prompt']);
    vi.advanceTimersByTime(HOLD_RELEASE_MS);
    expect(seen).toEqual(['prompt', '\x1b]69']);
  });

  it('waits, however long, for the rest of a report whose nonce has been seen', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const filter = new MarkerFilter(NONCE, { data: (d) => seen.push(d.toString('latin1')), report: (f) => seen.push(f.join(',')) });
    const r = report('exit;7;');
    filter.push(Buffer.from(r.slice(0, -3), 'latin1'));
    vi.advanceTimersByTime(60_000);
    expect(seen).toEqual([]);
    filter.push(Buffer.from(r.slice(-3), 'latin1'));
    expect(seen).toEqual(['exit,7,']);
  });
});
