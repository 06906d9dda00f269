/** What a person would see on the terminal now. */
export interface Screen {
  /** The visible rows, top to bottom, without trailing blanks. */
  lines: string[];
  /** Cursor position in the visible area, 0-based. */
  cursor: { x: number; y: number };
  cols: number;
  rows: number;
  /**
   * False when output older than the output buffer's cap had been evicted before the screen was
   * first asked for: the emulator replayed only what was left, so old parts may be missing.
   */
  complete: boolean;
}

interface HeadlessTerminal {
  readonly rows: number;
  readonly cols: number;
  write(data: string | Uint8Array, callback?: () => void): void;
  resize(cols: number, rows: number): void;
  dispose(): void;
  readonly buffer: {
    readonly active: {
      readonly viewportY: number;
      readonly cursorX: number;
      readonly cursorY: number;
      getLine(y: number): { translateToString(trimRight?: boolean): string } | undefined;
    };
  };
}

type TerminalConstructor = new (options: { cols: number; rows: number; scrollback: number; allowProposedApi: boolean }) => HeadlessTerminal;

let load: Promise<TerminalConstructor> | undefined;

/**
 * A headless terminal emulator (@xterm/headless) fed with a PTY process's output, created on the
 * first screen() call: processes that never ask load nothing and parse nothing.
 */
export class TerminalScreen {
  readonly #term: HeadlessTerminal;
  /** Whether the emulator has seen the output from its first byte (see Screen.complete). */
  complete = true;

  private constructor(term: HeadlessTerminal) {
    this.#term = term;
  }

  static async create(cols: number, rows: number): Promise<TerminalScreen> {
    load ??= import('@xterm/headless').then((m) => ((m as { default?: { Terminal: unknown } }).default ?? m).Terminal as TerminalConstructor);
    const Terminal = await load;
    return new TerminalScreen(new Terminal({ cols, rows, scrollback: 0, allowProposedApi: true }));
  }

  feed(data: Uint8Array): void {
    this.#term.write(data);
  }

  resize(cols: number, rows: number): void {
    this.#term.resize(cols, rows);
  }

  /** The screen once every byte fed so far has been parsed (the emulator parses asynchronously). */
  snapshot(): Promise<Screen> {
    return new Promise((resolve) => {
      this.#term.write('', () => {
        const t = this.#term;
        const b = t.buffer.active;
        const lines: string[] = [];
        for (let y = 0; y < t.rows; y++) lines.push((b.getLine(b.viewportY + y)?.translateToString(true) ?? '').trimEnd());
        while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
        resolve({ lines, cursor: { x: b.cursorX, y: b.cursorY }, cols: t.cols, rows: t.rows, complete: this.complete });
      });
    });
  }

  dispose(): void {
    this.#term.dispose();
  }
}
