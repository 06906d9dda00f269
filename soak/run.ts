/**
 * A seeded chaos soak of procward: random operations over up to 100 live processes of hostile
 * kinds, checked continuously, then shutdown() and a scan for anything left alive.
 *   SOAK_S=30 SEED=123 npm run soak
 * Exits non-zero, with the seed, on any violation. See findings.ts for the known bugs tolerated.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcwardError, ProcessManager, type ManagerOptions } from '../src/index.js';
import { PeriodicChecks } from './checks.js';
import { readConfig } from './config.js';
import { SoakContext } from './context.js';
import { Findings } from './findings.js';
import { OP_WEIGHTS, runOp } from './ops.js';
import { Prng } from './prng.js';
import { killAll, scanMarked, ticksNow } from './proc-scan.js';
import { printReport } from './report.js';
import { StallMonitor } from './stall.js';
import { Tracked } from './tracker.js';

/** Live processes the manager accepts; beyond it spawn throws LIMIT_REACHED (an expected answer). */
const MAX_LIVE = 100;
const CHECK_EVERY_MS = 250;
/**
 * shutdown() stops everything with grace ≤ 300 ms and killTimeoutMs 3 s: 20 s means it hangs. Longer
 * than STOP_DEADLINE_MS, so that the checks meanwhile judge the stops still pending.
 */
const SHUTDOWN_DEADLINE_MS = 20_000;
/** How long the ops loop waits between operations, at most (drawn from the PRNG). */
const MAX_GAP_MS = 14;
/** How long after a stopAll/stopScope/shutdown begins its stops scan (grace ≤ 300 ms, then SIGKILL and the wait). */
const STOP_MANY_SPAN_MS = 1500;

const config = readConfig();
const { seed } = config;
console.log(`procward soak: SEED=${seed} SOAK_S=${config.seconds}${config.strict ? ' SOAK_STRICT=1' : ''} (replay: SEED=${seed} SOAK_S=${config.seconds} npm run soak)`);

const findings = new Findings(seed, config.strict);
process.on('unhandledRejection', (err) => findings.violation('unhandled-rejection', err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)));
process.on('uncaughtException', (err) => findings.violation('uncaught-exception', `${err.name}: ${err.message}\n${err.stack}`));
process.on('warning', (w) => {
  if ((w as { code?: string }).code?.startsWith('PROCWARD')) findings.violation('warning', `${w.name}: ${w.message}`);
  else console.error(`warning [seed=${seed}]: ${w.name}: ${w.message}`);
});

const r = new Prng(seed);
const managerOptions: ManagerOptions = {
  maxProcesses: MAX_LIVE,
  retainExited: r.int(0, 60),
  output: { maxBytes: r.logInt(64 * 1024, 1 << 20) },
  stop: { graceMs: r.int(50, 300) },
  ...(r.chance(0.5) ? { maxConcurrent: r.int(4, 40) } : {}),
};
console.log(`manager options ${JSON.stringify(managerOptions)}`);
const pm = new ProcessManager(managerOptions);
const notBefore = ticksNow();
const ctx = new SoakContext(pm, r, findings, (config.seconds + 90) * 1000);

pm.on('spawn', (p) => {
  const plan = ctx.planning;
  if (!plan) return findings.violation('spawn-event', `a spawn event for ${p.id} outside spawn()`);
  const t = new Tracked(ctx.tracked.length, plan, p, findings);
  ctx.tracked.push(t);
  ctx.byProcess.set(p, t);
});
pm.on('error', (err, p) => {
  if (!isProcwardError(err)) findings.violation('error-without-code', `manager error event (${p?.id}): ${String(err)}`);
});

