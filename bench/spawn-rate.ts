/**
 * Figure 2: spawn rate of /bin/true, each spawn awaited to its end (raw: 'close'; procward:
 * `exited`). Sequential, 8 in flight kept by the host, and 8 in flight kept by procward's own
 * queue (maxConcurrent: 8, all pushed at once).
 *
 * Many short rounds, raw and procward in turn, and the figure is the median of the ratio of each
 * pair: a round takes about 0.1 s, shorter than the machine's slow and fast stretches, which long
 * rounds caught on one side only (single 200-spawn rounds ranged 0.6–1.07× with no change of code).
 */
import { ProcessManager } from './lib/library.js';
import { closed, rawSpawn } from './lib/children.js';
import { row, type Row } from './lib/report.js';
import { alternate, median, pairedRatios, round, worstOf, type Paired } from './lib/stats.js';

const SEQUENTIAL = 50;
const PARALLEL = 96;
const IN_FLIGHT = 8;
const REPS = 31;
const TRUE = '/bin/true';

async function rawOne(): Promise<void> {
  const { code } = await closed(rawSpawn(TRUE));
  if (code !== 0) throw new Error(`raw /bin/true exited with ${code}`);
}

async function pwOne(pm: ProcessManager): Promise<void> {
  const exit = await pm.spawn({ command: TRUE }).exited;
  if (exit.state !== 'completed') throw new Error(`procward /bin/true ended ${exit.state} (${exit.reason})`);
}

/** Runs `total` jobs with at most `k` in flight; returns spawns per second. */
async function pool(total: number, k: number, one: () => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < total) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: k }, worker));
  return total / ((performance.now() - t0) / 1000);
}

async function queued(pm: ProcessManager, total: number): Promise<number> {
  const t0 = performance.now();
  const ps = Array.from({ length: total }, () => pm.spawn({ command: TRUE }));
  const exits = await Promise.all(ps.map((p) => p.exited));
  const rate = total / ((performance.now() - t0) / 1000);
  const bad = exits.filter((e) => e.state !== 'completed').length;
  if (bad > 0) throw new Error(`procward maxConcurrent: ${bad} of ${total} did not complete`);
  return rate;
}

export async function benchSpawnRate(): Promise<Row[]> {
  const free = new ProcessManager({ retainExited: 0 });
  const limited = new ProcessManager({ retainExited: 0, maxConcurrent: IN_FLIGHT });
  try {
    const seq = await alternate(
      REPS,
      () => pool(SEQUENTIAL, 1, rawOne),
      () => pool(SEQUENTIAL, 1, () => pwOne(free)),
    );
    const par = await alternate(
      REPS,
      () => pool(PARALLEL, IN_FLIGHT, rawOne),
      () => pool(PARALLEL, IN_FLIGHT, () => pwOne(free)),
    );
    const q = await alternate(
      REPS,
      () => pool(PARALLEL, IN_FLIGHT, rawOne),
      () => queued(limited, PARALLEL),
    );
    const mk = (figure: string, s: Paired): Row => {
      const pairs = pairedRatios(s, 'higher');
      return {
        ...row({
          figure,
          unit: 'spawn/s',
          raw: median(s.raw),
          procward: median(s.procward),
          compare: 'ratio',
          target: 'median pair ratio >= 0.9',
          pass: pairs.median >= 0.9,
          worst: worstOf(s, 'higher'),
          detail: {
            worstPairRatio: round(pairs.worst, 3),
            pairRatios: pairs.all.map((x) => round(x, 3)),
            samplesRaw: s.raw.map((x) => round(x, 1)),
            samplesProcward: s.procward.map((x) => round(x, 1)),
          },
        }),
        value: pairs.median,
      };
    };
    return [
      mk(`2a spawn /bin/true sequential, ${REPS} rounds of ${SEQUENTIAL}`, seq),
      mk(`2b spawn /bin/true ${IN_FLIGHT} in flight, ${REPS} rounds of ${PARALLEL}`, par),
      mk(`2c same, maxConcurrent:${IN_FLIGHT} queue`, q),
    ];
  } finally {
    await Promise.all([free.shutdown(), limited.shutdown()]);
  }
}
