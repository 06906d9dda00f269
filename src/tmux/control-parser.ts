/** What a tmux control-mode client prints (tmux(1), CONTROL MODE), taken apart. */
export interface ControlEvents {
  /** `%output %<pane> <data>`: bytes the pane's program wrote, unescaped. */
  output(pane: string, data: Buffer): void;
  /** The reply to one command, in the order the commands were given: `%begin` … `%end` or `%error`. */
  reply(ok: boolean, lines: string[]): void;
  /** Any other line: `%subscription-changed …`, `%exit`, `%window-add …`. */
  notification(line: string): void;
}

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const OUTPUT = Buffer.from('%output ');

// tmux escapes one read of the pane per %output line, at most four bytes per byte read: a line this
// long is not control-mode output, and holding more of it would only grow memory.
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * Splits a control client's stdout into lines (a line may arrive in pieces, or many in one chunk)
 * and each line into an event. Works on bytes: pane output is arbitrary bytes, not text.
 */
export class ControlParser {
  readonly #on: ControlEvents;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Lines of the reply being read, after its `%begin`; the guard's time, number and flags. */
  #reply: { guard: string; lines: string[] } | undefined;

  constructor(on: ControlEvents) {
    this.#on = on;
  }

  /** Throws if a line grows past MAX_LINE_BYTES. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      let line = chunk.subarray(start, nl);
      if (this.#pending.length > 0) {
        line = Buffer.concat([...this.#pending, line]);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      start = nl + 1;
      this.#line(line);
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
      if (this.#pendingBytes > MAX_LINE_BYTES) {
        this.#pending = [];
        this.#pendingBytes = 0;
        throw new Error(`tmux control mode sent a line longer than ${MAX_LINE_BYTES} bytes`);
      }
    }
  }

  #line(line: Buffer): void {
    if (line.length > OUTPUT.length && line.subarray(0, OUTPUT.length).equals(OUTPUT)) {
      const space = line.indexOf(0x20, OUTPUT.length);
      if (space !== -1) {
        this.#on.output(line.toString('latin1', OUTPUT.length, space), decodeOutput(line.subarray(space + 1)));
        return;
      }
    }
    const text = line.toString('utf8');
    if (this.#reply) {
      // The closing guard repeats the opening one; a line of command output that merely starts
      // with "%end" does not.
      const end = /^%(end|error) (.*)$/.exec(text);
      if (end && end[2] === this.#reply.guard) {
        const { lines } = this.#reply;
        this.#reply = undefined;
        this.#on.reply(end[1] === 'end', lines);
      } else {
        this.#reply.lines.push(text);
      }
      return;
    }
    if (text.startsWith('%begin ')) this.#reply = { guard: text.slice('%begin '.length), lines: [] };
    else this.#on.notification(text);
  }
}

const isOctal = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x37;

/** Undoes control mode's escaping: bytes below 0x20 and the backslash are sent as `\ooo`. */
export function decodeOutput(escaped: Buffer): Buffer {
  let at = escaped.indexOf(BACKSLASH);
  if (at === -1) return Buffer.from(escaped);
  const out = Buffer.allocUnsafe(escaped.length);
  let length = 0;
  let from = 0;
  while (at !== -1) {
    length += escaped.copy(out, length, from, at);
    if (isOctal(escaped[at + 1]) && isOctal(escaped[at + 2]) && isOctal(escaped[at + 3])) {
      out[length++] = ((escaped[at + 1]! - 0x30) << 6) | ((escaped[at + 2]! - 0x30) << 3) | (escaped[at + 3]! - 0x30);
      from = at + 4;
    } else {
      out[length++] = BACKSLASH; // not an escape tmux writes; keep it as it came
      from = at + 1;
    }
    at = escaped.indexOf(BACKSLASH, from);
  }
  length += escaped.copy(out, length, from);
  return Buffer.from(out.subarray(0, length));
}
