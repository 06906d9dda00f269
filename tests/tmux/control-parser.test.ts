import { describe, expect, it } from 'vitest';
import { ControlParser, MAX_LINE_BYTES, decodeOutput } from '../../src/tmux/control-parser.js';

type Event = ['output', string, string] | ['reply', boolean, string[]] | ['notification', string];

function parse(chunks: Buffer[]): Event[] {
  const events: Event[] = [];
  const parser = new ControlParser({
    output: (pane, data) => {
      // Output may come in any number of pieces: join a pane's consecutive ones.
      const last = events.at(-1);
      if (last?.[0] === 'output' && last[1] === pane) last[2] += data.toString('latin1');
      else events.push(['output', pane, data.toString('latin1')]);
    },
    reply: (ok, lines) => events.push(['reply', ok, lines]),
    notification: (line) => events.push(['notification', line]),
  });
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

// What a control client prints, as recorded from tmux 3.3a (octal escapes, raw bytes ≥ 0x80).
const TRANSCRIPT = Buffer.concat([
  Buffer.from('%begin 1795258276 260 0\n$0 @0 %0 20377 1234\n%end 1795258276 260 0\n'),
  Buffer.from('%begin 1795258276 261 0\n%end 1 999 0\nno such session: =n\n%error 1795258276 261 0\n'),
  Buffer.from('%output %0 hi\\015\\012\\134x'),
  Buffer.from([0xc3, 0xa9]),
  Buffer.from('\\001\n%window-add @0\n%subscription-changed procward-pane $0 @0 0 %0 : 1 3 \n'),
  Buffer.from('%output %12 \\033[31mred\\033[0m\n%output %0 \n%exit\n'),
]);

const EXPECTED: Event[] = [
  ['reply', true, ['$0 @0 %0 20377 1234']],
  // A line of command output that only looks like a guard stays in the reply.
  ['reply', false, ['%end 1 999 0', 'no such session: =n']],
  ['output', '%0', 'hi\r\n\\x\xc3\xa9\x01'],
  ['notification', '%window-add @0'],
  ['notification', '%subscription-changed procward-pane $0 @0 0 %0 : 1 3 '],
  ['output', '%12', '\x1b[31mred\x1b[0m'],
  ['output', '%0', ''],
  ['notification', '%exit'],
];

describe('ControlParser', () => {
  it('reads a transcript in one chunk', () => {
    expect(parse([TRANSCRIPT])).toEqual(EXPECTED);
  });

  it('reads it split at every byte', () => {
    for (let at = 0; at <= TRANSCRIPT.length; at++) {
      expect(parse([TRANSCRIPT.subarray(0, at), TRANSCRIPT.subarray(at)]), `split at ${at}`).toEqual(EXPECTED);
    }
  });

  it('reads it one byte at a time', () => {
    const bytes = [...TRANSCRIPT].map((b) => Buffer.from([b]));
    expect(parse(bytes)).toEqual(EXPECTED);
  });

  it('does not deliver a line before its newline', () => {
    expect(parse([Buffer.from('%output %0 partial')])).toEqual([]);
  });

  it('refuses a line that never ends', () => {
    const parser = new ControlParser({ output: () => {}, reply: () => {}, notification: () => {} });
    parser.push(Buffer.alloc(MAX_LINE_BYTES, 0x61));
    expect(() => parser.push(Buffer.from('a'))).toThrow(/longer than/);
  });
});

describe('decodeOutput', () => {
  it.each([
    ['plain', 'plain'],
    ['\\000\\001\\037\\134', '\x00\x01\x1f\\'],
    // Nothing tmux writes, kept as it came: a backslash without three octal digits.
    ['a\\b', 'a\\b'],
    ['a\\08', 'a\\08'],
    ['end\\', 'end\\'],
    ['end\\01', 'end\\01'],
  ])('%j → %j', (escaped, raw) => {
    expect(decodeOutput(Buffer.from(escaped, 'latin1')).toString('latin1')).toBe(raw);
  });
});
