import type { OutputBuffer, OutputChunk, OutputStream } from '../output/output-buffer.js';
import { TailBuffer } from '../output/tail-buffer.js';
import { TerminalScreen, type Screen } from '../pty/terminal-screen.js';
import { StreamLines } from './stream-lines.js';
import type { OutputLine } from './types.js';

/** Who hears of output: the process's `output` and `line` listeners and its manager. */
export interface OutputSink {
  chunk(chunk: OutputChunk): void;
  line(line: OutputLine): void;
  /** Lines cost a split of every chunk: made only while someone listens for them. */
  wantsLines(): boolean;
}

/**
 * Where a process's output goes as it arrives: the stderr tail of the exit record, the replayable
 * buffer, the terminal screen (once asked for), the listeners, then the line splitters.
 */
export class OutputFanout {
  readonly #buffer: OutputBuffer;
  readonly #tail: TailBuffer;
  readonly #sink: OutputSink;
  readonly #splitters = new Map<OutputStream, StreamLines>();
  #screen: TerminalScreen | undefined;
  #screenReady: Promise<TerminalScreen> | undefined;

  constructor(buffer: OutputBuffer, stderrTailBytes: number, sink: OutputSink) {
    this.#buffer = buffer;
    this.#tail = new TailBuffer(stderrTailBytes);
    this.#sink = sink;
  }

  get stderrTail(): string {
    return this.#tail.toString();
  }

  push(stream: OutputStream, data: Buffer): void {
    if (stream === 'stderr') this.#tail.write(data);
    const chunk = this.#buffer.append(stream, data);
    this.#screen?.feed(data);
    this.#sink.chunk(chunk);
    if (this.#sink.wantsLines()) this.#splitter(stream).push(data);
  }

  /** Where the attempt `attempt` of a restarted process begins in the output. */
  mark(attempt: number): void {
    this.#buffer.mark(attempt);
  }

  /** An attempt's output ended: each stream's last line goes out, even without its newline. */
  endLines(): void {
    for (const splitter of this.#splitters.values()) splitter.end();
    this.#splitters.clear();
  }

  /** The process ended: no more output. */
  close(): void {
    this.endLines();
    this.#buffer.close();
  }

  /**
   * The screen a headless emulator draws from the output: created on the first call, from what the
   * buffer holds, then fed as output comes. Processes that never ask pay nothing.
   */
  screen(cols: number, rows: number): Promise<Screen> {
    this.#screenReady ??= TerminalScreen.create(cols, rows).then((screen) => {
      // Replay what the buffer holds, then follow: both happen in this turn, so no chunk falls between.
      screen.complete = this.#buffer.start === 0;
      for (const c of this.#buffer.chunks()) screen.feed(c.data);
      this.#screen = screen;
      return screen;
    });
    return this.#screenReady.then((screen) => screen.snapshot());
  }

  resizeScreen(cols: number, rows: number): void {
    this.#screen?.resize(cols, rows);
  }

  #splitter(stream: OutputStream): StreamLines {
    let splitter = this.#splitters.get(stream);
    if (!splitter) {
      splitter = new StreamLines(stream, (line) => this.#sink.line(line));
      this.#splitters.set(stream, splitter);
    }
    return splitter;
  }
}
