/**
 * Deterministic Claude Code stream-json for the JSON Lines figures (bench/jsonl.ts and its worker):
 * lines shaped like the recorded ones in tests/fixtures/recorded/claude (system init/status, stream_event
 * deltas, assistant text and tool_use, user tool_result, result), generated from a seeded PRNG.
 *
 * Line sizes are log-uniform within two classes: 90% of lines are 100 B–4 KiB (stream events,
 * status, short messages), 10% are 4 KiB–1 MiB (Read and Bash tool results, Write tool inputs,
 * long assistant text), so most lines are small and most bytes are in large lines. Large contents
 * are source code, logs and prose with quotes, backslashes, tabs, newlines, ANSI escapes (all
 * escaped in JSON) and some non-ASCII UTF-8 (2-, 3- and 4-byte characters); Read results number
 * their lines with "→", as Claude Code does.
 * Also here, for the section and its worker alike: the chunkers, the baseline (PlainSplitter) and
 * the check every side's counts go through.
 */

export const MiB = 1024 * 1024;

/** The input of figure 7, the same in the section and its workers. */
export const INPUT_BYTES = 100e6;
export const INPUT_SEED = 0x5eed;
/** Seed of the random chunk sizes (1 B–64 KiB). */
export const CHUNK_SEED = 42;

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface JsonlInput {
  buf: Buffer;
  /** Lines, every one a JSON value (no blank lines). */
  lines: number;
  /** Byte length of each line, newline included. */
  sizes: number[];
  /** message.usage.output_tokens of each line (0 where absent). */
  tokens: number[];
  /** Lines with at least one non-ASCII character. */
  nonAsciiLines: number;
}

/** What a correct parser reports for the first `lines` lines: values, sum of line numbers, of tokens. */
export interface Expected {
  values: number;
  lineSum: number;
  tokenSum: number;
}

export function expected(input: JsonlInput, lines = input.lines): Expected {
  let tokenSum = 0;
  for (let i = 0; i < lines; i++) tokenSum += input.tokens[i]!;
  return { values: lines, lineSum: (lines * (lines + 1)) / 2, tokenSum };
}

/** The first whole lines of the input making up at least `bytes`. */
export function prefix(input: JsonlInput, bytes: number): { buf: Buffer; lines: number } {
  let n = 0;
  let lines = 0;
  while (n < bytes && lines < input.lines) n += input.sizes[lines++]!;
  return { buf: input.buf.subarray(0, n), lines };
}

/** What the checksum callback reads from each value: cheap, and wrong if values are mixed up. */
export function tokensOf(value: unknown): number {
  const m = (value as { message?: { usage?: { output_tokens?: number } } }).message;
  return m?.usage?.output_tokens ?? 0;
}

// ── vocabulary ───────────────────────────────────────────────────────────────

const WORDS = (
  'the a of to and in is it that for on with as this be are by from at or an not was which we but can ' +
  'function parser buffer chunk line value stream process child output error state event listener offset ' +
  'returns throws handles decodes bytes newline before after while until every each when then since ' +
  'test passes fails expected received module import export const let type interface async await promise'
).split(' ');
const NON_ASCII_WORDS = ['café', 'naïve', 'résumé', 'Zürich', '—', '→', '✓', '…', 'µs', '°C', '日本語', 'проверка', '🚀', '✨'];
const IDENTS = ['buf', 'chunk', 'line', 'start', 'end', 'offset', 'pending', 'value', 'options', 'result', 'child', 'state', 'emit', 'parse', 'decode', 'index', 'count', 'bytes'];
const PATHS = [
  'src/index.ts',
  'src/parsers/jsonl-parser.ts',
  'src/process/managed-process.ts',
  'src/output/output-buffer.ts',
  'tests/parsers/jsonl-parser.test.ts',
  'README.md',
  'package.json',
  'src/registry/process-manager.ts',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

function uuid(r: () => number): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

function sentence(r: () => number): string {
  const n = 6 + Math.floor(r() * 14);
  const w: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.03) w.push(pick(r, NON_ASCII_WORDS));
    else if (x < 0.08) w.push(`\`${pick(r, IDENTS)}\``);
    else if (x < 0.1) w.push(`"${pick(r, WORDS)}"`);
    else w.push(pick(r, WORDS));
  }
  const s = w.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

