export type OutputStream = 'stdout' | 'stderr' | 'pty';

/** One piece of output as it arrived, with its absolute position in the process's output. */
export interface OutputChunk {
  stream: OutputStream;
  data: Buffer;
  /** Byte offset of data[0] in everything the process wrote (stdout and stderr interleaved as read). */
  offset: number;
}

/** Where an attempt of a restarted process begins in its output. */
export interface OutputMark {
  /** 0 for the first run, 1 for the first restart, … */
  attempt: number;
  /** Offset of the attempt's first byte. */
  offset: number;
  /** Wall-clock start of the attempt, ms since the epoch. */
  at: number;
}

export interface ReadResult {
  data: Buffer;
  /** Offset of data[0]. */
  from: number;
  /** Offset just past the last byte returned: pass it as `since` to continue. */
  to: number;
  /** Bytes asked for (from `since`) that were evicted before this read. */
  dropped: number;
}

export interface FollowedChunk extends OutputChunk {
  /** Bytes the follower missed just before this chunk because they were evicted first. */
  dropped: number;
}

export interface ReadOptions {
  /** Absolute offset to read from; defaults to the oldest byte still held. */
  since?: number;
  /** Maximum number of bytes to return. */
  limit?: number;
}

export interface FollowOptions {
  since?: number;
  signal?: AbortSignal;
}

/**
 * Output of one process, bounded by `maxBytes`: old bytes are evicted as new ones arrive, while
 * offsets stay absolute so that a reader can tell exactly what it missed.
 *
 * Chunks are kept as the Buffers the stream delivered (no copy on the hot path) in a ring that
 * grows by doubling; eviction advances a head index and trims the first chunk with a view.
 */
export class OutputBuffer {
  readonly maxBytes: number;
  // Small at first: most processes write a few chunks; the ring doubles as it fills.
  #ring: (OutputChunk | undefined)[] = new Array(8);
  #head = 0;
  #count = 0;
  #start = 0; // offset of the oldest byte held
  #end = 0; // offset just past the newest byte
  #closed = false;
  #waiters: (() => void)[] = [];
  #marks: OutputMark[] = [];

