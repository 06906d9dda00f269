/**
 * Figure 7: JsonLinesParser on about 100 MB of Claude Code stream-json (bench/lib/jsonl-input.ts:
 * seeded, lines of 100 B to 1 MiB, most bytes in large lines), generated once per process and cut
 * into chunks held as Buffers before any timing starts. Each side counts the values it gets and
 * sums their line numbers and output_tokens; both must match what the generator wrote.
 * (a) Throughput against a plain splitter (Buffer.indexOf, Buffer[] + Buffer.concat, toString,
 *     JSON.parse: bench/lib/jsonl-input.ts) on random chunks of 1 B–64 KiB; node:readline over a
 *     Readable of the same chunks, JSON.parse per line, as information.
 * (b) Chunk-size independence: procward on fixed 1, 16 and 64 KiB chunks against the random ones;
 *     tiny chunks (1–16 B, on the first 8 MB) as information.
 * (c) Peak extra memory while parsing, each run in a fresh Node process (bench/jsonl-worker.ts).
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { JsonLinesParser } from './lib/library.js';
import { CHUNK_SEED, INPUT_BYTES, INPUT_SEED, claudeStream, chunk, describeInput, expected, prefix, randomChunks, tokensOf, verify, PlainSplitter, type Expected } from './lib/jsonl-input.js';
import { runWorker } from './lib/worker.js';
import { row, type Row } from './lib/report.js';
import { median, rotate, round, worstOf } from './lib/stats.js';

const MB = 1e6;
const KiB = 1024;
const MiB = 1024 * KiB;
const REPS = 7;
const CHUNK_REPS = 7;
const TINY_BYTES = 8 * MB;
const MEMORY_REPS = 3;
const MEMORY_BUDGET_MIB = 40;
const WORKER = fileURLToPath(new URL('./jsonl-worker.ts', import.meta.url));

const mbPerSec = (bytes: number, ms: number) => bytes / MB / (ms / 1000);

function bytesOf(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

function baseline(chunks: readonly Buffer[], want: Expected): number {
  const bytes = bytesOf(chunks);
  const got = { values: 0, lineSum: 0, tokenSum: 0, problems: 0 };
  const t0 = performance.now();
  const s = new PlainSplitter((value, line) => {
    got.values++;
    got.lineSum += line;
    got.tokenSum += tokensOf(value);
  });
  for (let i = 0; i < chunks.length; i++) s.write(chunks[i]!);
  s.end();
  const ms = performance.now() - t0;
  verify('baseline', got, want);
  return mbPerSec(bytes, ms);
}

function procward(chunks: readonly Buffer[], want: Expected): number {
  const bytes = bytesOf(chunks);
  const got = { values: 0, lineSum: 0, tokenSum: 0, problems: 0 };
  const t0 = performance.now();
  const p = new JsonLinesParser();
  p.on('value', (v) => {
    got.values++;
    got.lineSum += v.line;
    got.tokenSum += tokensOf(v.value);
  });
  p.on('invalid', () => got.problems++);
  p.on('overflow', () => got.problems++);
  for (let i = 0; i < chunks.length; i++) p.write(chunks[i]!);
  p.end();
  const ms = performance.now() - t0;
  verify('procward', got, want);
  return mbPerSec(bytes, ms);
}

async function readline(chunks: readonly Buffer[], want: Expected): Promise<number> {
  const bytes = bytesOf(chunks);
  const got = { values: 0, lineSum: 0, tokenSum: 0, problems: 0 };
  const t0 = performance.now();
  const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
  let line = 0;
  rl.on('line', (text) => {
    line++;
    if (text.length === 0) return;
    const value: unknown = JSON.parse(text);
    got.values++;
    got.lineSum += line;
    got.tokenSum += tokensOf(value);
  });
  await once(rl, 'close');
  const ms = performance.now() - t0;
  verify('readline', got, want);
  return mbPerSec(bytes, ms);
}

// ── (c) memory, in workers ───────────────────────────────────────────────────

type Side = 'raw' | 'procward';

interface WorkerResult {
  bytes: number;
  ms: number;
  /** Peak of heapUsed + external during the parse, minus before. */
  heapExtGrowth: number;
  hwm: number;
  hwmReset: boolean;
  rssBefore: number;
  rssAfter: number;
  gcRuns: number;
}

const workers: Record<Side, WorkerResult[]> = { raw: [], procward: [] };

async function runSide(side: Side): Promise<number> {
  const r = await runWorker<WorkerResult>(WORKER, side, ['--expose-gc']);
  workers[side].push(r);
  return r.heapExtGrowth / MiB;
}

/** Peak RSS growth during the parse, in MiB: VmHWM after a reset, minus RSS before. */
const rssGrowth = (r: WorkerResult) => (r.hwm - r.rssBefore) / MiB;