function codeLine(r: () => number): string {
  const indent = '  '.repeat(Math.floor(r() * 4));
  const a = pick(r, IDENTS);
  const b = pick(r, IDENTS);
  switch (Math.floor(r() * 10)) {
    case 0:
      return `${indent}// ${sentence(r)}`;
    case 1:
      return `${indent}const ${a} = ${b}.indexOf(0x0a, ${Math.floor(r() * 4096)});`;
    case 2:
      return `${indent}if (${a} === undefined) throw new Error(\`${pick(r, WORDS)} "${b}" missing: \${${a}}\`);`;
    case 3:
      return `${indent}const re = /^(\\d+)\\s+"([^"\\\\]*)"\\t(.*)$/;`;
    case 4:
      return `${indent}path.join('C:\\\\Users\\\\dev', '${b}', "${a}.json");`;
    case 5:
      return `${indent}}`;
    case 6:
      return `${indent}return { ${a}, ${b}: ${a}.${b}(${Math.floor(r() * 100)}) };`;
    case 7:
      return `${indent}\tlog.info('${pick(r, NON_ASCII_WORDS)} ${sentence(r)}');`;
    case 8:
      return '';
    default:
      return `${indent}for (let i = 0; i < ${a}.length; i++) ${b}[i] = ${a}[i] ?? '\\u0000';`;
  }
}

function logLine(r: () => number): string {
  switch (Math.floor(r() * 6)) {
    case 0:
      return ` \u001b[32m✓\u001b[39m ${pick(r, PATHS)} \u001b[2m(${Math.floor(r() * 40)} tests)\u001b[22m \u001b[33m${Math.floor(r() * 900)}ms\u001b[39m`;
    case 1:
      return `npm warn deprecated ${pick(r, IDENTS)}@${Math.floor(r() * 9)}.${Math.floor(r() * 20)}.0: ${sentence(r)}`;
    case 2:
      return `    at ${pick(r, IDENTS)} (/repo/${pick(r, PATHS)}:${Math.floor(r() * 400)}:${Math.floor(r() * 80)})`;
    case 3:
      return `-rw-r--r-- 1 dev dev ${Math.floor(r() * 99999)} Nov 21 08:24 ${pick(r, PATHS)}`;
    default:
      return `${pick(r, PATHS)}:${Math.floor(r() * 400)}: ${sentence(r)}`;
  }
}

/** A pool of lines with the UTF-8 size each takes inside a JSON string (escapes and newline included). */
interface Pool {
  lines: string[];
  sizes: number[];
}

function pool(r: () => number, n: number, make: (r: () => number) => string): Pool {
  const lines: string[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = make(r);
    lines.push(l);
    sizes.push(Buffer.byteLength(JSON.stringify(l + '\n')) - 2);
  }
  return { lines, sizes };
}

/** Lines from the pool until they take about `bytes` inside a JSON string. */
function fill(r: () => number, p: Pool, bytes: number, prefix?: (i: number) => string): { text: string; n: number } {
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const i = Math.floor(r() * p.lines.length);
    const pre = prefix ? prefix(out.length + 1) : '';
    out.push(pre + p.lines[i]!);
    size += p.sizes[i]! + (pre ? 10 : 0);
  }
  return { text: out.join('\n'), n: out.length };
}

// ── the stream ───────────────────────────────────────────────────────────────

const TOOLS = ['Task', 'Bash', 'Edit', 'Glob', 'Grep', 'NotebookEdit', 'Read', 'TaskCreate', 'TaskList', 'TodoWrite', 'WebFetch', 'WebSearch', 'Write'];

function logUniform(r: () => number, lo: number, hi: number): number {
  return Math.round(Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo))));
}

/**
 * About `bytes` of stream-json (the last line may run past it), the same for the same seed.
 * Generation takes about a second per 100 MB.
 */
