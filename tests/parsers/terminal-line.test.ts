import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_STRING, TerminalLine, terminalLine } from '../../src/entries/parsers.js';
import { StreamLines } from '../../src/process/stream-lines.js';
import { TerminalScreen } from '../../src/pty/terminal-screen.js';

/** The `line` events of a terminal stream fed `bytes` in pieces of `step` bytes, then ended. */
function lineEvents(bytes: Buffer, step = bytes.length): string[] {
  const out: string[] = [];
  const lines = new StreamLines('pty', (l) => out.push(l.text));
  for (let i = 0; i < bytes.length; i += Math.max(1, step)) lines.push(bytes.subarray(i, i + step));
  lines.end();
  return out;
}

/** The rows the headless emulator behind screen() shows for the same bytes. */
async function screenRows(bytes: Buffer): Promise<string[]> {
  const screen = await TerminalScreen.create(200, 40);
  screen.feed(bytes);
  const { lines } = await screen.snapshot();
  screen.dispose();
  return lines;
}

const trimTail = (rows: string[]) => {
  const r = [...rows];
  while (r.length > 0 && r[r.length - 1] === '') r.pop();
  return r;
};

// Bytes as the terminal receives them (a cooked terminal turns a program's "\n" into "\r\n").
const CASES: [string, string, string[]][] = [
  ['CRLF printed on a cooked terminal (cat of a CRLF file)', 'text\r\r\n', ['text']],
  ['a carriage return overwrites, it does not erase', 'ab\rX\r\n', ['Xb']],
  ['a progress bar redrawn over itself', 'progress 10%\rprogress 100%\r\r\n', ['progress 100%']],
  ['a shorter redraw leaves the old tail', 'loading 5%\rloading 99%\rdone\r\n', ['doneing 99%']],
  ['erase to the end of the line (CSI K)', 'abcdef\r\x1b[Kxy\r\n', ['xy']],
  ['CSI 0K after moving back', 'abcdef\x1b[3D\x1b[0K\r\n', ['abc']],
  ['erase to the start (CSI 1K)', 'abcdef\x1b[3D\x1b[1K\r\n', ['    ef']],
  ['erase the whole line (CSI 2K), the cursor stays', 'abcdef\x1b[2Kxy\r\n', ['      xy']],
  ['backspace moves left, then overwrites', 'abc\b\bX\r\n', ['aXc']],
  ['backspace stops at the first column', '\b\bX\r\n', ['X']],
  ['readline-style edit: backspaces, erase, retype', 'READY> echo hi\b\b\x1b[Kho\r\n', ['READY> echo ho']],
  ['a tab moves to the next stop of 8', 'a\tb\r\n', ['a       b']],
  ['a tab does not erase what it passes', 'abcdefghij\r\tX\r\n', ['abcdefghXj']],
  ['cursor forward (CSI C)', 'a\x1b[3Cb\r\n', ['a   b']],
  ['cursor to a column (CSI G)', 'abcdef\x1b[3GX\r\n', ['abXdef']],
  ['erase characters (CSI X)', 'abcdef\r\x1b[2X\r\n', ['  cdef']],
  ['delete characters (CSI P)', 'abcdef\r\x1b[2P\r\n', ['cdef']],
  ['insert blanks (CSI @)', 'abcdef\r\x1b[2@\r\n', ['  abcdef']],
  ['save and restore the cursor (ESC 7, ESC 8)', 'abc\x1b7de\x1b8X\r\n', ['abcXe']],
  ['colours', '\x1b[1;31mred\x1b[0m plain\r\n', ['red plain']],
  ['8-bit CSI', '\u009b31mred\r\n', ['red']],
  ['private modes', 'a\x1b[?25lb\x1b[?25h\r\n', ['ab']],
  ['a character set designation', 'a\x1b(Bb\r\n', ['ab']],
  ['BEL and NUL', 'a\x07b\x00c\r\n', ['abc']],
  ['a title ended by BEL', 'ab\x1b]0;title\x07cd\r\n', ['abcd']],
  ['a title ended by another escape', 'ab\x1b]0;title\x1b[32mgreen\r\n', ['abgreen']],
  ['a title cancelled by CAN', 'ab\x1b]0;ti\x18cd\r\n', ['abcd']],
  ['a hyperlink (OSC 8, ended by ST)', '\x1b]8;;https://example.test\x1b\\link\x1b]8;;\x1b\\\r\n', ['link']],
  ['a DCS string', 'a\x1bPq#0;2;0;0;0\x1b\\b\r\n', ['ab']],
  ['an APC string', 'a\x1b_payload\x1b\\b\r\n', ['ab']],
  ['an unterminated title swallows the newlines after it, up to its end', 'ab\x1b]0;title\r\ncd\r\nef\x07gh\r\nnext\r\n', ['abgh', 'next']],
  ['a wide character overwritten by a narrow one leaves its other half blank', '漢字\rX\r\n', ['X 字']],
  ['a wide character overwrites two columns', 'ab\r漢\r\n', ['漢']],
  ['a combining mark goes with its character', 'e\u0301x\rY\r\n', ['Yx']],
  ['blank lines stay', 'a\r\n\r\nb\r\n', ['a', '', 'b']],
];

describe('terminal line events show what the screen shows', () => {
  it.each(CASES)('%s', async (_name, input, expected) => {
    const bytes = Buffer.from(input, 'utf8');
    const events = lineEvents(bytes);
    expect(events).toEqual(expected);
    expect(trimTail(events)).toEqual(trimTail(await screenRows(bytes)));
    // However the output is cut into chunks.
    expect(lineEvents(bytes, 1)).toEqual(expected);
    expect(lineEvents(bytes, 3)).toEqual(expected);
  });
});

describe('TerminalLine', () => {
  it('gives a control string open at the end of the output back at flush', () => {
    expect(lineEvents(Buffer.from('ab\x1b]0;never ended\r\nmore'))).toEqual(['ab']);
  });

  it(`gives up on a control string open for more than ${MAX_CONTROL_STRING} bytes: the text after it shows again`, () => {
    const line = new TerminalLine();
    // Payload "0;" and x…: 10 bytes short of the limit; ten of the y's still fit in it.
    expect(line.feed('ab\x1b]0;' + 'x'.repeat(MAX_CONTROL_STRING - 12))).toBeUndefined();
    expect(line.feed('y'.repeat(20) + 'cd')).toBe('ab' + 'y'.repeat(10) + 'cd');
    expect(line.feed('plain')).toBe('plain');
  });

  it('returns a partial piece even inside a control string, and keeps the string open', () => {
    const line = new TerminalLine();
    expect(line.feed('ab\x1b]0;tit', true)).toBe('ab');
    expect(line.feed('le\x07cd')).toBe('cd');
  });

  it('keeps text without control characters as it is, written trailing spaces included', () => {
    expect(terminalLine('plain text  ')).toBe('plain text  ');
    expect(terminalLine('')).toBe('');
  });

  it('terminalLine() reads one line on its own', () => {
    expect(terminalLine('ab\rX')).toBe('Xb');
    expect(terminalLine('text\r\r')).toBe('text');
    expect(terminalLine('\x1b[32mok\x1b[0m\r')).toBe('ok');
    expect(terminalLine('ab\x1b]0;title')).toBe('ab');
    expect(terminalLine('a\x7fb')).toBe('ab'); // DEL prints nothing
  });
});
