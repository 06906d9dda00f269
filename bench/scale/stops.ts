/**
 * Stopping many: pm.stopAll() and pm.shutdown() of N `sleep`s against a raw host signalling every
 * group and waiting for every close, with the longest event-loop block of each; and stopping one
 * process while N−1 siblings live against stopping it alone.
 */
import { ProcessManager, type ManagedProcess } from '../lib/library.js';
import { probeLoop, type LoopBlock } from '../lib/loop-probe.js';
import { alternate } from '../lib/stats.js';
import { pwFleet, rawFleet, rawStop, settle, SLEEP } from './fleet.js';

export interface StopTrials {
  ms: { raw: number[]; procward: number[] };
  block: { raw: LoopBlock[]; procward: LoopBlock[] };
}

async function timed(run: () => Promise<unknown>): Promise<{ ms: number; block: LoopBlock }> {
  const probe = probeLoop();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  return { ms, block: probe() };
}

export async function stopMany(n: number, reps: number, how: 'stopAll' | 'shutdown'): Promise<StopTrials> {
  const out: StopTrials = { ms: { raw: [], procward: [] }, block: { raw: [], procward: [] } };
  const side = (name: 'raw' | 'procward', t: { ms: number; block: LoopBlock }) => {
    out.block[name].push(t.block);
    return t.ms;
  };
  const ms = await alternate(
    reps,
    async () => {
      const fleet = await rawFleet(n);
      await settle();
      return side('raw', await timed(() => rawStop(fleet)));
    },
    async () => {
      const { pm, ps } = await pwFleet(n);
      await settle();
      const t = await timed(() => (how === 'stopAll' ? pm.stopAll() : pm.shutdown()));
      const alive = ps.filter((p) => !['stopped', 'failed', 'completed', 'killed'].includes(p.state)).length;
      if (alive > 0) throw new Error(`${how} of ${n} resolved with ${alive} process(es) not ended`);
      if (how === 'stopAll') await pm.shutdown();
      return side('procward', t);
    },
    0,
  );
  out.ms = ms;
  return out;
}

export interface StopOne {
  alone: number[];
  /** The newest of N (spawned last) and the oldest (spawned first), each among N−1 live siblings. */
  newest: number[];
  oldest: number[];
}

async function stopTimed(p: ManagedProcess): Promise<number> {
  await p.started;
  await settle();
  const t0 = performance.now();
  const exit = await p.stop();
  const ms = performance.now() - t0;
  if (exit.state !== 'stopped') throw new Error(`stop() ended the process ${exit.state} (${exit.reason})`);
  return ms;
}

export async function stopOne(n: number, reps: number): Promise<StopOne> {
  const out: StopOne = { alone: [], newest: [], oldest: [] };
  const solo = new ProcessManager({ retainExited: 0 });
  try {
    await stopTimed(solo.spawn(SLEEP)); // warm-up
    for (let i = 0; i < reps; i++) out.alone.push(await stopTimed(solo.spawn(SLEEP)));
  } finally {
    await solo.shutdown();
  }
  // N−1 siblings; each round adds one and stops it (the newest), then adds one and stops the
  // oldest left, so N processes are live at every stop.
  const { pm, ps: live } = await pwFleet(n - 1);
  try {
    for (let i = 0; i <= reps; i++) {
      const newest = await stopTimed(pm.spawn(SLEEP));
      const replacement = pm.spawn(SLEEP);
      await replacement.started;
      live.push(replacement);
      const oldest = await stopTimed(live.shift()!);
      if (i === 0) continue; // warm-up
      out.newest.push(newest);
      out.oldest.push(oldest);
    }
  } finally {
    await pm.shutdown();
  }
  return out;
}