export function claudeStream(bytes: number, seed: number): JsonlInput {
  const r = prng(seed);
  const code = pool(r, 4000, codeLine);
  const logs = pool(r, 2000, logLine);
  const prose = pool(r, 2000, (r) => {
    const x = r();
    if (x < 0.1) return `## ${sentence(r)}`;
    if (x < 0.2) return `- **${pick(r, IDENTS)}**: ${sentence(r)}`;
    if (x < 0.25) return '```ts';
    if (x < 0.3) return '```';
    return `${sentence(r)} ${sentence(r)}`;
  });
  const session = uuid(r);
  const model = 'claude-opus-4-8';
  let buf = Buffer.allocUnsafe(bytes + 2 * MiB);
  const sizes: number[] = [];
  let total = 0;
  let nonAsciiLines = 0;
  const tokens: number[] = [];
  let lastTool = `toolu_${hex(r, 24)}`;
  let t = Date.UTC(2026, 10, 21, 8, 0, 0);

  const envelope = (o: Record<string, unknown>) => ({ ...o, parent_tool_use_id: null, session_id: session, uuid: uuid(r) });
  const usage = () => {
    const out = 1 + Math.floor(r() * 4000);
    return { input_tokens: 19000 + Math.floor(r() * 90000), cache_creation_input_tokens: 0, cache_read_input_tokens: Math.floor(r() * 50000), output_tokens: out };
  };
  const assistant = (content: unknown[]) =>
    envelope({
      type: 'assistant',
      message: { id: `msg_${hex(r, 24)}`, type: 'message', role: 'assistant', model, content, stop_reason: null, stop_sequence: null, usage: usage(), context_management: null },
      request_id: `req_${hex(r, 24)}`,
    });
  const user = (content: string, isError: boolean, result: unknown) =>
    envelope({
      type: 'user',
      message: { role: 'user', content: [{ tool_use_id: lastTool, type: 'tool_result', content, is_error: isError }] },
      timestamp: new Date((t += Math.floor(r() * 5000))).toISOString(),
      tool_use_result: result,
    });
  const streamEvent = (event: unknown) => envelope({ type: 'stream_event', event });

  const init = () =>
    envelope({
      type: 'system',
      subtype: 'init',
      cwd: '/repo',
      tools: TOOLS,
      mcp_servers: [],
      model: `${model}[1m]`,
      permissionMode: 'default',
      slash_commands: ['review', 'compact', 'config', 'context', 'init', 'security-review', 'usage'],
      apiKeySource: 'ANTHROPIC_API_KEY',
      claude_code_version: '2.1.197',
      output_style: 'default',
      agents: ['claude', 'Explore', 'general-purpose', 'Plan'],
      skills: [],
      plugins: [],
      memory_paths: { auto: '/home/dev/.claude/projects/-repo/memory/' },
      fast_mode_state: 'off',
    });

  /** A small line, about `size` bytes. */
  const small = (size: number): unknown => {
    const x = r();
    const text = (n: number) => fill(r, prose, n).text.slice(0, Math.max(1, n));
    if (x < 0.45) return streamEvent({ type: 'content_block_delta', index: Math.floor(r() * 3), delta: { type: 'text_delta', text: text(size - 200) } });
    if (x < 0.6) {
      const partial = JSON.stringify({ command: fill(r, logs, size).text, description: sentence(r) }).slice(0, Math.max(1, size - 220));
      return streamEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: partial } });
    }
    if (x < 0.7) return assistant([{ type: 'text', text: text(size - 550) }]);
    if (x < 0.8)
      return user(fill(r, logs, (size - 450) / 2).text, r() < 0.1, { stdout: fill(r, logs, (size - 450) / 2).text, stderr: '', interrupted: false, isImage: false, noOutputExpected: false });
    if (x < 0.84) return envelope({ type: 'system', subtype: 'status', status: 'requesting' });
    if (x < 0.88) return streamEvent({ type: 'content_block_stop', index: 0 });
    if (x < 0.91) return streamEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: Math.floor(r() * 4000) } });
    if (x < 0.94) return streamEvent({ type: 'message_stop' });
    if (x < 0.97) {
      lastTool = `toolu_${hex(r, 24)}`;
      return streamEvent({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: lastTool, name: pick(r, TOOLS), input: {} } });
    }
    return envelope({
      type: 'result',
      subtype: 'success',
      is_error: false,
      api_error_status: null,
      duration_ms: Math.floor(r() * 600000),
      duration_api_ms: Math.floor(r() * 300000),
      num_turns: 1 + Math.floor(r() * 40),
      result: text(size - 900),
      stop_reason: 'end_turn',
      total_cost_usd: r() * 3,
      usage: { ...usage(), server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 }, service_tier: 'standard' },
      permission_denials: [],
      terminal_reason: 'completed',
      fast_mode_state: 'off',
    });
  };

  /** A large line, about `size` bytes. */
  const large = (size: number): unknown => {
    const x = r();
    if (x < 0.35) {
      // Read: numbered lines in the message, the raw file again in tool_use_result.
      const file = fill(r, code, (size - 700) / 2);
      const filePath = `/repo/${pick(r, PATHS)}`;
      const numbered = file.text
        .split('\n')
        .map((l, i) => `${String(i + 1).padStart(6)}→${l}`)
        .join('\n');
      return user(numbered, false, { type: 'text', file: { filePath, content: file.text, numLines: file.n, startLine: 1, totalLines: file.n } });
    }
    if (x < 0.55) {
      const out = fill(r, logs, (size - 700) / 2).text;
      return user(out, false, { stdout: out, stderr: '', interrupted: false, isImage: false, noOutputExpected: false });
    }
    if (x < 0.75) return assistant([{ type: 'text', text: fill(r, prose, size - 600).text }]);
    lastTool = `toolu_${hex(r, 24)}`;
    return assistant([{ type: 'tool_use', id: lastTool, name: 'Write', input: { file_path: `/repo/${pick(r, PATHS)}`, content: fill(r, code, size - 650).text } }]);
  };

  while (total < bytes) {
    let value: unknown;
    if (sizes.length % 2000 === 0) value = init();
    else value = r() < 0.9 ? small(logUniform(r, 100, 4096)) : large(logUniform(r, 4096, MiB));
    const line = JSON.stringify(value) + '\n';
    const n = Buffer.byteLength(line);
    if (total + n > buf.length) {
      const bigger = Buffer.allocUnsafe(2 * (total + n));
      buf.copy(bigger, 0, 0, total);
      buf = bigger;
    }
    buf.write(line, total);
    if (n !== line.length) nonAsciiLines++;
    sizes.push(n);
    total += n;
    tokens.push(tokensOf(value));
  }
  return { buf: buf.subarray(0, total), lines: sizes.length, sizes, tokens, nonAsciiLines };
}

