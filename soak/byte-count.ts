/**
 * Counts what one attempt of a counted child delivered on `output` events and finds its trailer,
 * `SOAK-END out=<n> err=<m>[ in=<k>]`, which says what the child wrote before it. The payload
 * holds no "S", so the first one starts the trailer; a search per chunk is all it costs.
 */
const S = 0x53;
const TRAILER = /^SOAK-END out=(\d+) err=(\d+)(?: in=(\d+))?\r?\n$/;
const MAX_TRAILER_CHARS = 120;

export interface Trailer {
  out: number;
  err: number;
  in: number | undefined;
}

export class AttemptBytes {
  /** stdout (or terminal) bytes before the trailer. */
  out = 0;
  err = 0;
  /** Bytes of the main stream after the trailer's newline: there must be none. */
  after = 0;
  trailer: Trailer | undefined;
  /** Set when what follows "S" is not a trailer. */
  garbled: string | undefined;
  #text: string | undefined;

  add(stream: 'stdout' | 'stderr' | 'pty', data: Buffer): void {
    if (stream === 'stderr') {
      this.err += data.length;
      return;
    }
    if (this.trailer || this.garbled !== undefined) {
      this.after += data.length;
      return;
    }
    let from = 0;
    if (this.#text === undefined) {
      const at = data.indexOf(S);
      if (at < 0) {
        this.out += data.length;
        return;
      }
      this.out += at;
      this.#text = '';
      from = at;
    }
    const nl = data.indexOf(0x0a, from);
    this.#text += data.toString('latin1', from, nl < 0 ? data.length : nl + 1);
    if (nl < 0) {
      if (this.#text.length > MAX_TRAILER_CHARS) this.garbled = this.#text.slice(0, 60);
      return;
    }
    const m = TRAILER.exec(this.#text);
    if (m) this.trailer = { out: Number(m[1]), err: Number(m[2]), in: m[3] === undefined ? undefined : Number(m[3]) };
    else this.garbled = this.#text.slice(0, 60);
    this.after += data.length - (nl + 1);
  }

  get total(): number {
    return this.out + this.err + this.after + (this.#text === undefined ? 0 : Buffer.byteLength(this.#text, 'latin1'));
  }

  describe(): string {
    return `received out=${this.out} err=${this.err}${this.trailer ? `, trailer out=${this.trailer.out} err=${this.trailer.err}${this.trailer.in === undefined ? '' : ` in=${this.trailer.in}`}` : ', no trailer'}${this.after ? `, ${this.after} bytes after it` : ''}`;
  }
}
