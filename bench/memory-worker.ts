/**
 * Runs in a fresh Node process (`node --import tsx bench/memory-worker.ts raw|procward`): a child
 * writes 1 GiB to stdout, the host discards it, and this process reports its peak RSS as JSON.
 * Both sides load the library so module loading costs the same; the kernel's peak-RSS mark is
 * reset (clear_refs 5) just before the child starts, so VmHWM covers the streaming only.
 */
import { spawn } from 'node:child_process';
import { ProcessManager } from './lib/library.js';
import { DEFAULTS } from '../src/options/defaults.js';
import { watchPeakRss } from './lib/worker.js';

const BYTES = 1024 * 1024 * 1024;
const side = process.argv[2];

const peak = watchPeakRss();

let n = 0;
const t0 = performance.now();
if (side === 'raw') {
  const child = spawn('head', ['-c', String(BYTES), '/dev/zero'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => {
    n += d.length;
  });
  child.stderr.on('data', () => {});
  await new Promise((resolve) => child.once('close', resolve));
} else if (side === 'procward') {
  const pm = new ProcessManager();
  const p = pm.spawn({ command: 'head', args: ['-c', String(BYTES), '/dev/zero'] });
  p.on('output', (c) => {
    n += c.data.length;
  });
  await p.exited;
  if (p.output.size > DEFAULTS.outputMaxBytes) throw new Error(`output buffer holds ${p.output.size} bytes, above its cap`);
  await pm.shutdown();
} else {
  throw new Error('usage: memory-worker.ts raw|procward');
}
const ms = performance.now() - t0;
const { hwm, sampledPeak } = peak.stop();
if (n !== BYTES) throw new Error(`${side}: counted ${n} bytes, want ${BYTES}`);
process.stdout.write(JSON.stringify({ side, bytes: n, ms, hwm, hwmReset: peak.hwmReset, sampledPeak, rssBefore: peak.rssBefore, capBytes: DEFAULTS.outputMaxBytes }) + '\n');
