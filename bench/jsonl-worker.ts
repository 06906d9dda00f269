/**
 * Runs in a fresh Node process (`node --expose-gc --import tsx bench/jsonl-worker.ts raw|procward`):
 * generates figure 7's input and its random chunks, parses a small stream of its own kind first
 * (JIT), collects garbage, then parses the input once and reports as JSON how much memory the parse
 * added: the peak of heapUsed + external (sampled at every value and after every write: the parse
 * is synchronous, a timer would never fire) minus the same before, and the kernel's peak RSS
 * (VmHWM, reset with clear_refs 5 just before) minus RSS before. The input is allocated before
 * either "before" reading, so neither figure includes it.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { JsonLinesParser } from './lib/library.js';
import { watchPeakRss } from './lib/worker.js';
import { CHUNK_SEED, INPUT_BYTES, INPUT_SEED, PlainSplitter, claudeStream, expected, randomChunks, tokensOf, verify, type Expected } from './lib/jsonl-input.js';

const side = process.argv[2];
if (side !== 'raw' && side !== 'procward') throw new Error('usage: jsonl-worker.ts raw|procward');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('jsonl-worker.ts needs --expose-gc');

let peak = 0;
function sample(): void {
  const m = process.memoryUsage();
  const x = m.heapUsed + m.external;
  if (x > peak) peak = x;
}

function parse(chunks: readonly Buffer[], want: Expected, sampling: boolean): void {
  const got = { values: 0, lineSum: 0, tokenSum: 0, problems: 0 };
  const onValue = (value: unknown, line: number) => {
    got.values++;
    got.lineSum += line;
    got.tokenSum += tokensOf(value);
    if (sampling) sample();
  };
  if (side === 'raw') {
    const s = new PlainSplitter(onValue);
    for (let i = 0; i < chunks.length; i++) {
      s.write(chunks[i]!);
      if (sampling) sample();
    }
    s.end();
  } else {
    const p = new JsonLinesParser();
    p.on('value', (v) => onValue(v.value, v.line));
    p.on('invalid', () => got.problems++);
    p.on('overflow', () => got.problems++);
    for (let i = 0; i < chunks.length; i++) {
      p.write(chunks[i]!);
      if (sampling) sample();
    }
    p.end();
  }
  verify(side!, got, want);
}

{
  const warm = claudeStream(4e6, INPUT_SEED + 1);
  parse(randomChunks(warm.buf, 64 * 1024, CHUNK_SEED), expected(warm), true);
}
const input = claudeStream(INPUT_BYTES, INPUT_SEED);
const want = expected(input);
const chunks = randomChunks(input.buf, 64 * 1024, CHUNK_SEED);
gc();
gc();

let gcRuns = 0;
const obs = new PerformanceObserver((list) => (gcRuns += list.getEntries().length));
obs.observe({ entryTypes: ['gc'] });

// The parse is synchronous, so the sampling timer never fires: heap+external is sampled inline.
const peakRss = watchPeakRss();
const m0 = process.memoryUsage();
const before = m0.heapUsed + m0.external;
peak = before;
const t0 = performance.now();
parse(chunks, want, true);
const ms = performance.now() - t0;
const { hwm } = peakRss.stop();
const rssAfter = process.memoryUsage.rss();
await new Promise((r) => setTimeout(r, 20));
obs.disconnect();
process.stdout.write(
  JSON.stringify({
    side,
    bytes: input.buf.length,
    ms,
    heapExtGrowth: peak - before,
    hwm,
    hwmReset: peakRss.hwmReset,
    rssBefore: peakRss.rssBefore,
    rssAfter,
    gcRuns,
    heapUsedBefore: m0.heapUsed,
    externalBefore: m0.external,
  }) + '\n',
);
