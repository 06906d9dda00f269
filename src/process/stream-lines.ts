import type { OutputStream } from '../output/output-buffer.js';
import { LineSplitter } from '../parsers/line-splitter.js';
import { TerminalLine } from '../parsers/terminal-line.js';
import type { OutputLine } from './types.js';

/**
 * One stream's `line` events. Pipe lines lose a trailing "\r" (CRLF output); terminal lines are
 * read as the screen shows them (TerminalLine), with its state kept from line to line, so that a
 * control string open across a newline swallows what a terminal would.
 */
export class StreamLines {
  readonly #splitter: LineSplitter;
  readonly #terminal: TerminalLine | undefined;
  readonly #emit: (line: OutputLine) => void;
  readonly #stream: OutputStream;

  constructor(stream: OutputStream, emit: (line: OutputLine) => void) {
    this.#stream = stream;
    this.#emit = emit;
    this.#terminal = stream === 'pty' ? new TerminalLine() : undefined;
    this.#splitter = new LineSplitter((text, partial) => this.#line(text, partial));
  }

  push(data: Buffer): void {
    this.#splitter.push(data);
  }

  /** The output ended: a last line without its newline, and text held inside an open control string. */
  end(): void {
    this.#splitter.end();
    const held = this.#terminal?.flush();
    if (held !== undefined) this.#emit({ stream: this.#stream, text: held, partial: false });
  }

  #line(raw: string, partial: boolean): void {
    const text = this.#terminal ? this.#terminal.feed(raw, partial) : raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text !== undefined) this.#emit({ stream: this.#stream, text, partial });
  }
}
