/**
 * Figure 8: the cost of sampling. 200 live processes (`sleep`), each sampled once per round: a
 * round through procward (p.metrics() on each: re-collect its tree, read stat and cmdline of each
 * member) against what a host does with raw child_process: one `ps` run for the 200 pids (the
 * PM2 / pidusage fallback approach). Both rounds are synchronous: their time is also how long the
 * host's event loop is blocked.
 */
import { spawnSync } from 'node:child_process';
import { ProcessManager } from './lib/library.js';
import { row, type Row } from './lib/report.js';
import { alternate, median, round, worstOf } from './lib/stats.js';

const PROCESSES = 200;
const REPS = 15;

export async function benchMetrics(): Promise<Row[]> {
  const pm = new ProcessManager({ retainExited: 0 });
  try {
    const ps = Array.from({ length: PROCESSES }, () => pm.spawn({ command: 'sleep', args: ['300'] }));
    await Promise.all(ps.map((p) => p.started));
    const pids = ps.map((p) => p.pid!).join(',');

    const rawRound = async () => {
      const t0 = performance.now();
      const out = spawnSync('ps', ['-o', 'pid=,ppid=,rss=,time=,command=', '-p', pids], { encoding: 'utf8' });
      const ms = performance.now() - t0;
      const lines = out.stdout.trim().split('\n').length;
      if (lines !== PROCESSES) throw new Error(`ps listed ${lines} of ${PROCESSES} processes`);
      return ms;
    };
    const pwRound = async () => {
      const t0 = performance.now();
      let counted = 0;
      for (const p of ps) if (p.metrics()!.tree.length === 1) counted++;
      const ms = performance.now() - t0;
      if (counted !== PROCESSES) throw new Error(`sampled ${counted} of ${PROCESSES} one-process trees`);
      return ms;
    };
    const aggregate = async () => {
      const t0 = performance.now();
      const m = pm.metrics();
      if (m.total.processes !== PROCESSES) throw new Error(`pm.metrics() counted ${m.total.processes}`);
      return performance.now() - t0;
    };

    const rounds = await alternate(REPS, rawRound, pwRound);
    const raw = median(rounds.raw);
    const pw = median(rounds.procward);
    const agg = await alternate(REPS, rawRound, aggregate);
    const rounded = (w: { raw: number; procward: number }) => ({ raw: round(w.raw, 2), procward: round(w.procward, 2) });
    return [
      row({
        figure: `sampling round, ${PROCESSES} processes (procward /proc reads vs one ps run)`,
        unit: 'ms',
        raw: round(raw, 2),
        procward: round(pw, 2),
        compare: 'ratio',
        target: '≤ 1.0x',
        pass: pw <= raw,
        worst: rounded(worstOf(rounds, 'lower')),
        detail: { perProcessUs: round((pw * 1000) / PROCESSES, 1), rawSamples: rounds.raw, procwardSamples: rounds.procward },
      }),
      row({
        figure: `pm.metrics() over ${PROCESSES} processes (info: includes the totals)`,
        unit: 'ms',
        raw: round(median(agg.raw), 2),
        procward: round(median(agg.procward), 2),
        compare: 'ratio',
        target: 'info',
        pass: null,
        worst: rounded(worstOf(agg, 'lower')),
      }),
    ];
  } finally {
    await pm.shutdown();
  }
}
