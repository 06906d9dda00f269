/**
 * Keeps the last `capacity` bytes written to it in a fixed buffer, so that an exit record can
 * say why a process failed ("exited with code 1" plus the end of its stderr) at a constant cost.
 */
export class TailBuffer {
  readonly #capacity: number;
  // Allocated on the first write: most processes never write to stderr.
  #buf: Buffer | undefined;
  #length = 0;
  #pos = 0; // next write position in the circular buffer

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  write(data: Buffer): void {
    const cap = this.#capacity;
    if (cap === 0 || data.length === 0) return;
    this.#buf ??= Buffer.allocUnsafe(cap);
    if (data.length >= cap) {
      data.copy(this.#buf, 0, data.length - cap);
      this.#pos = 0;
      this.#length = cap;
      return;
    }
    const first = Math.min(data.length, cap - this.#pos);
    data.copy(this.#buf, this.#pos, 0, first);
    if (first < data.length) data.copy(this.#buf, 0, first);
    this.#pos = (this.#pos + data.length) % cap;
    this.#length = Math.min(cap, this.#length + data.length);
  }

  toBuffer(): Buffer {
    const buf = this.#buf;
    if (!buf) return Buffer.alloc(0);
    if (this.#length < buf.length) return Buffer.from(buf.subarray(0, this.#length));
    return Buffer.concat([buf.subarray(this.#pos), buf.subarray(0, this.#pos)]);
  }

  /** The tail as text, starting at a line boundary when one is near so it does not open mid-word. */
  toString(): string {
    if (this.#length === 0) return '';
    let text = this.toBuffer().toString('utf8');
    if (this.#length === this.#capacity) {
      const nl = text.indexOf('\n');
      if (nl >= 0 && nl < 256) text = text.slice(nl + 1);
      else text = text.replace(/^\uFFFD+/, '');
    }
    return text;
  }
}
