import { guarded } from '../internal/guarded.js';
const ESC = 0x1b;
const BEL = 0x07;

// A report is a few dozen bytes; a would-be report longer than this is the program's own output.
const MAX_REPORT_BYTES = 256;

// A tail that might begin a report (a lone ESC, "ESC ]6"…) is held until the next output says what
// it is. The trampoline writes a report in one write(), so its rest is already in the terminal and
// follows at once; if nothing follows within this time the tail was the program's own, and it is
// released rather than left hanging at the end of an interactive program's output.
export const HOLD_RELEASE_MS = 100;

export interface MarkerEvents {
  data(data: Buffer): void;
  /** A report's fields, e.g. ['pid', '1234'] or ['exit', '7', '']. */
  report(fields: string[]): void;
  /** Passing on held output from the release timer failed (see guarded); without it, a process warning. */
  failed?(error: unknown): void;
}

/**
 * Takes the trampoline's reports out of a pane's output, in order with the bytes around them. The
 * trampoline writes each as an OSC sequence, `ESC ] 697 ; procward ; <nonce> ; <fields…> BEL`:
 * tmux swallows OSC sequences it does not know, so a person attached never sees one, and the
 * nonce (random per spawn) keeps a program's own output from passing for a report.
 */
export class MarkerFilter {
  readonly #prefix: Buffer | undefined;
  readonly #on: MarkerEvents;
  #held: Buffer = Buffer.alloc(0);
  #timer: NodeJS.Timeout | undefined;

  /** Without a nonce (a session not started by procward) everything is output. */
  constructor(nonce: string | undefined, on: MarkerEvents) {
    this.#prefix = nonce ? Buffer.from(`\x1b]697;procward;${nonce};`, 'latin1') : undefined;
    this.#on = on;
  }

  push(chunk: Buffer): void {
    const prefix = this.#prefix;
    if (!prefix) return this.#on.data(chunk);
    clearTimeout(this.#timer);
    const buf = this.#held.length > 0 ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = Buffer.alloc(0);
    let start = 0; // first byte not yet passed on
    for (let esc = buf.indexOf(ESC); esc !== -1; esc = buf.indexOf(ESC, esc + 1)) {
      const available = buf.length - esc;
      const n = Math.min(available, prefix.length);
      if (buf.compare(prefix, 0, n, esc, esc + n) !== 0) continue;
      const bel = available < prefix.length ? -1 : buf.indexOf(BEL, esc + prefix.length);
      if (bel === -1 || bel - esc > MAX_REPORT_BYTES) {
        if (bel === -1 && available <= MAX_REPORT_BYTES) {
          this.#hold(buf, start, esc, available < prefix.length);
          return;
        }
        continue; // too long for a report
      }
      if (esc > start) this.#on.data(buf.subarray(start, esc));
      this.#on.report(buf.toString('latin1', esc + prefix.length, bel).split(';'));
      start = bel + 1;
      esc = bel;
    }
    if (start < buf.length) this.#on.data(start === 0 ? buf : buf.subarray(start));
  }

  /** Passes on whatever is held: the output has ended. */
  flush(): void {
    clearTimeout(this.#timer);
    const held = this.#held;
    this.#held = Buffer.alloc(0);
    if (held.length > 0) this.#on.data(held);
  }

  #hold(buf: Buffer, start: number, at: number, partial: boolean): void {
    if (at > start) this.#on.data(buf.subarray(start, at));
    this.#held = Buffer.from(buf.subarray(at));
    // A whole prefix with its nonce is a report on its way: wait for the rest, however long.
    if (partial) {
      this.#timer = setTimeout(
        guarded(
          () => this.flush(),
          (err) => {
            if (!this.#on.failed) throw err;
            this.#on.failed(err);
          },
        ),
        HOLD_RELEASE_MS,
      );
      this.#timer.unref();
    }
  }
}
