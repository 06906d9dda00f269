const NEWLINE = 0x0a;

export interface SplitterOptions {
  /** A line longer than this is delivered in pieces of this size (`partial: true`), so that one
   * endless line cannot grow memory without bound. @default 1 MiB */
  maxLineBytes?: number;
}

/**
 * Splits a byte stream into lines. Bytes are kept until a newline arrives and each line is decoded
 * once, whole, so a multi-byte UTF-8 character split across chunks comes out intact; the pending
 * bytes are searched once (no rescanning), and joined only when the line ends.
 */
export class LineSplitter {
  readonly #onLine: (line: string, partial: boolean) => void;
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(onLine: (line: string, partial: boolean) => void, options: SplitterOptions = {}) {
    this.#onLine = onLine;
    this.#max = options.maxLineBytes ?? 1024 * 1024;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      this.#take(chunk.subarray(start, nl));
      this.#emit(false);
      start = nl + 1;
    }
    if (start < chunk.length) this.#take(chunk.subarray(start));
  }

  /** Delivers a last line that had no newline. */
  end(): void {
    if (this.#pendingBytes > 0) this.#emit(false);
  }

  #take(piece: Buffer): void {
    while (piece.length > 0) {
      const room = this.#max - this.#pendingBytes;
      const part = piece.length > room ? piece.subarray(0, room) : piece;
      this.#pending.push(part);
      this.#pendingBytes += part.length;
      piece = piece.subarray(part.length);
      if (this.#pendingBytes >= this.#max) this.#emit(true);
    }
  }

  #emit(partial: boolean): void {
    const bytes = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#onLine(bytes.toString('utf8'), partial);
  }
}