  /** @internal Each process makes its own (`p.output`). */
  constructor(options: { maxBytes: number }) {
    this.maxBytes = options.maxBytes;
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return this.#start;
  }
  /** Offset just past the newest byte: the total number of bytes ever written. */
  get end(): number {
    return this.#end;
  }
  /** Bytes currently held (≤ maxBytes). */
  get size(): number {
    return this.#end - this.#start;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal The process appends what its child writes. Appends a chunk and returns it; the Buffer is kept by reference. */
  append(stream: OutputStream, data: Buffer): OutputChunk {
    const chunk: OutputChunk = { stream, data, offset: this.#end };
    if (data.length === 0) return chunk;
    this.#end += data.length;
    this.#push(chunk);
    if (this.#end - this.#start > this.maxBytes) this.#evict();
    if (this.#waiters.length > 0) this.#wake();
    return chunk;
  }

  /**
   * @internal
   * Makes an empty buffer begin at `offset` instead of 0: the output of a process taken over after
   * a host restart continues the offsets of its spool.
   */
  startAt(offset: number): void {
    if (this.#end !== 0) throw new Error('OutputBuffer.startAt() is only for an empty buffer');
    this.#start = this.#end = offset;
  }

  /** @internal Notes that output from here on belongs to a new attempt (a restart). */
  mark(attempt: number, at = Date.now()): OutputMark {
    const mark: OutputMark = { attempt, offset: this.#end, at };
    this.#marks.push(mark);
    this.#pruneMarks();
    return mark;
  }

  /** Attempt starts whose output is still (at least partly) held, oldest first. */
  marks(): OutputMark[] {
    this.#pruneMarks();
    return this.#marks.map((m) => ({ ...m }));
  }

  /** A mark goes once the next attempt's start has been evicted too: nothing of its attempt is left. */
  #pruneMarks(): void {
    let drop = 0;
    while (drop + 1 < this.#marks.length && this.#marks[drop + 1]!.offset <= this.#start) drop++;
    if (drop > 0) this.#marks.splice(0, drop);
  }

  /** @internal Marks the output complete (the process ended): followers drain what is held and finish. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
  }

  read(options: ReadOptions = {}): ReadResult {
    const requested = options.since ?? this.#start;
    const from = Math.min(Math.max(requested, this.#start), this.#end);
    const dropped = requested < this.#start ? this.#start - requested : 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const to = Math.min(this.#end, from + Math.max(0, limit));
    if (to <= from) return { data: Buffer.alloc(0), from, to: from, dropped };
    const parts: Buffer[] = [];
    this.#collect(from, to, (c, s, e) => parts.push(c.data.subarray(s, e)));
    return { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, to - from), from, to, dropped };
  }

  /** Chunks (with their streams) between two offsets, sliced to fit. */
  chunks(options: ReadOptions = {}): OutputChunk[] {
    const from = Math.min(Math.max(options.since ?? this.#start, this.#start), this.#end);
    const to = Math.min(this.#end, from + (options.limit ?? Number.POSITIVE_INFINITY));
    const out: OutputChunk[] = [];
    this.#collect(from, to, (c, s, e) => out.push(s === 0 && e === c.data.length ? c : { stream: c.stream, data: c.data.subarray(s, e), offset: c.offset + s }));
    return out;
  }

  /**
   * Replays from `since` (default: the oldest byte held), then follows live output until the
   * buffer is closed. The cursor is a byte offset, so there is no gap and no duplicate between
   * replay and live; bytes evicted before the follower reached them are reported in `dropped`.
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<FollowedChunk, void, undefined> {
    let cursor = options.since ?? this.#start;
    const signal = options.signal;
    while (!signal?.aborted) {
      if (cursor < this.#end) {
        const dropped = cursor < this.#start ? this.#start - cursor : 0;
        const pending = this.chunks({ since: cursor });
        let first = true;
        for (const c of pending) {
          cursor = c.offset + c.data.length;
          yield { ...c, dropped: first ? dropped : 0 };
          first = false;
          if (signal?.aborted) return;
          // The consumer may have been slow enough for the rest of this batch to be evicted.
          if (cursor < this.#start) break;
        }
        continue;
      }
      if (this.#closed) return;
      await this.#next(signal);
    }
  }

  #next(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (!signal) {
        this.#waiters.push(resolve);
        return;
      }
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #push(chunk: OutputChunk): void {
    if (this.#count === this.#ring.length) {
      const grown = new Array<OutputChunk | undefined>(this.#ring.length * 2);
      for (let i = 0; i < this.#count; i++) grown[i] = this.#ring[(this.#head + i) % this.#ring.length];
      this.#ring = grown;
      this.#head = 0;
    }
    this.#ring[(this.#head + this.#count) % this.#ring.length] = chunk;
    this.#count++;
  }

  #evict(): void {
    const newStart = this.#end - this.maxBytes;
    const len = this.#ring.length;
    while (this.#count > 0) {
      const c = this.#ring[this.#head]!;
      const cEnd = c.offset + c.data.length;
      if (cEnd <= newStart) {
        this.#ring[this.#head] = undefined;
        this.#head = (this.#head + 1) % len;
        this.#count--;
        continue;
      }
      if (c.offset < newStart) {
        // A view, not a copy: the hidden head of one chunk (≤ 64 KiB from a pipe) is the only
        // memory held past maxBytes, and the hot path stays free of memcpy.
        this.#ring[this.#head] = { stream: c.stream, data: c.data.subarray(newStart - c.offset), offset: newStart };
      }
      break;
    }
    this.#start = newStart;
  }

  #collect(from: number, to: number, take: (c: OutputChunk, s: number, e: number) => void): void {
    if (from >= to) return;
    const len = this.#ring.length;
    // Binary search for the chunk holding `from`: followers read from arbitrary offsets.
    let lo = 0;
    let hi = this.#count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#ring[(this.#head + mid) % len]!.offset <= from) lo = mid;
      else hi = mid - 1;
    }
    for (let i = lo; i < this.#count; i++) {
      const c = this.#ring[(this.#head + i) % len]!;
      if (c.offset >= to) break;
      const s = Math.max(0, from - c.offset);
      const e = Math.min(c.data.length, to - c.offset);
      if (e > s) take(c, s, e);
    }
  }
}
