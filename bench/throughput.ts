/**
 * Figure 1: output throughput. A child writes 512 MiB of zeros to stdout; the host counts every
 * byte. Raw: a bare stdout 'data' listener until 'close'. procward: an 'output' listener until
 * `exited` (which also means every output chunk has been delivered).
 */
import { ProcessManager } from './lib/library.js';
import { closed, rawSpawn } from './lib/children.js';
import { row, type Row } from './lib/report.js';
import { alternate, median, round, worstOf } from './lib/stats.js';

const BYTES = 512 * 1024 * 1024;
const REPS = 7;
const CHILD = ['head', ['-c', String(BYTES), '/dev/zero']] as const;

const mibPerSec = (ms: number) => BYTES / (1024 * 1024) / (ms / 1000);

async function raw(): Promise<number> {
  const t0 = performance.now();
  const child = rawSpawn(CHILD[0], [...CHILD[1]]);
  let n = 0;
  child.stdout!.on('data', (d: Buffer) => {
    n += d.length;
  });
  child.stderr!.on('data', () => {});
  const { code } = await closed(child);
  const ms = performance.now() - t0;
  if (n !== BYTES || code !== 0) throw new Error(`raw throughput: counted ${n} bytes (want ${BYTES}), exit code ${code}`);
  return mibPerSec(ms);
}

async function procward(pm: ProcessManager): Promise<number> {
  const t0 = performance.now();
  const p = pm.spawn({ command: CHILD[0], args: [...CHILD[1]] });
  let n = 0;
  p.on('output', (chunk) => {
    n += chunk.data.length;
  });
  const exit = await p.exited;
  const ms = performance.now() - t0;
  if (n !== BYTES || exit.state !== 'completed') throw new Error(`procward throughput: counted ${n} bytes (want ${BYTES}), state ${exit.state} ${JSON.stringify(exit)}`);
  return mibPerSec(ms);
}

export async function benchThroughput(): Promise<Row[]> {
  const pm = new ProcessManager({ retainExited: 0 });
  try {
    const s = await alternate(REPS, raw, () => procward(pm));
    return [
      row({
        figure: '1 throughput 512 MiB stdout',
        unit: 'MiB/s',
        raw: median(s.raw),
        procward: median(s.procward),
        compare: 'ratio',
        target: 'ratio >= 0.9',
        pass: median(s.procward) / median(s.raw) >= 0.9,
        worst: worstOf(s, 'higher'),
        detail: { bytesVerified: BYTES, samplesRaw: s.raw.map((x) => round(x)), samplesProcward: s.procward.map((x) => round(x)) },
      }),
    ];
  } finally {
    await pm.shutdown();
  }
}
