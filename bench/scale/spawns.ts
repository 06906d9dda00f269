/**
 * Starting many: time until N `sleep`s are all running (raw: every 'spawn' event; procward: every
 * `started`), and the longest event-loop block while a burst of Node children starts through a
 * manager with default options (raw: the same spawn() calls in one loop, one block by design).
 */
import { ProcessManager } from '../lib/library.js';
import { killRawChildren, rawSpawn } from '../lib/children.js';
import { probeLoop, type LoopBlock } from '../lib/loop-probe.js';
import { pwFleet, rawFleet, rawStop, settle, spawned } from './fleet.js';

export async function rawAllRunning(n: number): Promise<number> {
  const t0 = performance.now();
  const fleet = await rawFleet(n);
  const ms = performance.now() - t0;
  await rawStop(fleet);
  return ms;
}

export async function pwAllRunning(n: number): Promise<number> {
  const pm = new ProcessManager({ retainExited: 0 });
  const t0 = performance.now();
  await pwFleet(n, pm);
  const ms = performance.now() - t0;
  await pm.shutdown();
  return ms;
}

const NODE_IDLE = [process.execPath, ['-e', 'setTimeout(() => {}, 300000)']] as const;

export async function rawBurst(n: number): Promise<LoopBlock> {
  await settle();
  const probe = probeLoop();
  const children = Array.from({ length: n }, () => rawSpawn(NODE_IDLE[0], [...NODE_IDLE[1]], { detached: true }));
  await Promise.all(children.map(spawned));
  const block = probe();
  killRawChildren();
  await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((r) => c.once('exit', r))));
  return block;
}

export async function pwBurst(n: number): Promise<LoopBlock> {
  const pm = new ProcessManager({ retainExited: 0 });
  await settle();
  const probe = probeLoop();
  const ps = Array.from({ length: n }, () => pm.spawn({ command: NODE_IDLE[0], args: [...NODE_IDLE[1]] }));
  await Promise.all(ps.map((p) => p.started));
  const block = probe();
  await pm.shutdown();
  return block;
}
