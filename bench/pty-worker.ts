/**
 * Runs in a fresh Node process (`node --import tsx bench/pty-worker.ts raw|raw-buffer|procward`): a
 * child floods its terminal with 256 MiB of zeros, the host counts them, and this process reports
 * the event-loop delay during the flood and its peak RSS as JSON. raw is bare node-pty with its
 * default utf8 strings, raw-buffer the same with `encoding: null` (Buffers, as procward delivers).
 * Every side loads node-pty and the library, and first runs a small flood of its own kind (native
 * addon, JIT) so that the figures cover the streaming only; the kernel's peak-RSS mark is reset
 * (clear_refs 5) just before the measured child starts.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pty from '@lydell/node-pty';
import { ProcessManager } from './lib/library.js';
import { DEFAULTS } from '../src/options/defaults.js';
import { killRawChildren, trackPty } from './lib/children.js';
import { watchPeakRss } from './lib/worker.js';

const MiB = 1024 * 1024;
const BYTES = 256 * MiB;
const WARMUP_BYTES = 4 * MiB;
/** Bare node-pty loses the end of the output in most runs (bench/pty.ts); this much is tolerated. */
const TAIL_SLACK = 64 * 1024;
const side = process.argv[2];
process.on('exit', killRawChildren);

/** Bytes delivered, and what the output buffer holds at the end (procward). */
interface Flood {
  n: number;
  held: number;
}

async function raw(bytes: number, encoding: 'utf8' | null): Promise<Flood> {
  const term = trackPty(pty.spawn('head', ['-c', String(bytes), '/dev/zero'], { cols: DEFAULTS.ptyCols, rows: DEFAULTS.ptyRows, cwd: process.cwd(), env: process.env, encoding }));
  let n = 0;
  // Zeros decode to one UTF-16 unit per byte: a string's length is its byte count, as a Buffer's is.
  term.onData((d: string | Buffer) => {
    n += d.length;
  });
  const { exitCode } = await new Promise<{ exitCode: number }>((resolve) => term.onExit(resolve));
  if (exitCode !== 0 || n > bytes || bytes - n > TAIL_SLACK) throw new Error(`${side}: counted ${n} bytes (want ${bytes}), exit code ${exitCode}`);
  return { n, held: 0 };
}

async function procward(pm: ProcessManager, bytes: number): Promise<Flood> {
  const p = pm.spawn({ command: 'head', args: ['-c', String(bytes), '/dev/zero'], pty: true });
  let n = 0;
  p.on('output', (c) => {
    n += c.data.length;
  });
  const exit = await p.exited;
  if (n !== bytes || exit.state !== 'completed') throw new Error(`procward: counted ${n} bytes (want ${bytes}), state ${exit.state}`);
  if (p.output.size > DEFAULTS.outputMaxBytes) throw new Error(`output buffer holds ${p.output.size} bytes, above its cap`);
  return { n, held: p.output.size };
}

const pm = new ProcessManager({ retainExited: 0 });
let flood: (bytes: number) => Promise<Flood>;
if (side === 'raw') flood = (bytes) => raw(bytes, 'utf8');
else if (side === 'raw-buffer') flood = (bytes) => raw(bytes, null);
else if (side === 'procward') flood = (bytes) => procward(pm, bytes);
else throw new Error('usage: pty-worker.ts raw|raw-buffer|procward');

await flood(WARMUP_BYTES);

const peak = watchPeakRss();

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
const t0 = performance.now();
const { n, held } = await flood(BYTES);
const ms = performance.now() - t0;
h.disable();
const { hwm, sampledPeak } = peak.stop();
await pm.shutdown();
process.stdout.write(
  JSON.stringify({
    side,
    bytes: n,
    lost: BYTES - n,
    held,
    ms,
    p50: h.percentile(50) / 1e6,
    p99: h.percentile(99) / 1e6,
    max: h.max / 1e6,
    samples: h.count,
    hwm,
    hwmReset: peak.hwmReset,
    sampledPeak,
    rssBefore: peak.rssBefore,
  }) + '\n',
);
