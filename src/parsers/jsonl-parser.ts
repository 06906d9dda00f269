import { z } from 'zod';
import { SafeEmitter } from '../events/safe-emitter.js';
import { parseOptions } from '../options/parse.js';
import { describe } from '../options/values.js';
import { terminalLine } from './terminal-line.js';

const NEWLINE = 0x0a;
const CR = 0x0d;
const EXCERPT_CHARS = 200;
/** Large enough for any real agent message (a whole file read back), small enough to bound memory. */
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export const JsonLinesOptionsSchema = z.strictObject({
  /**
   * A line longer than this is skipped and reported as `overflow`; parsing goes on with the next
   * line, so one huge line cannot end a session or exhaust memory. A whole number of bytes, at
   * least 1: NaN, Infinity or a string would silently remove the bound (every comparison with NaN
   * is false), so they are refused. @default 64 MiB
   */
  maxLineBytes: z
    .number({ error: (issue) => `maxLineBytes must be a number of bytes, got ${describe(issue.input)}` })
    .int('maxLineBytes must be a whole number of bytes')
    .positive('maxLineBytes must be at least 1')
    .optional(),
  /** Remove terminal control sequences and carriage-return redraws first (output of a PTY). @default false */
  terminal: z.boolean().optional(),
});

export type JsonLinesOptions = z.input<typeof JsonLinesOptionsSchema>;

/** A parsed line. */
export interface JsonValue<T = unknown> {
  value: T;
  /** 1-based line number in the stream (blank lines count). */
  line: number;
  /** Byte offset of the line's first byte in the stream. */
  offset: number;
}

/** A line that is not JSON: a banner, a warning, a truncated write. Parsing goes on. */
export interface InvalidLine {
  line: number;
  offset: number;
  /** The start of the line, for a log. */
  excerpt: string;
  error: string;
}

/** A line longer than maxLineBytes, skipped. */
export interface OverflowLine {
  line: number;
  offset: number;
  /** Its length in bytes (newline excluded). */
  bytes: number;
}

export interface JsonLinesEvents {
  value: [value: JsonValue];
  invalid: [invalid: InvalidLine];
  overflow: [overflow: OverflowLine];
}

/**
 * A push-based JSON Lines parser: `write()` chunks as they come, `end()` at the end of the stream.
 *
 * Correct whatever the chunking: bytes are kept until a newline and each line is decoded once,
 * whole (a UTF-8 character split across chunks is intact); CRLF, blank lines, a leading BOM and a
 * last line without a newline are handled; a line that is not JSON is reported, never thrown.
 * Fast: each byte is searched for a newline once; a line contained in one chunk is decoded in
 * place, and a line spread over chunks is joined once, when it ends.
 */
export class JsonLinesParser extends SafeEmitter<JsonLinesEvents> {
  readonly #max: number;
  readonly #terminal: boolean;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of the current line being skipped as too long, or -1 when not skipping. */
  #skipping = -1;
  #line = 0;
  /** Offset of the first byte of the current (pending) line. */
  #lineStart = 0;
  /** Total bytes written so far. */
  #offset = 0;
  #ended = false;

  /** Throws INVALID_OPTIONS (naming the field) for options that are not JsonLinesOptionsSchema's. */
  constructor(options: JsonLinesOptions = {}) {
    super();
    const o = parseOptions(JsonLinesOptionsSchema, options, 'JsonLinesParser options');
    this.#max = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#terminal = o.terminal ?? false;
  }

  /** Lines completed so far (blank and invalid lines included). */
  get lines(): number {
    return this.#line;
  }

  write(chunk: Buffer | Uint8Array | string): void {
    if (this.#ended) throw new Error('JsonLinesParser: write() after end()');
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.#offset;
    this.#offset += buf.length;
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      this.#finishLine(buf, start, nl);
      start = nl + 1;
      this.#lineStart = base + start;
    }
    if (start < buf.length) this.#hold(buf, start);
  }

  /** Ends the stream: a last line without a newline is parsed now. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#pendingBytes > 0 || this.#skipping >= 0) this.#finishLine(EMPTY, 0, 0);
  }

  #hold(buf: Buffer, start: number): void {
    const n = buf.length - start;
    if (this.#skipping >= 0) {
      this.#skipping += n;
      return;
    }
    if (this.#pendingBytes + n > this.#max) {
      this.#skipping = this.#pendingBytes + n;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    this.#pending.push(start === 0 ? buf : buf.subarray(start));
    this.#pendingBytes += n;
  }

  /** The line is what is pending plus buf[start, end). */
  #finishLine(buf: Buffer, start: number, end: number): void {
    this.#line++;
    const line = this.#line;
    const offset = this.#lineStart;
    if (this.#skipping >= 0) {
      const bytes = this.#skipping + (end - start);
      this.#skipping = -1;
      this.emit('overflow', { line, offset, bytes });
      return;
    }
    let bytes = buf;
    let from = start;
    let to = end;
    if (this.#pendingBytes > 0) {
      if (this.#pendingBytes + (end - start) > this.#max) {
        const total = this.#pendingBytes + (end - start);
        this.#pending = [];
        this.#pendingBytes = 0;
        this.emit('overflow', { line, offset, bytes: total });
        return;
      }
      this.#pending.push(buf.subarray(start, end));
      bytes = Buffer.concat(this.#pending, this.#pendingBytes + (end - start));
      this.#pending = [];
      this.#pendingBytes = 0;
      from = 0;
      to = bytes.length;
    } else if (end - start > this.#max) {
      this.emit('overflow', { line, offset, bytes: end - start });
      return;
    }
    if (to > from && bytes[to - 1] === CR) to--;
    if (line === 1 && to - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf) from += 3;
    if (to === from) return; // blank line
    let text = bytes.toString('utf8', from, to);
    if (this.#terminal) {
      text = terminalLine(text);
      if (text.trim() === '') return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (text.trim() === '') return; // whitespace only
      this.emit('invalid', { line, offset, excerpt: text.slice(0, EXCERPT_CHARS), error: (err as Error).message });
      return;
    }
    this.emit('value', { value, line, offset });
  }
}

const EMPTY = Buffer.alloc(0);

export type JsonLinesItem = ({ kind: 'value' } & JsonValue) | ({ kind: 'invalid' } & InvalidLine) | ({ kind: 'overflow' } & OverflowLine);

/**
 * Parses a Node readable (a child's stdout, a file) as JSON Lines, yielding every value and every
 * problem in order. Backpressure is the iterator's: the readable is read as the consumer asks.
 */
export async function* parseJsonLines(source: AsyncIterable<Buffer | string>, options: JsonLinesOptions = {}): AsyncGenerator<JsonLinesItem, void, undefined> {
  const parser = new JsonLinesParser(options);
  let batch: JsonLinesItem[] = [];
  parser.on('value', (v) => batch.push({ kind: 'value', ...v }));
  parser.on('invalid', (v) => batch.push({ kind: 'invalid', ...v }));
  parser.on('overflow', (v) => batch.push({ kind: 'overflow', ...v }));
  for await (const chunk of source) {
    parser.write(chunk);
    if (batch.length > 0) {
      const out = batch;
      batch = [];
      yield* out;
    }
  }
  parser.end();
  yield* batch;
}
