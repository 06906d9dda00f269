/**
 * Runs in a fresh Node process (`node --import tsx bench/memory-worker.ts raw|procward`): a child
 * writes 1 GiB to stdout, the host discards it, and this process reports its peak RSS as JSON.
 * Both sides load the library so module loading costs the same; the kernel's peak-RSS mark is
 * reset (clear_refs 5) just before the child starts, so VmHWM covers the streaming only.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULTS, ProcessManager } from '../src/index.js';

const BYTES = 1024 * 1024 * 1024;
const side = process.argv[2];

function vmHwm(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

let hwmReset = true;
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  hwmReset = false;
}
const rssBefore = process.memoryUsage.rss();
let sampledPeak = rssBefore;
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > sampledPeak) sampledPeak = rss;
}, 5);

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
clearInterval(sampler);
const final = process.memoryUsage.rss();
if (final > sampledPeak) sampledPeak = final;
if (n !== BYTES) throw new Error(`${side}: counted ${n} bytes, want ${BYTES}`);
process.stdout.write(
  JSON.stringify({ side, bytes: n, ms, hwm: vmHwm(), hwmReset, sampledPeak, rssBefore, capBytes: DEFAULTS.outputMaxBytes }) + '\n',
);