const stalls = new StallMonitor(
  config.stallLimitMs,
  () => findings.op,
  () => findings.elapsedMs,
);
stalls.start();
const checks = new PeriodicChecks(ctx, notBefore);
const checker = setInterval(() => checks.run(), CHECK_EVERY_MS);
pm.on('restart', (p, restart) => {
  const t = ctx.byProcess.get(p);
  if (t) checks.scanBetweenAttempts(t, restart.previous.reason);
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const until = performance.now() + config.seconds * 1000;
let ops = 0;
/** The operation whose synchronous part took longest (a spawn, a pause over a big tree, …). */
let slowest = { ms: 0, cpuMs: 0, op: 0, name: '' };
while (performance.now() < until) {
  const op = r.weighted(OP_WEIGHTS);
  findings.op = ++ops;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  runOp(ctx, op);
  const took = performance.now() - t0;
  if (took > slowest.ms) {
    const cpu = process.cpuUsage(cpu0);
    slowest = { ms: Math.round(took * 10) / 10, cpuMs: Math.round((cpu.user + cpu.system) / 100) / 10, op: ops, name: op };
  }
  ctx.peakLive = Math.max(ctx.peakLive, pm.liveCount);
  await sleep(r.int(0, MAX_GAP_MS));
}

findings.op = ops + 1;
ctx.log('shutdown', undefined);
ctx.stopsOfMany.push(findings.elapsedMs);
const shutdownStart = performance.now();
const shutdown = await Promise.race([ctx.async('shutdown', [], () => pm.shutdown()).then(() => 'done' as const), sleep(SHUTDOWN_DEADLINE_MS).then(() => 'hung' as const)]);
const shutdownMs = Math.round(performance.now() - shutdownStart);
if (shutdown === 'hung') {
  // A process stuck in a known bug holds shutdown() before its sweep: known too, if that is all.
  const live = ctx.tracked.filter((t) => !t.exit);
  const unknown = live.filter((t) => !checks.stuckWithNothingAlive(t, `shutdown() waits on it; history: ${t.history.join(' | ')}`));
  if (unknown.length > 0 || live.length === 0) {
    findings.violation(
      'shutdown-hung',
      `shutdown() has not resolved after ${SHUTDOWN_DEADLINE_MS} ms; ${pm.liveCount} live: ${unknown.map((t) => `#${t.idx} ${t.plan.kind} ${t.p.state}`).join(', ')}`,
    );
  }
}
const stuck = ctx.tracked.filter((t) => t.stuckKnown);

// Everything is over: every process exited, every stop and follower settled.
for (let i = 0; i < 100 && (ctx.tracked.some((t) => t.stops.some((s) => !s.settled)) || ctx.followers.some((f) => !f.done)); i++) await sleep(20);
for (const t of ctx.tracked) {
  if (!t.exit && !t.stuckKnown) findings.violation('alive-after-shutdown', `${t.plan.kind} ${t.p.id} is ${t.p.state} after shutdown(); history: ${t.history.join(' | ')}`, t.idx);
  for (const s of t.stops) if (!s.settled && !s.flagged && !t.stuckKnown) findings.violation('stop-hung', `${s.what} (op #${s.op}) never settled, not even after shutdown()`, t.idx);
}
for (const f of ctx.followers) if (!f.done && !f.t.stuckKnown) findings.violation('follow-hung', `a follower of ${f.t.p.id} never ended`, f.t.idx);
if (pm.liveCount !== stuck.length) findings.violation('live-count', `liveCount ${pm.liveCount} after shutdown() (${stuck.length} stuck in a known bug)`);
checks.run();
const left = scanMarked('PROCWARD_MANAGER', new Set([pm.id]), notBefore).get(pm.id) ?? [];
// A hung shutdown() never ran its sweep: the known survivors it would have swept are the known bugs' doing.
const unswept = shutdown === 'hung' && stuck.length > 0 ? left.filter((m) => checks.knownSurvivors.has(m.pid)) : [];
if (unswept.length > 0) findings.violation('stop-racing-own-exit-lost', `${unswept.length} known survivors left unswept: shutdown() hung on ${stuck.length} stuck process(es)`);
for (const m of left) {
  if (!unswept.includes(m)) findings.violation('alive-after-shutdown', `pid ${m.pid} (sid ${m.sid}, ppid ${m.ppid}, ${m.state}) carries PROCWARD_MANAGER=${pm.id}: ${m.cmd}`);
}
killAll(left); // leave the machine clean whatever the verdict
await sleep(100); // late rejections
clearInterval(checker);
stalls.stop();
for (const s of stalls.busyOver) {
  const detail = `the event loop was blocked ${s.ms} ms until ${s.atMs} ms (op #${s.op}; on CPU ${s.cpuMs} ms of it)`;
  const during = ctx.stopsOfMany.find((at) => at >= s.atMs - s.ms - STOP_MANY_SPAN_MS && at <= s.atMs);
  if (during !== undefined) findings.knownBug('stop-many-blocks-event-loop', `${detail}, during a stop of many begun at ${during} ms`);
  else findings.violation('stall', detail);
}

let tracePath: string | undefined;
if (findings.violations.length > 0) {
  tracePath = join(tmpdir(), `procward-soak-${seed}-${process.pid}.trace`);
  writeFileSync(tracePath, ctx.trace.join('\n') + '\n');
}
printReport(ctx, findings, stalls, { seconds: config.seconds, ops, shutdownMs, leftAlive: left.length, leftKnown: unswept.length, tracePath, slowest });
process.exit(findings.violations.length > 0 ? 1 : 0);
