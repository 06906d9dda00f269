import { write } from 'node:fs';
import { Writable } from 'node:stream';

// Ctrl-D: at the start of a line the terminal's line discipline turns it into end-of-file.
const EOF = Buffer.from([4]);

/**
 * Input to a pseudo-terminal: writes go to the master fd with fs.write. The master is shared with
 * the reading side (a libuv handle cannot be opened twice on one fd), and it is non-blocking, so a
 * full input queue answers EAGAIN and the write is retried on the next turn.
 */
export class TerminalInput extends Writable {
  readonly #fd: number;

  constructor(fd: number) {
    super({ decodeStrings: true, highWaterMark: 64 * 1024 });
    this.#fd = fd;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#writeFrom(chunk, 0, done);
  }

  /** end() sends end-of-file the way a person at the terminal would. */
  override _final(done: (err?: Error | null) => void): void {
    this.#writeFrom(EOF, 0, done);
  }

  #writeFrom(buf: Buffer, offset: number, done: (err?: Error | null) => void): void {
    write(this.#fd, buf, offset, buf.length - offset, null, (err, n) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') setImmediate(() => this.#writeFrom(buf, offset, done));
        else done(err);
        return;
      }
      if (offset + n < buf.length) this.#writeFrom(buf, offset + n, done);
      else done();
    });
  }
}