/** Cuts buf into consecutive subarrays whose sizes `next()` gives (the last one may be shorter). */
export function chunk(buf: Buffer, next: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length;) {
    const n = Math.max(1, next());
    out.push(buf.subarray(at, Math.min(buf.length, at + n)));
    at += n;
  }
  return out;
}

/** Chunks of random sizes from 1 B to `max` (uniform), seeded. */
export function randomChunks(buf: Buffer, max: number, seed: number): Buffer[] {
  const r = prng(seed);
  return chunk(buf, () => 1 + Math.floor(r() * max));
}

/** Summary of the input for the report. */
export function describeInput(input: JsonlInput): Record<string, unknown> {
  const s = [...input.sizes].sort((a, b) => a - b);
  const big = input.sizes.filter((n) => n >= 64 * 1024).reduce((a, b) => a + b, 0);
  return {
    bytes: input.buf.length,
    lines: input.lines,
    lineBytesP10: s[Math.floor(s.length * 0.1)],
    lineBytesMedian: s[Math.floor(s.length / 2)],
    lineBytesP90: s[Math.floor(s.length * 0.9)],
    lineBytesMax: s[s.length - 1],
    linesUnder4KiB: round3(s.filter((n) => n < 4096).length / s.length),
    bytesInLinesOver64KiB: round3(big / input.buf.length),
    linesWithNonAscii: round3(input.nonAsciiLines / input.lines),
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The baseline: a plain splitter as one would write it by hand. Buffer.indexOf(0x0a) over each
 * chunk; the start of a line that runs past its chunk is kept in a Buffer[] and joined with
 * Buffer.concat when the line ends (a line inside one chunk is decoded in place); each line is
 * decoded with toString('utf8') and JSON.parse'd, and the value handed to `onValue`.
 */
export class PlainSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #line = 0;
  readonly #onValue: (value: unknown, line: number) => void;

  constructor(onValue: (value: unknown, line: number) => void) {
    this.#onValue = onValue;
  }

  write(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      let text: string;
      if (this.#pendingBytes === 0) {
        text = chunk.toString('utf8', start, nl);
      } else {
        this.#pending.push(chunk.subarray(start, nl));
        text = Buffer.concat(this.#pending, this.#pendingBytes + nl - start).toString('utf8');
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      this.#line++;
      if (text.length > 0) this.#onValue(JSON.parse(text), this.#line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#pending.push(start === 0 ? chunk : chunk.subarray(start));
      this.#pendingBytes += chunk.length - start;
    }
  }

  end(): void {
    if (this.#pendingBytes === 0) return;
    const text = Buffer.concat(this.#pending, this.#pendingBytes).toString('utf8');
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#line++;
    this.#onValue(JSON.parse(text), this.#line);
  }
}

/** Throws unless a side saw exactly the expected values (and no invalid or overflow line). */
export function verify(side: string, got: Expected & { problems: number }, want: Expected): void {
  if (got.values !== want.values || got.lineSum !== want.lineSum || got.tokenSum !== want.tokenSum || got.problems !== 0) {
    throw new Error(`${side}: got ${JSON.stringify(got)}, want ${JSON.stringify({ ...want, problems: 0 })}`);
  }
}
