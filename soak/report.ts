/** The soak's summary and its verdict. */
import { loadavg } from 'node:os';
import { KNOWN, format, type Findings } from './findings.js';
import type { SoakContext } from './context.js';
import type { StallMonitor } from './stall.js';

export interface RunFacts {
  seconds: number;
  ops: number;
  shutdownMs: number;
  leftAlive: number;
  /** Of those, the known survivors a hung shutdown() did not sweep. */
  leftKnown: number;
  tracePath: string | undefined;
  slowest: { ms: number; cpuMs: number; op: number; name: string };
}

function counts(m: Map<string, number>): string {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export function printReport(ctx: SoakContext, findings: Findings, stalls: StallMonitor, facts: RunFacts): void {
  const kinds = new Map<string, number>();
  const ends = new Map<string, number>();
  let bytes = 0;
  let transitions = 0;
  let restarts = 0;
  for (const t of ctx.tracked) {
    kinds.set(t.plan.kind, (kinds.get(t.plan.kind) ?? 0) + 1);
    if (t.exit) ends.set(`${t.exit.state}/${t.exit.reason}`, (ends.get(`${t.exit.state}/${t.exit.reason}`) ?? 0) + 1);
    bytes += t.bytes;
    transitions += t.transitions;
    restarts += t.exit?.restarts ?? 0;
  }
  const { p50, p99, max } = stalls.percentiles;
  const w = stalls.worst;
  const wb = stalls.worstBusy;
  const seed = findings.seed;
  console.log(`
── procward soak [seed=${seed}] ─────────────────────────────────────────
duration      ${facts.seconds} s of operations, then shutdown() in ${facts.shutdownMs} ms
ops           ${facts.ops}: ${counts(ctx.opCounts)}
processes     ${ctx.tracked.length} spawned, at most ${ctx.peakLive} live at once: ${counts(kinds)}
ends          ${counts(ends)}; ${restarts} restarts; ${transitions} transitions
bytes         ${(bytes / 2 ** 20).toFixed(1)} MiB received on output events; ${(ctx.stdinBytes / 2 ** 10).toFixed(1)} KiB written to stdin
error codes   ${counts(ctx.codeCounts) || 'none'}
event loop    delay p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms
worst stall   ${w.ms} ms wall clock at ${w.atMs} ms (op #${w.op}; the host on CPU ${w.cpuMs} ms of it); most CPU in one stall ${wb.cpuMs} ms (${wb.ms} ms wall, op #${wb.op}); limit ${stalls.limitMs} ms of the host's own CPU; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}
slowest op    ${facts.slowest.name} #${facts.slowest.op}: ${facts.slowest.ms} ms synchronous (${facts.slowest.cpuMs} ms CPU)
after shutdown ${facts.leftAlive} processes carrying the manager's marker alive${facts.leftKnown ? ` (${facts.leftKnown} known survivors a hung shutdown() did not sweep)` : ''}`);
  const known = [...findings.known.entries()];
  console.log(`known bugs    ${known.length === 0 ? 'none seen' : known.map(([k, l]) => `${k} ×${l.length}`).join(', ')}`);
  for (const [bug, list] of known) {
    console.log(`  ${bug}: ${KNOWN[bug]}`);
    for (const f of list.slice(0, 3)) console.log(`    e.g. ${format(f)}`);
  }
  if (findings.violations.length === 0) {
    console.log(`\nPASS [seed=${seed}]: no violation.`);
    return;
  }
  console.log(`\nFAIL [seed=${seed}]: ${findings.violations.length} violation(s). Replay with SEED=${seed} SOAK_S=${facts.seconds} npm run soak`);
  const byWhat = new Map<string, number>();
  for (const v of findings.violations) byWhat.set(v.what, (byWhat.get(v.what) ?? 0) + 1);
  console.log(`  by kind: ${counts(byWhat)}`);
  for (const v of findings.violations.slice(0, 30)) {
    console.log(`  - ${format(v)}`);
    if (v.proc !== undefined) {
      const ops = ctx.trace.filter((line) => line.includes(` p#${v.proc}(`)).slice(0, 12);
      for (const line of ops) console.log(`      ${line}`);
    }
  }
  if (facts.tracePath) console.log(`  full operation trace: ${facts.tracePath}`);
}