export async function benchJsonl(): Promise<Row[]> {
  const tg = performance.now();
  const input = claudeStream(INPUT_BYTES, INPUT_SEED);
  const all = expected(input);
  const random = randomChunks(input.buf, 64 * KiB, CHUNK_SEED);
  const fixed = [1, 16, 64].map((k) => ({ k, chunks: chunk(input.buf, () => k * KiB) }));
  const genMs = performance.now() - tg;
  const MBs = input.buf.length / MB;

  // (a) vs the plain splitter, and node:readline for information.
  const [tBase, tPw, tRl] = (await rotate(REPS, [async () => baseline(random, all), async () => procward(random, all), () => readline(random, all)])) as [number[], number[], number[]];

  // (b) chunk sizes: the random chunks again, in the same rounds as the fixed ones (no warmup
  // round: (a) ran the same code on the same input).
  const cs = await rotate(CHUNK_REPS, [async () => procward(random, all), ...fixed.map((f) => async () => procward(f.chunks, all))], 0);
  const [csRandom, ...csFixed] = cs as [number[], ...number[][]];

  // Tiny chunks on a prefix (a chunk is a Buffer object of its own: ~1M of them for 8 MB).
  const head = prefix(input, TINY_BYTES);
  const headWant = expected(input, head.lines);
  const headRandom = randomChunks(head.buf, 64 * KiB, CHUNK_SEED);
  let tiny: Buffer[] = randomChunks(head.buf, 16, CHUNK_SEED + 1);
  const tinyChunks = tiny.length;
  const [tHeadRandom, tTinyPw, tTinyBase] = (await rotate(CHUNK_REPS, [async () => procward(headRandom, headWant), async () => procward(tiny, headWant), async () => baseline(tiny, headWant)])) as [
    number[],
    number[],
    number[],
  ];
  tiny = [];

  // (c) memory, each run a fresh process.
  const mem = await rotate(MEMORY_REPS, [() => runSide('raw'), () => runSide('procward')], 0);
  const [memRaw, memPw] = mem as [number[], number[]];

  const samples = (raw: number[], pw: number[], digits = 1) => ({
    samplesRaw: raw.map((x) => round(x, digits)),
    samplesProcward: pw.map((x) => round(x, digits)),
  });
  const pwRandom = median(csRandom);
  const rows: Row[] = [
    row({
      figure: `7a JSONL parse ${MBs.toFixed(0)} MB, vs plain splitter`,
      unit: 'MB/s',
      raw: median(tBase),
      procward: median(tPw),
      compare: 'ratio',
      target: 'ratio >= 0.9',
      pass: median(tPw) / median(tBase) >= 0.9,
      worst: worstOf({ raw: tBase, procward: tPw }, 'higher'),
      detail: {
        input: { ...describeInput(input), chunks: random.length, chunkBytes: '1 B - 64 KiB uniform', seed: INPUT_SEED, chunkSeed: CHUNK_SEED, generateMs: Math.round(genMs) },
        verified: all,
        ...samples(tBase, tPw),
      },
    }),
    row({
      figure: '7a same runs, vs node:readline + JSON.parse',
      unit: 'MB/s',
      raw: median(tRl),
      procward: median(tPw),
      compare: 'ratio',
      target: '-',
      pass: null,
      worst: worstOf({ raw: tRl, procward: tPw }, 'higher'),
      detail: samples(tRl, tPw),
    }),
    ...fixed.map((f, i) => {
      const x = median(csFixed[i]!);
      return row({
        figure: `7b JSONL ${f.k} KiB chunks, vs random 1 B-64 KiB`,
        unit: 'MB/s',
        raw: pwRandom,
        procward: x,
        compare: 'ratio',
        target: '0.9 <= ratio <= 1.1',
        pass: x / pwRandom >= 0.9 && x / pwRandom <= 1.1,
        worst: worstOf({ raw: csRandom, procward: csFixed[i]! }, 'higher'),
        detail: { chunks: f.chunks.length, ...samples(csRandom, csFixed[i]!) },
      });
    }),
    row({
      figure: `7b JSONL 1-16 B chunks (first ${(head.buf.length / MB).toFixed(0)} MB), vs random`,
      unit: 'MB/s',
      raw: median(tHeadRandom),
      procward: median(tTinyPw),
      compare: 'ratio',
      target: '-',
      pass: null,
      worst: worstOf({ raw: tHeadRandom, procward: tTinyPw }, 'higher'),
      detail: {
        chunks: tinyChunks,
        lines: head.lines,
        baselineTinyMBs: round(median(tTinyBase), 1),
        procwardVsBaselineTiny: round(median(tTinyPw) / median(tTinyBase), 3),
        ...samples(tHeadRandom, tTinyPw),
        samplesBaselineTiny: tTinyBase.map((x) => round(x, 1)),
      },
    }),
    row({
      figure: `7c JSONL peak heap+external growth, ${MBs.toFixed(0)} MB`,
      unit: 'MiB',
      raw: median(memRaw),
      procward: median(memPw),
      compare: 'diff',
      target: `procward <= ${MEMORY_BUDGET_MIB} MiB`,
      pass: median(memPw) <= MEMORY_BUDGET_MIB,
      worst: worstOf({ raw: memRaw, procward: memPw }, 'lower'),
      detail: {
        measure: 'max over every value event and write of heapUsed + external, minus the same after gc() with the input allocated',
        ...samples(memRaw, memPw),
        gcRuns: { raw: workers.raw.map((r) => r.gcRuns), procward: workers.procward.map((r) => r.gcRuns) },
        parseMs: { raw: workers.raw.map((r) => Math.round(r.ms)), procward: workers.procward.map((r) => Math.round(r.ms)) },
      },
    }),
    row({
      figure: '7c same runs, peak RSS growth',
      unit: 'MiB',
      raw: median(workers.raw.map(rssGrowth)),
      procward: median(workers.procward.map(rssGrowth)),
      compare: 'diff',
      target: '-',
      pass: null,
      // No warmup round in (c): the worker records are exactly the measured rounds.
      worst: worstOf({ raw: workers.raw.map(rssGrowth), procward: workers.procward.map(rssGrowth) }, 'lower'),
      detail: {
        measure: workers.procward[0]?.hwmReset ? 'VmHWM after clear_refs reset, minus rss before' : 'VmHWM (not reset: includes generating the input), minus rss before',
        ...samples(workers.raw.map(rssGrowth), workers.procward.map(rssGrowth)),
        rssBefore: { raw: workers.raw.map((r) => round(r.rssBefore / MiB, 1)), procward: workers.procward.map((r) => round(r.rssBefore / MiB, 1)) },
      },
    }),
  ];
  return rows;
}
