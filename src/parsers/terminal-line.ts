import { LineCells } from './line-cells.js';

/**
 * A control string (OSC: titles, hyperlinks, clipboard; DCS; SOS/PM/APC) left open for longer than
 * this is taken as broken and its text shown again. A terminal would swallow everything until a
 * terminator; line events give up after the same length as LineSplitter's longest line, which is
 * beyond any title, hyperlink or clipboard copy a program sends.
 */
export const MAX_CONTROL_STRING = 1024 * 1024;

type State = 'ground' | 'esc' | 'esc-intermediate' | 'csi' | 'osc' | 'dcs' | 'ignored-string';

// Control characters and C1 controls: a line without any is printed as it is.
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/;

/**
 * Terminal lines as a screen shows them: PTY output split at "\n" goes in, the row's text comes
 * out. A carriage return moves the cursor to the first column and later characters overwrite
 * (`"ab\rX"` shows `"Xb"`), so the `"\r\r\n"` a cooked terminal makes of `"\r\n"` leaves the text
 * as it was; backspace, tab, cursor moves along the row (CSI C, D, G), erase (CSI K, X), delete and
 * insert (CSI P, @) and save/restore cursor act as on a terminal; other control sequences are
 * removed. A control string stays open across lines, as on a terminal, where the newline inside it
 * is swallowed: a line ending inside one gives no line of its own, its text goes on in the next.
 * Differences from the screen: a line is never wrapped at the terminal's width, cursor moves to
 * other rows are ignored, written trailing spaces are kept, and character sets (DEC line drawing)
 * are not applied.
 */
export class TerminalLine {
  readonly #cells = new LineCells();
  #state: State = 'ground';
  #params = '';
  #stringBytes = 0;

  /**
   * One line (without its "\n"). Returns its text, or undefined while a control string is open
   * across the line break. A `partial` piece (a line cut at the splitter's limit) is returned
   * whatever the state.
   */
  feed(raw: string, partial = false): string | undefined {
    if (this.#state === 'ground' && this.#cells.length === 0 && !CONTROLS.test(raw)) return raw;
    for (const char of raw) this.#char(char);
    if (!partial && this.#inString()) return undefined;
    // Only a control string outlives the line: an escape or CSI cut by the newline is dropped.
    if (!this.#inString()) this.#state = 'ground';
    return this.#cells.take();
  }

  /** What is held when the output ends inside a control string, if any text is. */
  flush(): string | undefined {
    if (this.#cells.length === 0) return undefined;
    this.#state = 'ground';
    return this.#cells.take();
  }

  #inString(): boolean {
    return this.#state === 'osc' || this.#state === 'dcs' || this.#state === 'ignored-string';
  }

  #char(char: string): void {
    const c = char.charCodeAt(0);
    switch (this.#state) {
      case 'ground':
        return this.#ground(char, c);
      case 'esc':
        return this.#escape(char, c);
      case 'esc-intermediate':
        if (c === 0x1b) this.#state = 'esc';
        else if (c === 0x18 || c === 0x1a) this.#state = 'ground';
        else if (c >= 0x30 && c <= 0x7e) this.#state = 'ground';
        return;
      case 'csi':
        if (c >= 0x40 && c <= 0x7e) {
          this.#state = 'ground';
          this.#dispatch(char);
        } else if (c >= 0x20 && c <= 0x3f) this.#params += char;
        else if (c === 0x1b) this.#state = 'esc';
        else if (c === 0x18 || c === 0x1a) this.#state = 'ground';
        else if (c < 0x20) this.#execute(c); // C0 inside a CSI acts at once; the CSI goes on
        return;
      default:
        return this.#string(char, c);
    }
  }

  #ground(char: string, c: number): void {
    if (c >= 0x20 && c < 0x7f) return this.#cells.write(char);
    if (c === 0x1b) return void (this.#state = 'esc');
    if (c < 0x20) return this.#execute(c);
    if (c >= 0x80 && c <= 0x9f) return this.#c1(c);
    if (c !== 0x7f) this.#cells.write(char);
  }

  /** 8-bit introducers (as code points U+0080–U+009F) mean what ESC and their 7-bit letter do. */
  #c1(c: number): void {
    if (c === 0x9b) this.#enter('csi');
    else if (c === 0x9d) this.#enter('osc');
    else if (c === 0x90) this.#enter('dcs');
    else if (c === 0x98 || c === 0x9e || c === 0x9f) this.#enter('ignored-string');
  }

  #execute(c: number): void {
    if (c === 0x0d) this.#cells.carriageReturn();
    else if (c === 0x08) this.#cells.left(1);
    else if (c === 0x09) this.#cells.tab();
    // BEL, NUL, SO/SI, VT, FF and the rest change nothing on the row.
  }

  #escape(char: string, c: number): void {
    if (char === '[') return this.#enter('csi');
    if (char === ']') return this.#enter('osc');
    if (char === 'P') return this.#enter('dcs');
    if (char === 'X' || char === '^' || char === '_') return this.#enter('ignored-string');
    if (c === 0x1b) return;
    if (c === 0x18 || c === 0x1a) return void (this.#state = 'ground');
    if (c < 0x20) return this.#execute(c); // as on a terminal: acts, and the escape goes on
    if (c <= 0x2f) return void (this.#state = 'esc-intermediate'); // e.g. ESC ( B, a character set
    this.#state = 'ground';
    if (char === '7') this.#cells.saveCursor();
    else if (char === '8') this.#cells.restoreCursor();
  }

  #enter(state: 'csi' | 'osc' | 'dcs' | 'ignored-string'): void {
    this.#state = state;
    this.#params = '';
    this.#stringBytes = 0;
  }

  /** Inside a control string: everything is swallowed (newlines and carriage returns too) until it ends. */
  #string(char: string, c: number): void {
    if (c === 0x1b) return void (this.#state = 'esc'); // ST is ESC \; any other escape ends it too
    if (c === 0x18 || c === 0x1a || c === 0x9c || (c === 0x07 && this.#state === 'osc')) return void (this.#state = 'ground');
    if (this.#stringBytes++ < MAX_CONTROL_STRING) return;
    this.#state = 'ground';
    this.#ground(char, c);
  }

  #dispatch(final: string): void {
    const p = this.#params;
    if (/^[<=>?]/.test(p) || /[ -/]/.test(p)) return; // private modes and intermediates: nothing on the row
    const first = Number.parseInt(p.split(';')[0]!, 10);
    const n = Number.isNaN(first) ? 0 : first;
    const count = Math.max(1, n);
    const cells = this.#cells;
    if (final === 'K') cells.eraseInLine(n);
    else if (final === 'X') cells.eraseChars(count);
    else if (final === 'P') cells.deleteChars(count);
    else if (final === '@') cells.insertBlanks(count);
    else if (final === 'C') cells.right(count);
    else if (final === 'D') cells.left(count);
    else if (final === 'G' || final === '`') cells.column(count - 1);
    else if (final === 's' && p === '') cells.saveCursor();
    else if (final === 'u' && p === '') cells.restoreCursor();
  }
}

/**
 * One terminal line as a reader would see it on the screen (see TerminalLine), for a line on its
 * own: a control string it leaves open ends with it.
 * @example terminalLine('progress 10%\rprogress 100%\r') // 'progress 100%'
 * @example terminalLine('ab\rX') // 'Xb', as a terminal shows it
 */
export function terminalLine(raw: string): string {
  const line = new TerminalLine();
  return line.feed(raw) ?? line.flush() ?? '';
}
