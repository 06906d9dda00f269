/**
 * Figure 5: event-loop delay.
 * (a) 50 children each printing a JSON line every 10 ms (trickle.mjs 200 10): delay p99 and max
 *     once all 50 are running (startup of 50 Node children saturates the 2 cores for both sides).
 * (b) A burst: 200 /bin/true pushed synchronously into a maxConcurrent: 8 manager. The max
 *     delay during the burst is compared with the sum of the synchronous cost of 200 raw spawn()
 *     calls: if the burst is spread over event-loop turns, the max is far below the sum.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { ProcessManager } from './lib/library.js';
import { closed, FIXTURES, rawSpawn } from './lib/children.js';
import { row, type Row } from './lib/report.js';
import { alternate, mean, median, round, worstOf } from './lib/stats.js';

const CHILDREN = 50;
const LINES = 200;
const INTERVAL_MS = 10;
const TRICKLE = [process.execPath, [join(FIXTURES, 'trickle.mjs'), String(LINES), String(INTERVAL_MS)]] as const;
const REPS = 3;
const BURST = 200;
const BURST_CONCURRENCY = 8;
const SYNC_SAMPLES = 50;

const ms = (ns: number) => ns / 1e6;

interface Delay {
  p99: number;
  max: number;
  p50: number;
  samples: number;
}

function summary(h: IntervalHistogram): Delay {
  return { p99: ms(h.percentile(99)), max: ms(h.max), p50: ms(h.percentile(50)), samples: h.count };
}

/** Counts children that have spoken; enables the histogram when the last one does. */
function gate(h: IntervalHistogram): () => void {
  let ready = 0;
  return () => {
    if (++ready === CHILDREN) h.enable();
  };
}

function countNewlines(d: Buffer): number {
  let n = 0;
  for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) n++;
  return n;
}

const trickleRuns: Record<'raw' | 'procward', Delay[]> = { raw: [], procward: [] };

async function rawTrickle(): Promise<Delay> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const onReady = gate(h);
  let lines = 0;
  const done = Array.from({ length: CHILDREN }, () => {
    const child = rawSpawn(TRICKLE[0], [...TRICKLE[1]]);
    let first = true;
    child.stdout!.on('data', (d: Buffer) => {
      lines += countNewlines(d);
      if (first) {
        first = false;
        onReady();
      }
    });
    child.stderr!.on('data', () => {});
    return closed(child);
  });
  await Promise.all(done);
  h.disable();
  if (lines !== CHILDREN * LINES) throw new Error(`raw trickle: ${lines} lines, want ${CHILDREN * LINES}`);
  const d = summary(h);
  trickleRuns.raw.push(d);
  return d;
}

async function pwTrickle(): Promise<Delay> {
  const pm = new ProcessManager({ retainExited: 0 });
  try {
    const h = monitorEventLoopDelay({ resolution: 1 });
    const onReady = gate(h);
    let lines = 0;
    const done = Array.from({ length: CHILDREN }, () => {
      const p = pm.spawn({ command: TRICKLE[0], args: [...TRICKLE[1]] });
      let first = true;
      p.on('output', (c) => {
        lines += countNewlines(c.data);
        if (first) {
          first = false;
          onReady();
        }
      });
      return p.exited;
    });
    const exits = await Promise.all(done);
    h.disable();
    if (lines !== CHILDREN * LINES || exits.some((e) => e.state !== 'completed')) {
      throw new Error(`procward trickle: ${lines} lines, want ${CHILDREN * LINES}; states ${[...new Set(exits.map((e) => e.state))]}`);
    }
    const d = summary(h);
    trickleRuns.procward.push(d);
    return d;
  } finally {
    await pm.shutdown();
  }
}

/** Average synchronous duration of one raw spawn('/bin/true') call, in ms. */
async function rawSpawnSyncMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SYNC_SAMPLES; i++) {
    const t0 = performance.now();
    const child = spawn('/bin/true', [], { stdio: ['ignore', 'pipe', 'pipe'] });
    times.push(performance.now() - t0);
    await closed(child);
  }
  return mean(times);
}

/** Average synchronous duration of one pm.spawn() that gets a slot at once (it spawns inside). */
async function pwSpawnSyncMs(): Promise<number> {
  const pm = new ProcessManager({ retainExited: 0 });
  try {
    const times: number[] = [];
    for (let i = 0; i < SYNC_SAMPLES; i++) {
      const t0 = performance.now();
      const p = pm.spawn({ command: '/bin/true' });
      times.push(performance.now() - t0);
      await p.exited;
    }
    return mean(times);
  } finally {
    await pm.shutdown();
  }
}

interface Burst {
  max: number;
  p99: number;
  pushMs: number;
  /** Event-loop turns in which at least one child was started, and the most started in one turn. */
  turns: number;
  maxPerTurn: number;
}

async function burst(): Promise<Burst> {
  const pm = new ProcessManager({ maxConcurrent: BURST_CONCURRENCY, retainExited: 0 });
  // A self-rescheduling setImmediate counts loop iterations; each 'starting' is tagged with one.
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const perTurn = new Map<number, number>();
  pm.on('state', (_p, change) => {
    if (change.to === 'starting') perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
  });
  try {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    // Let the histogram take its first tick so the push below lands inside a measured interval.
    await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    const ps = Array.from({ length: BURST }, () => pm.spawn({ command: '/bin/true' }));
    const pushMs = performance.now() - t0;
    const exits = await Promise.all(ps.map((p) => p.exited));
    await new Promise((r) => setTimeout(r, 5));
    h.disable();
    if (exits.some((e) => e.state !== 'completed')) throw new Error('burst: not every /bin/true completed');
    return { max: ms(h.max), p99: ms(h.percentile(99)), pushMs, turns: perTurn.size, maxPerTurn: Math.max(...perTurn.values()) };
  } finally {
    ticking = false;
    await pm.shutdown();
  }
}

export async function benchEventLoop(): Promise<Row[]> {
  const t = await alternate(
    REPS,
    async () => (await rawTrickle()).p99,
    async () => (await pwTrickle()).p99,
    0,
  );
  // No warmup round above, so the side records hold exactly the measured rounds.
  const maxes = { raw: trickleRuns.raw.map((d) => d.max), procward: trickleRuns.procward.map((d) => d.max) };
  const maxRaw = median(maxes.raw);
  const maxPw = median(maxes.procward);

  // Synchronous cost of one spawn, raw vs procward (alternated, medians of per-run averages).
  const sync = await alternate(5, rawSpawnSyncMs, pwSpawnSyncMs);
  const perSpawn = median(sync.raw);
  const sum = perSpawn * BURST;
  const bursts: Burst[] = [];
  for (let i = 0; i < REPS; i++) bursts.push(await burst());
  const burstMax = median(bursts.map((b) => b.max));

  const perRun = (k: keyof Delay) => ({
    raw: trickleRuns.raw.map((d) => round(d[k], 3)),
    procward: trickleRuns.procward.map((d) => round(d[k], 3)),
  });
  return [
    row({
      figure: `5a loop delay p99, ${CHILDREN} children x ${LINES} lines/${INTERVAL_MS}ms`,
      unit: 'ms',
      raw: median(t.raw),
      procward: median(t.procward),
      compare: 'diff',
      target: 'procward p99 <= 2.5 ms',
      pass: median(t.procward) <= 2.5,
      worst: worstOf(t, 'lower'),
      detail: { p99: perRun('p99'), p50: perRun('p50'), max: perRun('max'), samples: perRun('samples') },
    }),
    row({
      figure: '5a loop delay max, same runs',
      unit: 'ms',
      raw: maxRaw,
      procward: maxPw,
      compare: 'diff',
      target: '-',
      pass: null,
      worst: worstOf(maxes, 'lower'),
    }),
    row({
      figure: '5b spawn() synchronous cost, 1 call',
      unit: 'ms',
      raw: perSpawn,
      procward: median(sync.procward),
      compare: 'ratio',
      target: '-',
      pass: null,
      worst: worstOf(sync, 'lower'),
      detail: { samplesRaw: sync.raw.map((x) => round(x, 4)), samplesProcward: sync.procward.map((x) => round(x, 4)) },
    }),
    row({
      figure: `5b burst ${BURST}x /bin/true @${BURST_CONCURRENCY}: max delay vs sum`,
      unit: 'ms',
      raw: sum,
      procward: burstMax,
      compare: 'ratio',
      target: 'max <= 0.25 x sum',
      pass: burstMax <= 0.25 * sum,
      // raw is the median round's synchronous cost times the burst; its worst is the costliest round's, times the burst.
      worst: worstOf({ raw: sync.raw.map((x) => x * BURST), procward: bursts.map((b) => b.max) }, 'lower'),
      detail: {
        burstMax: bursts.map((b) => round(b.max, 3)),
        burstP99: bursts.map((b) => round(b.p99, 3)),
        pushLoopMs: bursts.map((b) => round(b.pushMs, 3)),
        turnsWithSpawns: bursts.map((b) => b.turns),
        maxSpawnsInOneTurn: bursts.map((b) => b.maxPerTurn),
      },
    }),
  ];
}
